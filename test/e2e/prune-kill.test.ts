// Crash safety of prune by write order: a prune that repacks, killed with SIGKILL at random moments and at
// each step of its write order (new packs, their index, the re-indexed kept packs, the superseding index,
// old indexes deleted, packs deleted), must leave a repository that checks clean with --read-data, whose
// snapshots restore byte-exact, and which the next prune (past the dead process's stale lock) finishes
// cleanly. Every round starts from a copy of the same unpruned repository; delays are seeded.
import { execFileSync } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/util/treediff.js';
import { prng, sbOk, SOAK, tempDir, jsonOut } from './helpers.js';
import { listRepoFiles, randomBytesFor, spawnSb } from './proc.js';

const SEED = 20260422;
const RANDOM_KILLS = 4 * SOAK;
const BACKUPS = 4;
const KEEP = 2;
const KiB = 1024;

/** About 13 MB of incompressible files of 16-96 KiB: many share each 1 MiB pack, so forgetting leaves packs partly used. */
async function writeFiles(dir: string, rand: () => number, round: number, share: number): Promise<void> {
  for (let d = 0; d < 6; d++) {
    await mkdir(join(dir, `dir-${d}`), { recursive: true });
    for (let f = 0; f < 40; f++) {
      if (round > 0 && rand() >= share) continue;
      await writeFile(
        join(dir, `dir-${d}`, `f-${f}.bin`),
        randomBytesFor(`${SEED}:${round}:${d}:${f}`, 16 * KiB + Math.floor(rand() * 80 * KiB)),
      );
    }
  }
}

/**
 * A moment to kill a prune at: `ms` after its lock appears (node's start-up time varies more than the
 * prune's work takes), or when storage shows the nth event of a kind ('last': every old index is gone).
 */
type Trigger =
  | { label: string; ms: number }
  | { label: string; on: 'index saved' | 'old index deleted' | 'pack deleted'; nth: number | 'last' };

/** Calls `fn` once, when a lock object (not a temporary file) appears in `repo`. */
function onLock(repo: string, fn: () => void): () => void {
  const w = watch(join(repo, 'locks'), (_ev, name) => {
    if (name && !name.startsWith('.')) {
      w.close();
      fn();
    }
  });
  return () => w.close();
}

interface Snap {
  id: string;
  copy: string;
}

describe('interrupted prunes', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  /** Backups done and old snapshots forgotten, not yet pruned: each round prunes a fresh copy of it. */
  let unpruned: string;
  let kept: Snap[] = [];
  let fullMs = 0;
  let lockMs = 0;
  const log: string[] = [];

  const copyOf = (name: string) => {
    const dir = join(tmp.path, name);
    execFileSync('cp', ['-a', unpruned, dir]);
    return dir;
  };

  beforeAll(async () => {
    tmp = await tempDir('sb-prune-kill-');
    src = join(tmp.path, 'src');
    unpruned = join(tmp.path, 'unpruned');
    const rand = prng(SEED);
    await sbOk(['-r', unpruned, 'init', '--pack-size-mib', '1']);
    const snaps: Snap[] = [];
    for (let round = 0; round < BACKUPS; round++) {
      await writeFiles(src, rand, round, 0.35);
      const copy = join(tmp.path, `copy-${round}`);
      execFileSync('cp', ['-a', src, copy]);
      const res = await sbOk(['-r', unpruned, '--json', 'backup', '--time', `2026-02-0${round + 1}T00:00:00Z`, src]);
      snaps.push({ id: (jsonOut(res.stdout) as { id: string }).id, copy });
    }
    await sbOk(['-r', unpruned, 'forget', '--keep-last', String(KEEP)]);
    kept = snaps.slice(BACKUPS - KEEP);
    // When an uninterrupted prune takes its lock and when it ends, here, on a scratch copy: the random
    // kills land in between, while it reads, repacks, indexes and deletes.
    const scratch = copyOf('scratch');
    const t0 = performance.now();
    const locked = new Promise<number>((res) => onLock(scratch, () => res(performance.now() - t0)));
    const run = spawnSb(['-r', scratch, '--json', 'prune', '--repack-unused', '10%']);
    const res = await run.done;
    fullMs = performance.now() - t0;
    lockMs = await locked;
    expect(res.code, res.stderr).toBe(0);
    const report = jsonOut(res.stdout) as { packsRepacked: number; packsRemoved: number; packsWritten: number };
    log.push(
      `uninterrupted prune: lock after ${Math.round(lockMs)} ms, done after ${Math.round(fullMs)} ms, ${JSON.stringify(report)}`,
    );
    // The long path must run: packs are repacked into new ones, not only deleted.
    expect(report.packsRepacked).toBeGreaterThan(0);
    expect(report.packsWritten).toBeGreaterThan(0);
    await rm(scratch, { recursive: true, force: true });
  });
  afterAll(async () => {
    console.log(`prune kill test:\n  ${log.join('\n  ')}`);
    await tmp?.cleanup();
  });

  /** Start a prune and SIGKILL it at the trigger; resolves with how it ended. */
  async function pruneKilledAt(
    repo: string,
    t: Trigger,
  ): Promise<{ code: number | null; killed: boolean; detail: string }> {
    // Packs live in shard directories (data/ab/ab12…): watch each one that holds packs now.
    const dirs =
      'on' in t && t.on === 'pack deleted'
        ? (await readdir(join(repo, 'data'))).map((shard) => join(repo, 'data', shard))
        : [join(repo, 'index')];
    const before = new Set((await Promise.all(dirs.map((d) => readdir(d)))).flat());
    const run = spawnSb(['-r', repo, 'prune', '--repack-unused', '10%']);
    const kill = () => run.child.kill('SIGKILL');
    let stop = () => {};
    if ('ms' in t) {
      let timer: NodeJS.Timeout | undefined;
      const unwatch = onLock(repo, () => {
        timer = setTimeout(kill, t.ms);
      });
      stop = () => {
        unwatch();
        clearTimeout(timer);
      };
    } else {
      const seen = new Set<string>();
      const watchers = dirs.map((dir) =>
        watch(dir, (_ev, name) => {
          if (!name || name.startsWith('.') || seen.has(name)) return;
          const exists = existsSync(join(dir, name));
          if (t.on === 'index saved' ? !before.has(name) && exists : before.has(name) && !exists) {
            seen.add(name);
            if (seen.size === (t.nth === 'last' ? before.size : t.nth)) kill();
          }
        }),
      );
      stop = () => watchers.forEach((w) => w.close());
    }
    const res = await run.done;
    stop();
    return {
      code: res.code,
      killed: res.signal === 'SIGKILL',
      detail: res.signal ?? `exit ${res.code}: ${res.stderr.trim()}`,
    };
  }

  /** check --read-data must find no errors; its notes (unreferenced packs, superseded indexes) are allowed. */
  async function checkNotes(repo: string): Promise<string[]> {
    const check = await sbOk(['-r', repo, 'check', '--read-data']);
    expect(check.stderr).not.toMatch(/^error:/m);
    return check.stderr.split('\n').filter((l) => l.startsWith('note:'));
  }

  async function counts(repo: string): Promise<string> {
    const all = await listRepoFiles(repo);
    const files = all.filter((f) => !f.name.startsWith('.'));
    const n = (type: string) => files.filter((f) => f.type === type).length;
    return `packs ${n('data')}, indexes ${n('index')}, locks ${n('lock')}, temporary files ${all.length - files.length}`;
  }

  const triggers = (): Trigger[] => {
    const rand = prng(SEED);
    const random: Trigger[] = Array.from({ length: RANDOM_KILLS }, () => {
      const ms = Math.round(rand() * 1.1 * (fullMs - lockMs));
      return { label: `${ms} ms after it took the lock`, ms };
    });
    return [
      ...random,
      { label: 'when the index of the repacked packs is saved', on: 'index saved', nth: 1 },
      { label: 'when the kept packs are indexed again', on: 'index saved', nth: 2 },
      { label: 'when the superseding index is saved', on: 'index saved', nth: 3 },
      { label: 'when the first old index is deleted', on: 'old index deleted', nth: 1 },
      { label: 'when the last old index is deleted (packs go next)', on: 'old index deleted', nth: 'last' },
      { label: 'when the first pack is deleted', on: 'pack deleted', nth: 1 },
      { label: 'when the fifth pack is deleted', on: 'pack deleted', nth: 5 },
    ];
  };

  it('a prune killed at any moment leaves a repository that checks clean, restores exactly, and is pruned by the next run', async () => {
    const unprunedCounts = await counts(unpruned);
    let killed = 0;
    let sawSuperseded = false;
    let sawLockTemp = false;
    for (const [i, t] of triggers().entries()) {
      const repo = copyOf(`round-${i}`);
      const { code, killed: k, detail } = await pruneKilledAt(repo, t);
      if (k) killed++;
      else expect(code, `a prune that was not killed (${t.label}) must succeed: ${detail}`).toBe(0);
      const afterKill = await counts(repo);

      const notes = await checkNotes(repo);
      const superseded = notes.filter((n) => /superseded/.test(n)).length;
      const unreferenced = notes.filter((n) => /not in any index/.test(n)).length;
      if (superseded) sawSuperseded = true;
      const list = jsonOut((await sbOk(['-r', repo, '--json', 'snapshots'])).stdout) as { id: string }[];
      expect(new Set(list.map((s) => s.id))).toEqual(new Set(kept.map((s) => s.id)));
      for (const s of kept) {
        const target = join(tmp.path, `restore-${i}-${s.id.slice(0, 8)}`);
        await sbOk(['-r', repo, 'restore', `${s.id}:${src}`, '--target', target, '--verify']);
        expect(await diffTrees(s.copy, target), `snapshot ${s.id.slice(0, 8)} after a kill ${t.label}`).toEqual([]);
        await rm(target, { recursive: true, force: true });
      }

      // The next prune takes the lock past the dead one (same host, pid gone) and leaves nothing behind.
      await sbOk(['-r', repo, 'prune', '--repack-unused', '10%']);
      expect(await checkNotes(repo), `notes after the prune that followed a kill ${t.label}`).toEqual([]);
      // A kill while a lock file was being written leaves its temp file; prune sweeps those once they are old
      // enough not to belong to another process taking a lock right now.
      const lockTemps = (await readdir(join(repo, 'locks'))).filter((n) => n.startsWith('.tmp-'));
      expect((await readdir(join(repo, 'locks'))).filter((n) => !n.startsWith('.tmp-'))).toEqual([]);
      if (lockTemps.length) {
        sawLockTemp = true;
        const old = new Date(Date.now() - 3600_000);
        for (const n of lockTemps) await utimes(join(repo, 'locks', n), old, old);
        await sbOk(['-r', repo, 'prune']);
        expect(await readdir(join(repo, 'locks'))).toEqual([]);
      }
      log.push(
        `${t.label}: ${detail}; ${afterKill} (unpruned: ${unprunedCounts}); check notes: ${superseded} superseded indexes, ` +
          `${unreferenced} unreferenced packs; after the next prune: ${await counts(repo)}`,
      );
      await rm(repo, { recursive: true, force: true });
    }
    // Most kills must land while the prune runs, and some after its superseding index.
    expect(killed).toBeGreaterThanOrEqual(8);
    expect(sawSuperseded).toBe(true);
    log.push(`a kill left a lock temp file: ${sawLockTemp ? 'yes (swept once old)' : 'no'}`);
  });
});
