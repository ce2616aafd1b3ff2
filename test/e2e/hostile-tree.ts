// Snapshots a hostile writer could store (tree entry names unchecked, same-named entries, shared inodes) and a
// listing that does not follow symlinks: shared by test/ops/restore-safety.test.ts and the CLI's e2e test.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openBackend } from '../../src/backends/index.js';
import { BLOB_DATA, BLOB_TREE } from '../../src/repository/index-memory.js';
import { Packer } from '../../src/repository/packer.js';
import { Repository } from '../../src/repository/repository.js';
import { encodeTree, type TreeNode } from '../../src/repository/tree.js';

export type Spec =
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
export async function craftSnapshot(
  repoPath: string,
  password: string,
  specs: Spec[],
  opts: { dirMode?: number } = {},
): Promise<string> {
  const repo = await Repository.open(await openBackend(repoPath), password);
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
  const id = await repo.snapshots.save({
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
  await repo.close();
  return id;
}

/** Every path below `dir`, relative, sorted (does not follow symlinks). */
export async function listAll(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    out.push(p);
    if ((await lstat(join(dir, p))).isDirectory()) out.push(...(await listAll(dir, p)));
  }
  return out;
}
