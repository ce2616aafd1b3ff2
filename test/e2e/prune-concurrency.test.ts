// Prune against backups: backups of three changing trees run in loops while `forget --prune` runs over and
// over; the locks must serialise them so that every snapshot left restores byte-exact and check passes.
// Then the orderings that loop can only stumble on, forced one at a time by holding a lock from this
// process: a backup waiting behind a prune, a prune waiting behind a prune, a prune waiting behind backups.
import { execFileSync } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { appendFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { RepoLock } from '../../src/repository/lock.js';
import { Repository } from '../../src/repository/repository.js';
import { diffTrees } from '../../src/util/treediff.js';
import { PASSWORD, prng, type RunResult, sb, sbOk, tempDir, jsonOut } from './helpers.js';
import { randomBytesFor, spawnSb } from './proc.js';

const SEED = 20260501;
const SOURCES = ['shop', 'blog', 'wiki'];
const BACKUPS_PER_SOURCE = 12;
const KiB = 1024;

/** A backup run and the copy of its source taken just before it. */
interface Backed {
  source: string;
  copy: string;
  result: RunResult;
  id?: string;
}

/** About 1.5 MB: text pages in 3 directories and 4 random files of 50-250 KiB. */
async function makeSource(dir: string, name: string, rand: () => number): Promise<void> {
  for (let d = 0; d < 3; d++) {
    await mkdir(join(dir, `section-${d}`), { recursive: true });
    for (let f = 0; f < 12; f++)
      await writeFile(join(dir, `section-${d}`, `page-${f}.txt`), text(rand, 1 * KiB + Math.floor(rand() * 20 * KiB)));
  }
  for (let b = 0; b < 4; b++)
    await writeFile(
      join(dir, `media-${b}.bin`),
      randomBytesFor(`${name}:media:${b}:0`, 50 * KiB + Math.floor(rand() * 200 * KiB)),
    );
}

/**
 * Between runs: some pages grow, one random file is replaced, a page comes, and `release.bin` is set to
 * one of three versions in turn, as deploys and rollbacks do: the version a run restores was last backed
 * up three runs before, by a snapshot `--keep-last 2` has forgotten.
 */
async function mutate(dir: string, name: string, rand: () => number, run: number): Promise<void> {
  for (let d = 0; d < 3; d++)
    for (let f = 0; f < 12; f++)
      if (rand() < 0.2) await appendFile(join(dir, `section-${d}`, `page-${f}.txt`), text(rand, 300));
  await writeFile(
    join(dir, `media-${run % 4}.bin`),
    randomBytesFor(`${name}:media:${run % 4}:${run}`, 50 * KiB + Math.floor(rand() * 200 * KiB)),
  );
  await writeFile(join(dir, `section-${run % 3}`, `new-${run}.txt`), text(rand, 4 * KiB));
  await writeFile(join(dir, 'release.bin'), randomBytesFor(`${name}:release:${run % 3}`, 300 * KiB));
}

function text(rand: () => number, n: number): string {
  const words = ['post', 'comment', 'author', 'the', 'of', 'price', 'stock', 'tag', 'draft', 'page'];
  let s = '';
  while (s.length < n)
    s += `${Math.floor(rand() * 1e6)} ${words[Math.floor(rand() * words.length)]} ${words[Math.floor(rand() * words.length)]}\n`;
  return s;
}

/** Take a lock on the repository from this test process, standing in for another strongbox process. */
async function holdLock(
  repoDir: string,
  exclusive: boolean,
): Promise<{ release: () => Promise<void>; names: Set<string> }> {
  const repo = await Repository.open(await openBackend(repoDir), PASSWORD);
  const lock = await RepoLock.acquire(repo, exclusive);
  return { release: () => lock.release(), names: new Set(await readdir(join(repoDir, 'locks'))) };
}

/**
 * Resolves once other processes have tried `n` times to take a lock and given up (each try writes a lock
 * object under a new name, finds the conflict and removes it again). A waiting process backs off 0.2, 0.4,
 * 0.8, 1.6, 3.2, then 5 s: after its fifth try it stays away for 3.2 s, time for this test to run a command.
 */
function lockTries(repoDir: string, ignore: Set<string>, n: number): Promise<void> {
  const dir = join(repoDir, 'locks');
  return new Promise((res) => {
    const given = new Set<string>();
    const w = watch(dir, (_ev, name) => {
      if (!name || name.startsWith('.') || ignore.has(name) || existsSync(join(dir, name))) return;
      given.add(name);
      if (given.size >= n) {
        w.close();
        res();
      }
    });
  });
}

describe('prune and backups together', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const log: string[] = [];
  let dirs = 0;
  /** A new directory under the test's temporary directory. */
  const fresh = async (name: string) => {
    const dir = join(tmp.path, `${name}-${dirs++}`);
    await mkdir(dir, { recursive: true });
    return dir;
  };
  const copyOf = async (src: string) => {
    const copy = join(await fresh('copy'), 'tree');
    execFileSync('cp', ['-a', src, copy]);
    return copy;
  };
  async function restoresExactly(repo: string, id: string, src: string, copy: string): Promise<void> {
    const target = await fresh('restore');
    await sbOk(['-r', repo, 'restore', `${id}:${src}`, '--target', target, '--verify']);
    expect(await diffTrees(copy, target), `snapshot ${id.slice(0, 8)} of ${src}`).toEqual([]);
    await rm(target, { recursive: true, force: true });
  }
  async function checkPasses(repo: string): Promise<void> {
    const check = await sb(['-r', repo, 'check', '--read-data']);
    expect(check.stderr).not.toMatch(/^error:/m);
    expect(check.code).toBe(0);
  }

  beforeAll(async () => {
    tmp = await tempDir('sb-prune-conc-');
  });
  afterAll(async () => {
    console.log(`prune concurrency test:\n  ${log.join('\n  ')}`);
    await tmp?.cleanup();
  });

  it('backups of three changing trees, in loops beside a looping forget --keep-last 2 --prune, all restore byte-exact', async () => {
    const repo = join(tmp.path, 'loops');
    await sbOk(['-r', repo, 'init', '--pack-size-mib', '1']);
    const backed: Backed[] = [];
    const forgets: { result: RunResult; pruned: number }[] = [];

    const backupLoop = async (name: string, i: number) => {
      const src = await fresh(`src-${name}`);
      const rand = prng(SEED + i);
      await makeSource(src, name, rand);
      for (let run = 0; run < BACKUPS_PER_SOURCE; run++) {
        if (run > 0) await mutate(src, name, rand, run);
        const copy = await copyOf(src);
        const result = await sb(['-r', repo, '--json', 'backup', '--tag', name, src]);
        const b: Backed = { source: src, copy, result };
        if (result.code === 0) b.id = (jsonOut(result.stdout) as { id: string }).id;
        backed.push(b);
        await new Promise((res) => setTimeout(res, rand() * 400)); // gaps in which a forget can take its lock
      }
    };
    let backupsDone = false;
    const forgetLoop = async () => {
      while (!backupsDone) {
        const result = await sb([
          '-r',
          repo,
          '--json',
          'forget',
          '--keep-last',
          '2',
          '--prune',
          '--retry-lock',
          '2min',
        ]);
        const pruned =
          result.code === 0 ? (jsonOut(result.stdout) as { prune: { packsRemoved: number } }).prune.packsRemoved : 0;
        forgets.push({ result, pruned });
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    const t0 = performance.now();
    const loops = Promise.all(SOURCES.map(backupLoop)).finally(() => {
      backupsDone = true;
    });
    await Promise.all([loops, forgetLoop()]);
    // Each run says when it waits for a conflicting lock (a JSON line: phase "lock" started): the backups and the
    // forgets did contend, and each that waited went on.
    const waitedForLock = (r: RunResult) =>
      r.stdout.split('\n').some((l) => l.startsWith('{') && /"phase":"lock","state":"started"/.test(l));
    const waited =
      backed.filter((b) => waitedForLock(b.result)).length + forgets.filter((f) => waitedForLock(f.result)).length;
    log.push(
      `loops: ${backed.length} backups, ${forgets.length} forget --prune runs (${forgets.filter((f) => f.pruned > 0).length} removed packs) ` +
        `in ${Math.round(performance.now() - t0)} ms; ${waited} runs waited for a lock`,
    );

    // A backup waits for a prune (30 minutes by default) and a forget waits for backups (--retry-lock 2m):
    // nobody is refused, and nobody fails. (Soft, so a failure here still lets the data be checked below.)
    const failed = [
      ...backed.map((b) => ['backup', b.result] as const),
      ...forgets.map((f) => ['forget', f.result] as const),
    ]
      .filter(([, r]) => r.code !== 0)
      .map(([what, r]) => `${what} exited ${r.code}: ${r.stderr.trim()}`);
    log.push(...failed);
    expect.soft(failed).toEqual([]);
    expect(waited).toBeGreaterThan(0);
    expect(forgets.filter((f) => f.pruned > 0).length).toBeGreaterThan(0);

    const byId = new Map(backed.filter((b) => b.id).map((b) => [b.id!, b]));
    const left = jsonOut((await sbOk(['-r', repo, '--json', 'snapshots'])).stdout) as { id: string }[];
    expect(left.length).toBeGreaterThanOrEqual(2 * SOURCES.length);
    const damaged: string[] = [];
    for (const s of left) {
      const b = byId.get(s.id);
      expect(b, `snapshot ${s.id} is none of the backups this test made`).toBeDefined();
      const target = await fresh('restore');
      const res = await sb(['-r', repo, 'restore', `${s.id}:${b!.source}`, '--target', target, '--verify']);
      const diffs =
        res.code === 0 ? await diffTrees(b!.copy, target) : [`restore exited ${res.code}: ${res.stderr.trim()}`];
      if (diffs.length) damaged.push(`snapshot ${s.id.slice(0, 8)}: ${diffs.slice(0, 3).join('; ')}`);
      await rm(target, { recursive: true, force: true });
    }
    log.push(`loops: ${left.length} snapshots left, ${damaged.length} of them do not restore exactly`);
    expect(damaged).toEqual([]);
    await checkPasses(repo);
  });

  it('a backup that had to wait for forget --prune does not rely on data that prune removed', async () => {
    const repo = join(tmp.path, 'backup-waits');
    const src = await fresh('src');
    await sbOk(['-r', repo, 'init', '--pack-size-mib', '1']);
    await writeFile(join(src, 'index.html'), '<h1>shop</h1>\n');
    const deploy = (version: string) =>
      writeFile(join(src, 'release.bin'), randomBytesFor(`release:${version}`, 400 * KiB));
    await deploy('v1');
    await sbOk(['-r', repo, 'backup', '--time', '2026-03-01T00:00:00Z', src]);
    await deploy('v2');
    await sbOk(['-r', repo, 'backup', '--time', '2026-03-02T00:00:00Z', src]);
    await deploy('v1'); // rolled back: v1 is now only in the first snapshot, which the forget below removes

    const lock = await holdLock(repo, true); // a forget that is still running
    const backup = spawnSb(['-r', repo, '--json', 'backup', src]);
    let backupDone = false;
    void backup.done.then(() => {
      backupDone = true;
    });
    await lockTries(repo, lock.names, 5);
    await lock.release();
    const forget = await sbOk(['-r', repo, '--json', 'forget', '--keep-last', '1', '--prune']);
    expect(backupDone, 'the backup must still be waiting while forget --prune runs').toBe(false);
    expect((jsonOut(forget.stdout) as { prune: { packsRemoved: number } }).prune.packsRemoved).toBeGreaterThan(0);

    const res = await backup.done;
    expect(res.code, res.stderr).toBe(0);
    const id = (jsonOut(res.stdout) as { id: string }).id;
    await checkPasses(repo);
    await restoresExactly(repo, id, src, await copyOf(src));
  });

  it('a prune that had to wait for another prune does not delete the packs that prune wrote', async () => {
    const repo = join(tmp.path, 'prune-waits');
    const src = await fresh('src');
    await sbOk(['-r', repo, 'init', '--pack-size-mib', '1']);
    // Two files of one pack; once the second is gone and forgotten, that pack is two thirds unused.
    await writeFile(join(src, 'kept.bin'), randomBytesFor('kept', 300 * KiB));
    await writeFile(join(src, 'gone.bin'), randomBytesFor('gone', 600 * KiB));
    await sbOk(['-r', repo, 'backup', '--time', '2026-03-01T00:00:00Z', src]);
    await rm(join(src, 'gone.bin'));
    const second = await sbOk(['-r', repo, '--json', 'backup', '--time', '2026-03-02T00:00:00Z', src]);

    const lock = await holdLock(repo, true);
    const waiting = spawnSb(['-r', repo, '--json', 'prune', '--repack-unused', '10%', '--retry-lock', '1min']);
    await lockTries(repo, lock.names, 5);
    await lock.release();
    const first = await sbOk(['-r', repo, '--json', 'forget', '--keep-last', '1', '--prune', '--repack-unused', '10%']);
    expect((jsonOut(first.stdout) as { prune: { packsRepacked: number } }).prune.packsRepacked).toBeGreaterThan(0);

    const res = await waiting.done;
    expect(res.code, res.stderr).toBe(0);
    await checkPasses(repo);
    await restoresExactly(repo, (jsonOut(second.stdout) as { id: string }).id, src, await copyOf(src));
  });

  it('a forget --prune that waited for running backups prunes with the snapshots they wrote', async () => {
    const repo = join(tmp.path, 'forget-waits');
    const src = await fresh('src');
    await sbOk(['-r', repo, 'init', '--pack-size-mib', '1']);
    await writeFile(join(src, 'a.bin'), randomBytesFor('a', 200 * KiB));
    await sbOk(['-r', repo, 'backup', '--time', '2026-03-01T00:00:00Z', src]);

    const lock = await holdLock(repo, false); // a long backup from another host
    const forget = spawnSb(['-r', repo, '--json', 'forget', '--keep-last', '1', '--prune', '--retry-lock', '1min']);
    await lockTries(repo, lock.names, 1);
    await writeFile(join(src, 'b.bin'), randomBytesFor('b', 200 * KiB));
    const newest = await sbOk(['-r', repo, '--json', 'backup', '--time', '2026-03-02T00:00:00Z', src]); // shares the lock
    await lock.release();

    const res = await forget.done;
    expect(res.code, res.stderr).toBe(0);
    const left = jsonOut((await sbOk(['-r', repo, '--json', 'snapshots'])).stdout) as { id: string }[];
    const id = (jsonOut(newest.stdout) as { id: string }).id;
    expect(left.map((s) => s.id)).toEqual([id]);
    await checkPasses(repo);
    await restoresExactly(repo, id, src, await copyOf(src));
  });
});
