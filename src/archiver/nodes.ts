// Tree nodes from lstat results, and the "unchanged since the parent snapshot" rule that lets a backup
// skip reading a file.
import type { BigIntStats } from 'node:fs';
import { nameFields, type NodeType, type TreeNode } from '../repository/tree.js';
import type { EntryName } from '../util/names.js';

export function nodeType(st: BigIntStats): NodeType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  return 'socket';
}

export function nodeFromStat(name: EntryName, st: BigIntStats): TreeNode {
  const type = nodeType(st);
  const node: TreeNode = {
    ...nameFields(name),
    type,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: st.mtimeNs.toString(),
    ctime: st.ctimeNs.toString(),
    size: type === 'file' ? Number(st.size) : 0,
    inode: st.ino.toString(),
    dev: st.dev.toString(),
    links: Number(st.nlink),
  };
  if (type === 'file' && st.size > 0n && st.blocks * 512n < st.size) node.sparse = true;
  if (type === 'chardev' || type === 'blockdev') node.rdev = st.rdev.toString();
  return node;
}

/** Same type, size, mtime, ctime and inode as in the parent snapshot: the content can be reused. */
export function unchanged(prev: TreeNode | undefined, cur: TreeNode): prev is TreeNode & { content: string[] } {
  return (
    !!prev &&
    prev.type === 'file' &&
    cur.type === 'file' &&
    Array.isArray(prev.content) &&
    prev.size === cur.size &&
    prev.mtime === cur.mtime &&
    prev.ctime === cur.ctime &&
    prev.inode === cur.inode
  );
}
