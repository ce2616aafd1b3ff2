// Tree blobs: one directory listing as JSON (format doc, "Trees"), and the name rule that keeps a
// restore inside its target.
import { StrongboxError } from '../errors.js';

export type NodeType = 'file' | 'dir' | 'symlink' | 'fifo' | 'chardev' | 'blockdev' | 'socket';

export interface TreeNode {
  name: string;
  type: NodeType;
  mode: number;
  uid: number;
  gid: number;
  mtime: string;
  ctime: string;
  size: number;
  inode: string;
  dev: string;
  links: number;
  content?: string[];
  subtree?: string;
  linktarget?: string;
  rdev?: string;
  sparse?: boolean;
}

export interface Tree {
  nodes: TreeNode[];
}

/** Throws UNSAFE_PATH for names that could escape a directory: empty, ".", "..", or containing "/" or NUL. */
export function assertSafeName(name: unknown, where: string): asserts name is string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new StrongboxError('UNSAFE_PATH',
      `refusing tree entry ${JSON.stringify(name)} in ${where}: names must not be empty, ".", "..", or contain "/" or NUL`);
  }
}

export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Throws UNSAFE_PATH unless every name is safe and the names are strictly increasing (byte order), as the
 * archiver writes them. A duplicate name (say a directory and a symlink both called `d`) could otherwise make
 * a restore write through a symlink it has just created.
 */
export function assertTreeNames(tree: Tree, where: string): void {
  let prev: string | null = null;
  for (const n of tree.nodes) {
    assertSafeName(n.name, where);
    if (prev !== null && compareNames(prev, n.name) >= 0) {
      throw new StrongboxError('UNSAFE_PATH', `refusing ${where}: entry ${JSON.stringify(n.name)} is a duplicate or not sorted`
        + ` after ${JSON.stringify(prev)} (trees list each name once, in byte order)`);
    }
    prev = n.name;
  }
}

export function encodeTree(t: Tree): Buffer {
  return Buffer.from(JSON.stringify(t));
}

export function decodeTree(b: Buffer, id: string): Tree {
  let t: Tree;
  try {
    t = JSON.parse(b.toString('utf8')) as Tree;
  } catch (e) {
    throw new StrongboxError('INTEGRITY', `tree ${id}: not valid JSON`, { cause: e });
  }
  if (!t || !Array.isArray(t.nodes)) throw new StrongboxError('INTEGRITY', `tree ${id}: has no node list`);
  return t;
}
