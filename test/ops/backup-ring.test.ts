// The backup's worker ring (src/archiver/worker.ts): each worker writes sealed chunks into a shared ring that
// starts at 2 MiB, wraps around when its end is reached, and is replaced by a larger one when a chunk needs more
// than half of it. These trees drive every one of those paths, interleaved, and must come back byte for byte
// with every pack readable: many small files (thousands of wrap-arounds of a 2 MiB ring), incompressible files of
// 3 and 24 MiB (chunks from 256 KiB up to the 8 MiB maximum: the ring grows, several times), small files again
// in the grown ring, and compressible text (compressed chunks, whose sealed size is not the raw size).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupPaths } from '../../src/ops/backup.js';
import { checkRepo } from '../../src/ops/check.js';
import { newContext, type OpContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restorePaths } from '../../src/ops/restore.js';
import { diffTrees } from '../../src/util/treediff.js';
import { prng, tempDir } from '../e2e/helpers.js';
import { randomBytesFor } from '../e2e/proc.js';

process.env.SB_OPS_RING_PW = 'ring';

async function run<T>(fn: (ctx: OpContext) => Promise<T>): Promise<T> {
  const ctx = newContext({ emit: () => {} });
  try {
    return await fn(ctx);
  } finally {
    ctx.scope.close();
  }
}

describe('backup through the workers’ rings', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let spec: RepoSpec;

  beforeAll(async () => {
    tmp = await tempDir('sb-ring-');
    src = join(tmp.path, 'src');
    const rnd = prng(7);
    // Directory names sort in this order, which is the order the walk hands files to the workers.
    const small = async (dir: string, count: number, seed: string) => {
      await mkdir(join(src, dir), { recursive: true });
      for (let i = 0; i < count; i++) {
        await writeFile(join(src, dir, `f${i}`), randomBytesFor(`${seed}${i}`, 1 + Math.floor(rnd() * 20_000)));
      }
    };
    await small('a-small', 600, 'a');
    await mkdir(join(src, 'b-large'));
    await writeFile(join(src, 'b-large', '3m'), randomBytesFor('3m', 3 * 1024 * 1024 + 17));
    await writeFile(join(src, 'b-large', 'x24m'), randomBytesFor('24m', 24 * 1024 * 1024 + 5));
    await small('c-small', 600, 'c');
    const line = (i: number) => `line ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 7))}\n`;
    await writeFile(join(src, 'd-text'), Array.from({ length: 200_000 }, (_, i) => line(i)).join(''));
    spec = { location: join(tmp.path, 'repo'), password: { env: 'SB_OPS_RING_PW' } };
    await run((ctx) => initRepository(spec, ctx));
  }, 120_000);

  afterAll(() => tmp?.cleanup());

  it('restores every file byte for byte, and check reads every pack clean', async () => {
    const b = await run((ctx) => backupPaths(spec, { paths: [src] }, ctx));
    expect(b.outcome).toBe('ok');
    const sum = b.snapshot.summary!;
    expect(sum.files).toBe(1203);
    expect(sum.dataAdded).toBeGreaterThan(sum.dataAddedPacked); // the text was compressed
    const target = join(tmp.path, 'restore');
    const r = await run((ctx) => restorePaths(spec, { snapshot: b.id, target, verify: true }, ctx));
    expect(r.failed).toEqual([]);
    expect(await diffTrees(src, join(target, src))).toEqual([]);
    const c = await run((ctx) => checkRepo(spec, { readData: { kind: 'all' } }, ctx));
    expect(c.errors).toEqual([]);
    expect(c.packsRead).toBe(c.packs);
  }, 180_000);
});
