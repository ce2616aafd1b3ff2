// Memory stays flat: peak RSS (whole process, worker threads included, measured by GNU time) under 256 MiB when
// backing up and restoring one 1 GiB file (four times the ceiling) and a tree of 100,000 small files, which is also
// backed up again unchanged, listed and checked. `npm run bench -- --scale` does the same with a million files.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/util/treediff.js';
import { prng, sbOk, tempDir } from './helpers.js';
import { ensureGnuTime, type Measured, measuredSb, randomBytesFor } from './proc.js';

// The repositories here are made and opened at the real scrypt cost (32 MiB), not the suite's cheap test-only one.
delete process.env.STRONGBOX_TESTONLY_WEAKEN_KDF;

const LIMIT_MIB = 256;
const KiB = 1024;
const MiB = 1024 * KiB;
const figures: string[] = [];

function record(what: string, m: Measured): void {
  const line = `${what}: peak RSS ${m.maxRssMiB.toFixed(1)} MiB, ${m.seconds.toFixed(1)} s`;
  figures.push(line);
  console.log(line);
}

function expectOk(what: string, m: Measured): void {
  expect(m.code, `${what} exited ${m.code}\nstdout: ${m.stdout}\nstderr: ${m.stderr}`).toBe(0);
}

function hashFile(p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(p)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** 100,000 files of 1-4 KiB in 1,000 directories (10 top-level × 100), each file's bytes distinct. */
async function makeManyFiles(root: string): Promise<void> {
  const rand = prng(100_000);
  const pool = randomBytesFor('memory:pool', 4 * MiB);
  const jobs: (() => Promise<void>)[] = [];
  for (let d = 0; d < 1000; d++) {
    const dir = join(root, `group-${Math.floor(d / 100)}`, `dir-${d}`);
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < 100; f++) {
      const size = KiB + Math.floor(rand() * 3 * KiB);
      const off = Math.floor(rand() * (pool.length - size));
      const body = Buffer.concat([Buffer.from(`${d}/${f}\n`), pool.subarray(off, off + size)]).subarray(0, size);
      jobs.push(() => writeFile(join(dir, `file-${f}.txt`), body));
    }
  }
  for (let i = 0; i < jobs.length; i += 256) await Promise.all(jobs.slice(i, i + 256).map((j) => j()));
}

describe(`peak RSS stays under ${LIMIT_MIB} MiB`, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const stats = () => join(tmp.path, `time-${Date.now()}.txt`);

  beforeAll(async () => {
    ensureGnuTime();
    tmp = await tempDir('sb-memory-');
  });
  afterAll(async () => {
    console.log(`memory figures:\n  ${figures.join('\n  ')}`);
    await tmp?.cleanup();
  });

  describe('one 1 GiB file', () => {
    let dir: string;
    let file: string;
    let repo: string;

    beforeAll(async () => {
      dir = join(tmp.path, 'big');
      file = join(dir, 'src', 'disk.img');
      repo = join(dir, 'repo');
      await mkdir(join(dir, 'src'), { recursive: true });
      execFileSync('sh', ['-c', `head -c 1G /dev/urandom > '${file}'`]);
      await sbOk(['-r', repo, 'init']);
    }, 600_000);
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('backs it up', async () => {
      const m = await measuredSb(['-r', repo, '-q', 'backup', file], stats());
      record('backup of one 1 GiB file', m);
      expectOk('backup', m);
      expect(m.maxRssMiB).toBeLessThan(LIMIT_MIB);
    }, 900_000);

    it('restores it byte for byte', async () => {
      const target = join(dir, 'restore');
      const m = await measuredSb(['-r', repo, '-q', 'restore', 'latest', '--target', target], stats());
      record('restore of one 1 GiB file', m);
      expectOk('restore', m);
      expect(await hashFile(join(target, file))).toBe(await hashFile(file));
      await rm(target, { recursive: true, force: true });
      expect(m.maxRssMiB).toBeLessThan(LIMIT_MIB);
    }, 900_000);
  });

  describe('100,000 small files in 1,000 directories', () => {
    let dir: string;
    let src: string;
    let repo: string;

    beforeAll(async () => {
      dir = join(tmp.path, 'many');
      src = join(dir, 'src');
      repo = join(dir, 'repo');
      const t0 = performance.now();
      await makeManyFiles(src);
      console.log(`generated 100,000 files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await sbOk(['-r', repo, 'init']);
    }, 600_000);
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('backs them up', async () => {
      const m = await measuredSb(['-r', repo, '-q', 'backup', src], stats());
      record('backup of 100,000 small files', m);
      expectOk('backup', m);
      expect(m.maxRssMiB).toBeLessThan(LIMIT_MIB);
    }, 900_000);

    it('backs them up again with nothing changed (parent trees read, not files)', async () => {
      const m = await measuredSb(['-r', repo, '-q', 'backup', src], stats());
      record('no-change backup of 100,000 small files', m);
      expectOk('no-change backup', m);
      expect(m.maxRssMiB).toBeLessThan(LIMIT_MIB);
    }, 900_000);

    it('lists them (ls prints each entry as it reaches it)', async () => {
      const m = await measuredSb(['-r', repo, 'ls', 'latest'], stats());
      record('ls of 100,000 small files', m);
      expectOk('ls', m);
      expect(m.stdout.split('\n').filter((l) => l.includes('/file-')).length).toBe(100_000);
      expect(m.maxRssMiB).toBeLessThan(LIMIT_MIB);
    }, 900_000);

    it('checks them, reading every pack', async () => {
      const m = await measuredSb(['-r', repo, '-q', 'check', '--read-data'], stats());
      record('check --read-data of 100,000 small files', m);
      expectOk('check', m);
      expect(m.maxRssMiB).toBeLessThan(LIMIT_MIB);
    }, 900_000);

    it('restores them identically', async () => {
      const target = join(dir, 'restore');
      const m = await measuredSb(['-r', repo, '-q', 'restore', 'latest', '--target', target], stats());
      record('restore of 100,000 small files', m);
      expectOk('restore', m);
      expect(await diffTrees(src, join(target, src))).toEqual([]);
      // Restore plans in batches of a few thousand entries (restore/plan.ts): memory does not grow with the tree.
      expect(m.maxRssMiB).toBeLessThan(LIMIT_MIB);
    }, 900_000);
  });
});
