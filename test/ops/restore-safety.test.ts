// Restore never harms what is outside its target, at the operations level: a non-empty target is refused without
// overwrite, hostile tree entry names are refused (and check reports them), and symlinks already in the target or
// planted by the snapshot itself are not written through. Exit statuses and the messages on stderr stay in
// test/e2e/restore-safety.test.ts.
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode, isStrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { backupPaths } from '../../src/ops/backup.js';
import { checkRepo } from '../../src/ops/check.js';
import { type OpContext, withContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { type RestoreInput, restorePaths } from '../../src/ops/restore.js';
import { craftSnapshot, listAll, type Spec } from '../e2e/hostile-tree.js';
import { tempDir } from '../e2e/helpers.js';

process.env.SB_RESTORE_SAFETY_PW = 'restore-safety-test';
const PW = process.env.SB_RESTORE_SAFETY_PW;
/** How a restore refuses a tree that names one entry twice (a symlink and a directory, say). */
const DUPLICATE = /entry "[a-z]" is a duplicate or not sorted/;

const run = <T>(op: (ctx: OpContext) => Promise<T>, warnings: string[] = []): Promise<T> =>
  withContext({ emit: (e: OpEvent) => void (e.type === 'warning' && warnings.push(e.message)) }, op);

/** The error `op` fails with, which must be a StrongboxError of `code`. */
async function refused(op: Promise<unknown>, code: ErrorCode): Promise<string> {
  const e = await op.then(
    () => expect.fail(`expected a ${code} error`),
    (err: unknown) => err,
  );
  expect(isStrongboxError(e) ? e.code : e).toBe(code);
  return (e as Error).message;
}

describe('restore safety', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let spec: RepoSpec;
  let src: string;
  let n = 0;
  let snap: string; // the real backup; crafted snapshots come later and would be 'latest'
  const restore = (input: Omit<RestoreInput, 'snapshot'> & { snapshot?: string }) =>
    run((ctx) => restorePaths(spec, { snapshot: `${snap}:${src}`, ...input }, ctx));
  /** A fresh "outside" directory with a not-yet-existing restore target inside it. */
  const arena = async () => {
    const outer = join(tmp.path, `arena-${n++}`);
    await mkdir(outer);
    await writeFile(join(outer, 'victim.txt'), 'original\n');
    await mkdir(join(outer, 'victim-dir'));
    return { outer, target: join(outer, 'target') };
  };
  const outsideUnchanged = async (outer: string) => {
    expect((await readdir(outer)).filter((x) => x !== 'target').sort()).toEqual(['victim-dir', 'victim.txt']);
    expect(await readFile(join(outer, 'victim.txt'), 'utf8')).toBe('original\n');
    expect(await readdir(join(outer, 'victim-dir'))).toEqual([]);
  };
  /** A fresh repository holding only a crafted snapshot of `specs`, for check. */
  const craftedRepo = async (specs: Spec[]): Promise<RepoSpec> => {
    const crafted = { location: join(tmp.path, `crafted-${n++}`), password: spec.password };
    await run((ctx) => initRepository(crafted, ctx));
    await craftSnapshot(crafted.location, PW, specs);
    return crafted;
  };

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-restore-safety-');
    spec = { location: join(tmp.path, 'repo'), password: { env: 'SB_RESTORE_SAFETY_PW' } };
    src = join(tmp.path, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'file.txt'), 'from the snapshot\n');
    await writeFile(join(src, 'sub/inner.txt'), 'inner\n');
    await run((ctx) => initRepository(spec, ctx));
    snap = (await run((ctx) => backupPaths(spec, { paths: [src] }, ctx))).id;
  });
  afterAll(async () => tmp?.cleanup());

  it('refuses a non-empty target (TARGET_NOT_EMPTY, naming overwrite) and changes nothing there', async () => {
    const { outer, target } = await arena();
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'mine\n');
    expect(await refused(restore({ target }), 'TARGET_NOT_EMPTY')).toMatch(/not empty.*--overwrite/);
    expect(await listAll(target)).toEqual(['keep.txt']);
    expect(await readFile(join(target, 'keep.txt'), 'utf8')).toBe('mine\n');
    await outsideUnchanged(outer);
  });

  it('with overwrite restores into a non-empty target, keeping unrelated files', async () => {
    const { target } = await arena();
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'mine\n');
    await writeFile(join(target, 'file.txt'), 'stale\n');
    expect((await restore({ target, overwrite: true })).outcome).toBe('ok');
    expect(await readFile(join(target, 'file.txt'), 'utf8')).toBe('from the snapshot\n');
    expect(await readFile(join(target, 'sub/inner.txt'), 'utf8')).toBe('inner\n');
    expect(await readFile(join(target, 'keep.txt'), 'utf8')).toBe('mine\n');
  });

  it('refuses a target that is a file (USAGE)', async () => {
    const { outer } = await arena();
    const target = join(outer, 'victim.txt');
    expect(await refused(restore({ snapshot: snap, target }), 'USAGE')).toMatch(/not a directory/);
    expect(await refused(restore({ snapshot: snap, target, overwrite: true }), 'USAGE')).toMatch(/not a directory/);
    expect(await readFile(target, 'utf8')).toBe('original\n');
  });

  it('with overwrite, replaces symlinks in the target instead of writing through them', async () => {
    const { outer, target } = await arena();
    await mkdir(target);
    await symlink(join(outer, 'victim.txt'), join(target, 'file.txt'));
    await symlink(join(outer, 'victim-dir'), join(target, 'sub'));
    await restore({ target, overwrite: true });
    await outsideUnchanged(outer);
    expect((await lstat(join(target, 'file.txt'))).isFile()).toBe(true);
    expect(await readFile(join(target, 'file.txt'), 'utf8')).toBe('from the snapshot\n');
    expect((await lstat(join(target, 'sub'))).isDirectory()).toBe(true);
    expect(await readFile(join(target, 'sub/inner.txt'), 'utf8')).toBe('inner\n');
  });

  it('with overwrite, a symlinked ancestor directory of a whole-snapshot restore is replaced, not followed', async () => {
    const { outer, target } = await arena();
    await mkdir(target);
    const first = src.split('/').filter(Boolean)[0]; // e.g. "tmp": the top of the rebuilt absolute path
    await symlink(join(outer, 'victim-dir'), join(target, first));
    await restore({ snapshot: snap, target, overwrite: true });
    await outsideUnchanged(outer);
    expect((await lstat(join(target, first))).isDirectory()).toBe(true);
    expect(await readFile(join(target, src, 'file.txt'), 'utf8')).toBe('from the snapshot\n');
  });

  const hostile: [string, Spec[]][] = [
    ['a directory named ".."', [{ name: '..', type: 'dir', children: [{ name: 'evil.txt', type: 'file' }] }]],
    ['a file named "../evil.txt"', [{ name: '../evil.txt', type: 'file' }]],
    [
      'a file named "a/b"',
      [
        { name: 'a', type: 'dir', children: [] },
        { name: 'a/b', type: 'file' },
      ],
    ],
    ['a directory named "."', [{ name: '.', type: 'dir', children: [{ name: 'evil.txt', type: 'file' }] }]],
    ['a file with an empty name', [{ name: '', type: 'file' }]],
    ['a name with a NUL byte', [{ name: 'x\0y', type: 'file' }]],
    [
      '".." nested below a harmless directory',
      [
        {
          name: 'ok',
          type: 'dir',
          children: [
            {
              name: '..',
              type: 'dir',
              children: [{ name: '..', type: 'dir', children: [{ name: 'evil.txt', type: 'file' }] }],
            },
          ],
        },
      ],
    ],
  ];

  it.each(hostile)(
    'refuses a snapshot whose tree holds %s (UNSAFE_PATH) and writes nothing outside',
    async (_, specs) => {
      const id = await craftSnapshot(spec.location, PW, specs);
      const { outer, target } = await arena();
      expect(await refused(restore({ snapshot: id, target }), 'UNSAFE_PATH')).toMatch(/refusing tree entry/);
      await outsideUnchanged(outer);
      expect((await listAll(target)).filter((p) => p.includes('evil'))).toEqual([]);
      // Overwrite changes nothing here.
      const again = restore({ snapshot: id, target, overwrite: true });
      expect(await refused(again, 'UNSAFE_PATH')).toMatch(/refusing tree entry/);
      await outsideUnchanged(outer);
    },
  );

  it('check reports a hostile entry name as an error naming it', async () => {
    const crafted = await craftedRepo([{ name: '..', type: 'dir', children: [{ name: 'evil.txt', type: 'file' }] }]);
    const res = await run((ctx) => checkRepo(crafted, { readData: null }, ctx));
    expect(res.outcome).toBe('errors');
    expect(res.errors).toEqual([expect.stringMatching(/refusing tree entry "\.\."/)]);
  });

  it('a symlink and a directory of the same name in one tree cannot redirect writes outside', async () => {
    const { outer, target } = await arena();
    const id = await craftSnapshot(spec.location, PW, [
      { name: 'x', type: 'symlink', target: join(outer, 'victim-dir') },
      { name: 'x', type: 'dir', children: [{ name: 'evil.txt', type: 'file' }] },
      { name: 'y', type: 'symlink', target: join(outer, 'victim.txt') },
      { name: 'y', type: 'file' },
    ]);
    // Refused as a tree whose names repeat, with or without overwrite; nothing lands outside.
    expect(await refused(restore({ snapshot: id, target }), 'UNSAFE_PATH')).toMatch(DUPLICATE);
    await outsideUnchanged(outer);
    expect(await refused(restore({ snapshot: id, target, overwrite: true }), 'UNSAFE_PATH')).toMatch(DUPLICATE);
    await outsideUnchanged(outer);
  });

  it('with overwrite, a directory later replaced by a same-named symlink is not written or chmod-ed through', async () => {
    const { outer, target } = await arena();
    const before = await lstat(join(outer, 'victim-dir'));
    const files: Spec[] = Array.from({ length: 12 }, (_, i) => ({ name: `evil-${i}.txt`, type: 'file' as const }));
    const id = await craftSnapshot(
      spec.location,
      PW,
      [
        { name: 'd', type: 'dir', children: files },
        { name: 'd', type: 'symlink', target: join(outer, 'victim-dir') },
      ],
      { dirMode: 0o777 },
    );
    expect(await refused(restore({ snapshot: id, target, overwrite: true }), 'UNSAFE_PATH')).toMatch(DUPLICATE);
    await outsideUnchanged(outer);
    const after = await lstat(join(outer, 'victim-dir'));
    expect((after.mode & 0o7777).toString(8)).toBe((before.mode & 0o7777).toString(8));
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('with overwrite, a hardlink into a directory later replaced by a same-named symlink is not created outside', async () => {
    const { outer, target } = await arena();
    const id = await craftSnapshot(spec.location, PW, [
      { name: 'a', type: 'dir', children: [{ name: 'h', type: 'file', inode: '77' }] },
      { name: 'd', type: 'dir', children: [{ name: 'h2', type: 'file', inode: '77' }] },
      { name: 'd', type: 'symlink', target: join(outer, 'victim-dir') },
    ]);
    expect(await refused(restore({ snapshot: id, target, overwrite: true }), 'UNSAFE_PATH')).toMatch(DUPLICATE);
    await outsideUnchanged(outer);
  });

  it('check reports a tree whose entry names repeat (trees are sorted by name, each name once)', async () => {
    const crafted = await craftedRepo([
      { name: 'd', type: 'dir', children: [] },
      { name: 'd', type: 'symlink', target: '/elsewhere' },
    ]);
    const res = await run((ctx) => checkRepo(crafted, { readData: null }, ctx));
    expect(res.outcome).toBe('errors');
    expect(res.errors).toEqual([expect.stringMatching(DUPLICATE)]);
  });

  it('refuses a subpath that climbs out with ".." (USAGE)', async () => {
    const { outer, target } = await arena();
    expect(await refused(restore({ snapshot: `${snap}:${src}/../..`, target }), 'USAGE')).toMatch(/\.\./);
    await outsideUnchanged(outer);
  });
});
