// Excludes at the operations level: gitignore-style patterns relative to the backed-up root, given to backupPaths;
// what they exclude is neither listed nor restored. Reading --exclude-file (comments, blank lines, CRLF) and
// combining it with --exclude are CLI surface and stay in test/e2e/excludes.test.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpEvent } from '../../src/events.js';
import { backupPaths } from '../../src/ops/backup.js';
import { type OpContext, withContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restorePaths } from '../../src/ops/restore.js';
import { listFiles } from '../../src/ops/snapshots.js';
import { describeTree } from '../../src/util/treediff.js';
import { tempDir } from '../e2e/helpers.js';

process.env.SB_EXCLUDES_PW = 'excludes-test';

const TREE = [
  'top.txt',
  'keep.txt',
  'app.log',
  'important.log',
  'notes.md',
  'sub/top.txt',
  'sub/debug.log',
  'sub/x.txt',
  'cache/blob.bin',
  'cache/deeper/more.bin',
  'sub/cache/c.bin',
  'sub/nested/cache/d.bin',
  'not-a-cache-dir/cache', // a *file* named cache: "cache/" only matches directories
  'tmp/scratch.txt',
  'secret/key.pem',
  'secret/public.txt',
];

describe('excludes', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let spec: RepoSpec;
  const warnings: string[] = [];
  const run = <T>(op: (ctx: OpContext) => Promise<T>): Promise<T> =>
    withContext({ emit: (e: OpEvent) => void (e.type === 'warning' && warnings.push(e.message)) }, op);

  /** Back up with `excludes`, then return the relative paths the listing shows and the ones a restore writes. */
  async function backupAndList(excludes: string[], name: string): Promise<{ listed: string[]; restored: string[] }> {
    const { id } = await run((ctx) => backupPaths(spec, { paths: [src], excludes }, ctx));
    const ls = await run((ctx) => listFiles(spec, `${id}:${src}`, ctx));
    const target = join(tmp.path, `restore-${name}`);
    const res = await run((ctx) => restorePaths(spec, { snapshot: `${id}:${src}`, target }, ctx));
    expect(res.outcome).toBe('ok');
    return {
      listed: ls.entries.map((e) => e.path.slice(src.length + 1)).sort(),
      restored: [...(await describeTree(target)).keys()].sort(),
    };
  }

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-excludes-');
    src = join(tmp.path, 'src');
    for (const rel of TREE) {
      await mkdir(join(src, rel, '..'), { recursive: true });
      await writeFile(join(src, rel), `content of ${rel}\n`);
    }
    spec = { location: join(tmp.path, 'repo'), password: { env: 'SB_EXCLUDES_PW' } };
    await run((ctx) => initRepository(spec, ctx));
  });
  afterAll(async () => {
    expect(warnings).toEqual([]);
    await tmp?.cleanup();
  });

  it('without excludes, everything is backed up', async () => {
    const { listed, restored } = await backupAndList([], 'all');
    for (const rel of TREE) expect(listed).toContain(rel);
    expect(restored).toEqual(listed);
  });

  it("'cache/' drops directories named cache at any depth, and '*.log' every .log file", async () => {
    const { listed, restored } = await backupAndList(['cache/', '*.log'], 'patterns');
    expect(restored).toEqual(listed);
    for (const gone of [
      'cache',
      'cache/blob.bin',
      'sub/cache',
      'sub/nested/cache',
      'app.log',
      'important.log',
      'sub/debug.log',
    ]) {
      expect(listed).not.toContain(gone);
    }
    for (const kept of ['top.txt', 'sub/top.txt', 'sub/x.txt', 'sub/nested', 'not-a-cache-dir/cache', 'notes.md']) {
      expect(listed).toContain(kept);
    }
  });

  it("an anchored pattern '/top.txt' excludes only the file at the backed-up root", async () => {
    const { listed, restored } = await backupAndList(['/top.txt'], 'anchored');
    expect(restored).toEqual(listed);
    expect(listed).not.toContain('top.txt');
    expect(listed).toContain('sub/top.txt');
  });

  it('a later negation re-includes what an earlier pattern excluded', async () => {
    const { listed, restored } = await backupAndList(['tmp/', '*.pem', '*.log', '!important.log'], 'negation');
    expect(restored).toEqual(listed);
    for (const gone of ['tmp', 'tmp/scratch.txt', 'secret/key.pem', 'app.log', 'sub/debug.log'])
      expect(listed).not.toContain(gone);
    for (const kept of ['important.log', 'secret/public.txt', 'cache/blob.bin', 'keep.txt'])
      expect(listed).toContain(kept);
  });

  it('a directory pattern drops the whole subtree next to a file pattern', async () => {
    const { listed, restored } = await backupAndList(['notes.md', 'secret/'], 'both');
    expect(restored).toEqual(listed);
    expect(listed.filter((p) => p === 'notes.md' || p.startsWith('secret'))).toEqual([]);
    expect(listed).toContain('keep.txt');
  });
});
