// Restore never harms what is outside its target: non-empty targets are refused without --overwrite,
// hostile tree entry names are refused, and pre-existing symlinks in the target are not written through.
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { BLOB_DATA, BLOB_TREE } from '../../src/repository/index-memory.js';
import { Packer } from '../../src/repository/packer.js';
import { Repository } from '../../src/repository/repository.js';
import { encodeTree, type TreeNode } from '../../src/repository/tree.js';
import { PASSWORD, sb, sbOk, tempDir, jsonOut } from './helpers.js';

type Spec =
  | { name: string; type: 'file'; inode?: string }
  | { name: string; type: 'dir'; children: Spec[] }
  | { name: string; type: 'symlink'; target: string };

function node(name: string, type: TreeNode['type'], extra: Partial<TreeNode> = {}): TreeNode {
  const t = '1600000000000000000';
  return {
    name,
    type,
    mode: type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    mtime: t,
    ctime: t,
    size: 0,
    inode: '1',
    dev: '1',
    links: 1,
    ...extra,
  };
}

/** Store a snapshot whose tree is exactly `specs` (names unchecked, as an attacker could write it). */
async function craftSnapshot(repoPath: string, specs: Spec[], opts: { dirMode?: number } = {}): Promise<string> {
  const repo = await Repository.open(await openBackend(repoPath), PASSWORD);
  await repo.loadIndex();
  const packer = new Packer(repo);
  const evil = Buffer.from('written by a hostile snapshot\n');
  const dataId = (await packer.addPlain(BLOB_DATA, evil)).toString('hex');
  const store = async (list: Spec[]): Promise<string> => {
    const nodes: TreeNode[] = [];
    for (const s of list) {
      if (s.type === 'file')
        nodes.push(
          node(s.name, 'file', {
            size: evil.length,
            content: [dataId],
            ...(s.inode ? { inode: s.inode, links: 2 } : {}),
          }),
        );
      else if (s.type === 'symlink') nodes.push(node(s.name, 'symlink', { linktarget: s.target }));
      else
        nodes.push(
          node(s.name, 'dir', { subtree: await store(s.children), ...(opts.dirMode ? { mode: opts.dirMode } : {}) }),
        );
    }
    return (await packer.addPlain(BLOB_TREE, encodeTree({ nodes }))).toString('hex');
  };
  const root = await store(specs);
  await packer.flush();
  return repo.saveSnapshot({
    version: 1,
    time: new Date().toISOString(),
    host: 'crafted',
    username: 'mallory',
    paths: ['/crafted'],
    tags: [],
    parent: null,
    program: 'test',
    components: [{ name: 'files', kind: 'files', tree: root, paths: ['/crafted'] }],
  });
}

/** Every path below `dir`, relative, sorted (does not follow symlinks). */
async function listAll(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    out.push(p);
    if ((await lstat(join(dir, p))).isDirectory()) out.push(...(await listAll(dir, p)));
  }
  return out;
}

describe('restore safety', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let src: string;
  let n = 0;
  let snap: string; // the real backup; crafted snapshots come later and would be 'latest'
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);
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

  beforeAll(async () => {
    tmp = await tempDir('sb-restore-safety-');
    repo = join(tmp.path, 'repo');
    src = join(tmp.path, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'file.txt'), 'from the snapshot\n');
    await writeFile(join(src, 'sub/inner.txt'), 'inner\n');
    await r(['init']);
    snap = (jsonOut((await r(['--json', 'backup', src])).stdout) as { id: string }).id;
  });
  afterAll(async () => tmp?.cleanup());

  it('refuses a non-empty target with exit 1, mentions --overwrite, and changes nothing there', async () => {
    const { outer, target } = await arena();
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'mine\n');
    const res = await r(['restore', `${snap}:${src}`, '--target', target], 1);
    expect(res.stderr).toMatch(/not empty/);
    expect(res.stderr).toMatch(/--overwrite/);
    expect(await listAll(target)).toEqual(['keep.txt']);
    expect(await readFile(join(target, 'keep.txt'), 'utf8')).toBe('mine\n');
    await outsideUnchanged(outer);
  });

  it('with --overwrite restores into a non-empty target, keeping unrelated files', async () => {
    const { target } = await arena();
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'mine\n');
    await writeFile(join(target, 'file.txt'), 'stale\n');
    await r(['restore', `${snap}:${src}`, '--target', target, '--overwrite']);
    expect(await readFile(join(target, 'file.txt'), 'utf8')).toBe('from the snapshot\n');
    expect(await readFile(join(target, 'sub/inner.txt'), 'utf8')).toBe('inner\n');
    expect(await readFile(join(target, 'keep.txt'), 'utf8')).toBe('mine\n');
  });

  it('refuses a target that is a file (usage, exit 2)', async () => {
    const { outer } = await arena();
    const res = await r(['restore', snap, '--target', join(outer, 'victim.txt')], 2);
    expect(res.stderr).toMatch(/not a directory/);
    expect(await readFile(join(outer, 'victim.txt'), 'utf8')).toBe('original\n');
  });

  it('with --overwrite, replaces symlinks in the target instead of writing through them', async () => {
    const { outer, target } = await arena();
    await mkdir(target);
    await symlink(join(outer, 'victim.txt'), join(target, 'file.txt'));
    await symlink(join(outer, 'victim-dir'), join(target, 'sub'));
    await r(['restore', `${snap}:${src}`, '--target', target, '--overwrite']);
    await outsideUnchanged(outer);
    expect((await lstat(join(target, 'file.txt'))).isFile()).toBe(true);
    expect(await readFile(join(target, 'file.txt'), 'utf8')).toBe('from the snapshot\n');
    expect((await lstat(join(target, 'sub'))).isDirectory()).toBe(true);
    expect(await readFile(join(target, 'sub/inner.txt'), 'utf8')).toBe('inner\n');
  });

  it('with --overwrite, a symlinked ancestor directory of a whole-snapshot restore is replaced, not followed', async () => {
    const { outer, target } = await arena();
    await mkdir(target);
    const first = src.split('/').filter(Boolean)[0]; // e.g. "tmp": the top of the rebuilt absolute path
    await symlink(join(outer, 'victim-dir'), join(target, first));
    await r(['restore', snap, '--target', target, '--overwrite']);
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

  it.each(hostile)('refuses a snapshot whose tree holds %s and writes nothing outside the target', async (_, specs) => {
    const id = await craftSnapshot(repo, specs);
    const { outer, target } = await arena();
    const res = await r(['restore', id, '--target', target], 1);
    expect(res.stderr).toMatch(/refusing tree entry/);
    await outsideUnchanged(outer);
    expect((await listAll(target)).filter((p) => p.includes('evil'))).toEqual([]);
    const again = await r(['restore', id, '--target', target, '--overwrite'], 1); // --overwrite changes nothing here
    expect(again.stderr).toMatch(/refusing tree entry/);
    await outsideUnchanged(outer);
  });

  it('check reports a hostile entry name as an error naming it', async () => {
    const res = await r(['check'], 1);
    expect(res.stderr).toMatch(/refusing tree entry "\.\."/);
  });

  it('a symlink and a directory of the same name in one tree cannot redirect writes outside', async () => {
    const { outer, target } = await arena();
    const id = await craftSnapshot(repo, [
      { name: 'x', type: 'symlink', target: join(outer, 'victim-dir') },
      { name: 'x', type: 'dir', children: [{ name: 'evil.txt', type: 'file' }] },
      { name: 'y', type: 'symlink', target: join(outer, 'victim.txt') },
      { name: 'y', type: 'file' },
    ]);
    await sb(['-r', repo, 'restore', id, '--target', target]);
    await outsideUnchanged(outer);
    await sb(['-r', repo, 'restore', id, '--target', join(outer, 'target'), '--overwrite']);
    await outsideUnchanged(outer);
  });

  it('with --overwrite, a directory later replaced by a same-named symlink is not written or chmod-ed through', async () => {
    const { outer, target } = await arena();
    const before = await lstat(join(outer, 'victim-dir'));
    const files: Spec[] = Array.from({ length: 12 }, (_, i) => ({ name: `evil-${i}.txt`, type: 'file' as const }));
    const id = await craftSnapshot(
      repo,
      [
        { name: 'd', type: 'dir', children: files },
        { name: 'd', type: 'symlink', target: join(outer, 'victim-dir') },
      ],
      { dirMode: 0o777 },
    );
    await sb(['-r', repo, 'restore', id, '--target', target, '--overwrite']);
    await outsideUnchanged(outer);
    const after = await lstat(join(outer, 'victim-dir'));
    expect((after.mode & 0o7777).toString(8)).toBe((before.mode & 0o7777).toString(8));
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('with --overwrite, a hardlink into a directory later replaced by a same-named symlink is not created outside', async () => {
    const { outer, target } = await arena();
    const id = await craftSnapshot(repo, [
      { name: 'a', type: 'dir', children: [{ name: 'h', type: 'file', inode: '77' }] },
      { name: 'd', type: 'dir', children: [{ name: 'h2', type: 'file', inode: '77' }] },
      { name: 'd', type: 'symlink', target: join(outer, 'victim-dir') },
    ]);
    await sb(['-r', repo, 'restore', id, '--target', target, '--overwrite']);
    await outsideUnchanged(outer);
  });

  it('check reports a tree whose entry names repeat (trees are sorted by name, each name once)', async () => {
    const res = await r(['check'], 1);
    expect(res.stderr).toMatch(/duplicate|not sorted/i);
  });

  it('refuses a subpath that climbs out with ".." (usage, exit 2)', async () => {
    const { outer, target } = await arena();
    const res = await r(['restore', `${snap}:${src}/../..`, '--target', target], 2);
    expect(res.stderr).toMatch(/\.\./);
    await outsideUnchanged(outer);
  });
});
