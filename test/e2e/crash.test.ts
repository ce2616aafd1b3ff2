// Crash safety by write order: backups killed with SIGKILL at random moments must leave a repository
// that checks clean, lists only complete snapshots that restore exactly, and accepts the next backup
// (the dead process's lock is stale). Kill delays are seeded, so a failing run can be replayed.
// SIGINT and SIGTERM, which can be handled, must also release the lock.
import { appendFile, mkdir, open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTree, diffTrees, type TreeEntry } from '../../src/util/treediff.js';
import { prng, sbOk, SOAK, tempDir, jsonOut } from './helpers.js';
import { listRepoFiles, randomBytesFor, spawnSb, type StoredObject } from './proc.js';

const SEED = 20260301;
const ROUNDS = 5 * SOAK;
const KiB = 1024;
const MiB = 1024 * KiB;
const WORDS = [
  'invoice',
  'customer',
  'order',
  'shipping',
  'the',
  'a',
  'of',
  'and',
  'payment',
  'refund',
  'cart',
  'session',
  'token',
  'price',
  'total',
  'tax',
  'address',
  'street',
  'city',
  'country',
  'product',
  'review',
];

/** Deterministic English-ish text of about `n` bytes (compressible, so zstd runs). */
function text(rand: () => number, n: number): string {
  const lines: string[] = [];
  let len = 0;
  while (len < n) {
    const words: string[] = [];
    for (let k = 3 + Math.floor(rand() * 12); k > 0; k--) words.push(WORDS[Math.floor(rand() * WORDS.length)]);
    const line = `${Math.floor(rand() * 1e9)} ${words.join(' ')}\n`;
    lines.push(line);
    len += line.length;
  }
  return lines.join('');
}

interface Source {
  textFiles: string[];
  bigFiles: string[];
}

/** About 60 MB: 1200 text files of 1-40 KB in 20 directories, and 6 random files of 4-8 MB. */
async function makeSource(dir: string, seed: number): Promise<Source> {
  const rand = prng(seed);
  const src: Source = { textFiles: [], bigFiles: [] };
  for (let d = 0; d < 20; d++) {
    const sub = join(dir, `site-${String(d).padStart(2, '0')}`, d % 3 === 0 ? 'uploads' : 'pages');
    await mkdir(sub, { recursive: true });
    for (let f = 0; f < 60; f++) {
      const p = join(sub, `page-${f}.html`);
      await writeFile(p, text(rand, KiB + Math.floor(rand() * 39 * KiB)));
      src.textFiles.push(p);
    }
  }
  await mkdir(join(dir, 'media'));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'media', `video-${i}.bin`);
    await writeFile(p, randomBytesFor(`${seed}:big:${i}`, 4 * MiB + Math.floor(rand() * 4 * MiB)));
    src.bigFiles.push(p);
  }
  return src;
}

/** Change the source between rounds: append to text files, rewrite part of a big file, add a new one. */
async function mutate(src: Source, dir: string, round: number): Promise<void> {
  const rand = prng(SEED * 31 + round);
  for (let k = 0; k < 5; k++) {
    await appendFile(src.textFiles[Math.floor(rand() * src.textFiles.length)], `round ${round}: ${text(rand, 200)}`);
  }
  const big = src.bigFiles[Math.floor(rand() * src.bigFiles.length)];
  const fh = await open(big, 'r+');
  try {
    await fh.write(randomBytesFor(`${SEED}:patch:${round}`, 256 * KiB), 0, 256 * KiB, Math.floor(rand() * 3 * MiB));
  } finally {
    await fh.close();
  }
  await writeFile(join(dir, 'media', `new-${round}.bin`), randomBytesFor(`${SEED}:new:${round}`, 3 * MiB));
  const victim = src.textFiles.splice(Math.floor(rand() * src.textFiles.length), 1)[0];
  await rm(victim);
}

/** Object counts, for the log: what each interrupted backup left behind. */
async function repoState(repo: string): Promise<string> {
  const files = await listRepoFiles(repo);
  const count = (pred: (o: StoredObject) => boolean) => files.filter(pred).length;
  const tmp = (o: StoredObject) => o.name.startsWith('.');
  return (
    `packs ${count((o) => o.type === 'data' && !tmp(o))}, indexes ${count((o) => o.type === 'index' && !tmp(o))}, ` +
    `snapshots ${count((o) => o.type === 'snapshot' && !tmp(o))}, locks ${count((o) => o.type === 'lock' && !tmp(o))}, temp files ${count(tmp)}`
  );
}

interface SnapshotJson {
  id: string;
  tags: string[];
  incomplete?: unknown;
  summary?: unknown;
}

function diffDescriptions(want: Map<string, TreeEntry>, got: Map<string, TreeEntry>): string[] {
  const out: string[] = [];
  for (const [p, e] of want) {
    const g = got.get(p);
    if (!g) out.push(`missing: ${p}`);
    else if (JSON.stringify(e) !== JSON.stringify(g)) out.push(`differs: ${p}`);
  }
  for (const p of got.keys()) if (!want.has(p)) out.push(`extra: ${p}`);
  return out;
}

describe('interrupted backups', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let srcDir: string;
  let repo: string;
  let src: Source;
  let fullMs = 0;
  /** The source as it was when each round's backup ran, keyed by the round tag. */
  const expected = new Map<string, Map<string, TreeEntry>>();
  const verified = new Set<string>();
  const log: string[] = [];
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);

  /** Every snapshot listed must be complete and restore exactly the source of its round. */
  async function assertSnapshotsRestore(): Promise<SnapshotJson[]> {
    const list = jsonOut((await r(['--json', 'snapshots'])).stdout) as SnapshotJson[];
    for (const s of list) {
      expect(s.incomplete, `snapshot ${s.id} is marked incomplete`).toBeUndefined();
      expect(s.summary, `snapshot ${s.id} has no summary`).toBeDefined();
      if (verified.has(s.id)) continue;
      const tag = s.tags.find((t) => t.startsWith('round-'));
      expect(tag && expected.has(tag), `snapshot ${s.id} has an unknown round tag ${s.tags.join(',')}`).toBe(true);
      const target = join(tmp.path, `restore-${s.id.slice(0, 12)}`);
      await r(['restore', s.id, '--target', target]);
      expect(diffDescriptions(expected.get(tag!)!, await describeTree(join(target, srcDir)))).toEqual([]);
      await rm(target, { recursive: true, force: true });
      verified.add(s.id);
    }
    return list;
  }

  beforeAll(async () => {
    tmp = await tempDir('sb-crash-');
    srcDir = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    await mkdir(srcDir);
    src = await makeSource(srcDir, SEED);
    // How long an uninterrupted first backup takes here, measured on scratch repositories: the faster of two, as
    // the first pays for cold caches (measured alone, a slow first run spread the kills past most backups' end).
    fullMs = Infinity;
    for (const n of [1, 2]) {
      const scratch = join(tmp.path, `scratch-${n}`);
      await sbOk(['-r', scratch, 'init', '--pack-size-mib', '1']);
      const t0 = performance.now();
      await sbOk(['-r', scratch, '-q', 'backup', srcDir]);
      fullMs = Math.min(fullMs, performance.now() - t0);
      await rm(scratch, { recursive: true, force: true });
    }
    await r(['init', '--pack-size-mib', '1']);
  });
  afterAll(async () => {
    console.log(`crash test: full backup ${Math.round(fullMs)} ms; rounds:\n  ${log.join('\n  ')}`);
    await tmp?.cleanup();
  });

  it('a backup killed with SIGKILL at a random moment leaves a repository that checks clean and lists only complete, restorable snapshots', async () => {
    const rand = prng(SEED);
    let killed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) await mutate(src, srcDir, round);
      const tag = `round-${round}`;
      expected.set(tag, await describeTree(srcDir));
      // Odd rounds record another host, so no parent is found and every file is read again (long runs,
      // mostly deduplicated); even rounds are incremental against the latest complete snapshot, if any.
      const host = round % 2 ? ['--host', `other-${round}`] : [];
      const delay = Math.round(50 + rand() * (1.25 * fullMs - 50));
      const run = spawnSb(['-r', repo, '-q', 'backup', '--tag', tag, ...host, srcDir]);
      const timer = setTimeout(() => run.child.kill('SIGKILL'), delay);
      const res = await run.done;
      clearTimeout(timer);
      log.push(
        `${tag}${host.length ? ' (no parent)' : ''}: kill after ${delay} ms -> ${res.signal ?? `exit ${res.code}`}; ${await repoState(repo)}`,
      );
      if (res.signal === 'SIGKILL') killed++;
      // A backup that was not killed must have succeeded; one that was may have left a stale lock behind,
      // and must never have been refused because of the previous round's lock.
      else expect(res.code, `${tag} exited ${res.code}: ${res.stderr}`).toBe(0);

      const check = await r(['check']);
      expect(check.stderr).not.toMatch(/^error:/m);
      const list = await assertSnapshotsRestore();
      if (res.code === 0) expect(list.some((s) => s.tags.includes(tag))).toBe(true);
    }
    // The seeded delays are spread over a full backup's duration: most rounds must really be interrupted.
    expect(killed).toBeGreaterThanOrEqual(2);
  });

  // Unlike SIGKILL, these can be handled: the lock must not outlive the process (on shared storage another
  // host cannot tell the holder is dead, and would wait 30 minutes for the lock to go stale).
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'a backup stopped with %s exits 130, releases its lock and leaves a clean repository',
    async (signal) => {
      const locks = join(repo, 'locks');
      const before = new Set(await readdir(locks)); // a lock left by an earlier test is not this run's
      const run = spawnSb(['-r', repo, '-q', 'backup', '--host', `interrupted-${signal}`, srcDir]);
      let exited = false;
      void run.done.then(() => {
        exited = true;
      });
      while (!exited && !(await readdir(locks)).some((n) => !n.startsWith('.') && !before.has(n)))
        await new Promise((res) => setTimeout(res, 10));
      await new Promise((res) => setTimeout(res, 200));
      run.child.kill(signal);
      const res = await run.done;
      expect(res.code, `signal ${res.signal}, stderr: ${res.stderr}`).toBe(130);
      expect(await readdir(locks)).toEqual([]);
      await r(['check']);
    },
  );

  it("accepts a backup after the kills (the dead process's lock is stale), checks with --read-data and restores it exactly", async () => {
    await mutate(src, srcDir, ROUNDS);
    const tag = `round-${ROUNDS}`;
    expected.set(tag, await describeTree(srcDir));
    const res = await r(['--json', 'backup', '--tag', tag, srcDir]);
    const id = (jsonOut(res.stdout) as { id: string }).id;
    expect(await readdir(join(repo, 'locks'))).toEqual([]);

    const check = await r(['check', '--read-data']);
    expect(check.stderr).not.toMatch(/^error:/m);

    const target = join(tmp.path, 'restore-final');
    await r(['restore', id, '--target', target]);
    expect(await diffTrees(srcDir, join(target, srcDir))).toEqual([]);
    await assertSnapshotsRestore();
  });
});
