// The CLI surface of restore safety: a non-empty target exits 1 mentioning --overwrite, a hostile tree entry name
// exits 1 for restore and for check with the refusal on stderr, and a target that is a file or a subpath that
// climbs out is a usage error (exit 2). What is refused and that nothing outside the target changes, for every
// case, is tested at the operations level in test/ops/restore-safety.test.ts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftSnapshot, listAll } from './hostile-tree.js';
import { PASSWORD, sbOk, tempDir, jsonOut } from './helpers.js';

describe('restore safety on the command line', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let src: string;
  let snap: string;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);

  beforeAll(async () => {
    tmp = await tempDir('sb-restore-safety-');
    repo = join(tmp.path, 'repo');
    src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'file.txt'), 'from the snapshot\n');
    await r(['init']);
    snap = (jsonOut((await r(['--json', 'backup', src])).stdout) as { id: string }).id;
  });
  afterAll(async () => tmp?.cleanup());

  it('a non-empty target exits 1 mentioning --overwrite, and changes nothing there', async () => {
    const target = join(tmp.path, 'full');
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'mine\n');
    const res = await r(['restore', `${snap}:${src}`, '--target', target], 1);
    expect(res.stderr).toMatch(/not empty/);
    expect(res.stderr).toMatch(/--overwrite/);
    expect(await listAll(target)).toEqual(['keep.txt']);
  });

  it('a target that is a file and a subpath climbing out with ".." exit 2', async () => {
    await writeFile(join(tmp.path, 'victim.txt'), 'original\n');
    const file = await r(['restore', snap, '--target', join(tmp.path, 'victim.txt')], 2);
    expect(file.stderr).toMatch(/not a directory/);
    expect(await readFile(join(tmp.path, 'victim.txt'), 'utf8')).toBe('original\n');
    const climb = await r(['restore', `${snap}:${src}/../..`, '--target', join(tmp.path, 'climb')], 2);
    expect(climb.stderr).toMatch(/\.\./);
  });

  it('a hostile entry name: restore and check exit 1 naming the refused entry', async () => {
    const id = await craftSnapshot(repo, PASSWORD, [
      { name: '..', type: 'dir', children: [{ name: 'evil.txt', type: 'file' }] },
    ]);
    const res = await r(['restore', id, '--target', join(tmp.path, 'hostile')], 1);
    expect(res.stderr).toMatch(/refusing tree entry "\.\."/);
    const check = await r(['check'], 1);
    expect(check.stderr).toMatch(/refusing tree entry "\.\."/);
  });
});
