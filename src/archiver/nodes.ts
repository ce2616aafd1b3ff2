// Tree nodes from lstat results, and the "unchanged since the parent snapshot" rule that lets a backup
// skip reading a file.
import type { BigIntStats } from 'node:fs';
import { nameFields, type NodeType, type TreeNode } from '../repository/tree.js';
import type { EntryName } from '../util/names.js';

export function nodeFromStat(name: EntryName, st: BigIntStats): TreeNode {
  const type = typeOfMode(Number(st.mode));
  const node = newNode(
    name,
    type,
    Number(st.mode & 0o7777n),
    Number(st.uid),
    Number(st.gid),
    st.mtimeNs.toString(),
    st.ctimeNs.toString(),
    type === 'file' ? Number(st.size) : 0,
    st.ino.toString(),
    st.dev.toString(),
    Number(st.nlink),
  );
  if (type === 'file' && st.size > 0n && st.blocks * 512n < st.size) node.sparse = true;
  if (type === 'chardev' || type === 'blockdev') node.rdev = st.rdev.toString();
  return node;
}

/**
 * A node as an object literal of one fixed shape, keys in the recorded order (trees are their JSON). Built with a
 * spread (`{ ...nameFields(name), type, … }`) a node became a dictionary-mode object of ~2.5 KB, the walk's largest
 * garbage. The fields added later (sparse, rdev, content, subtree) are assigned, in that order, never spread.
 */
function newNode(
  name: EntryName,
  type: NodeType,
  mode: number,
  uid: number,
  gid: number,
  mtime: string,
  ctime: string,
  size: number,
  inode: string,
  dev: string,
  links: number,
): TreeNode {
  const n = name.str;
  if (name.raw) {
    const nameBytes = nameFields(name).nameBytes;
    return { name: n, nameBytes, type, mode, uid, gid, mtime, ctime, size, inode, dev, links };
  }
  return { name: n, type, mode, uid, gid, mtime, ctime, size, inode, dev, links };
}

const S_IFMT = 0o170000;
const TYPES = new Map<number, NodeType>([
  [0o100000, 'file'],
  [0o040000, 'dir'],
  [0o120000, 'symlink'],
  [0o010000, 'fifo'],
  [0o020000, 'chardev'],
  [0o060000, 'blockdev'],
]);

/** The entry type of an lstat mode (its S_IFMT bits), as Node's `isFile()`, `isDirectory()`… test them. */
function typeOfMode(mode: number): NodeType {
  return TYPES.get(mode & S_IFMT) ?? 'socket';
}

/** A 64-bit unsigned value given as high and low 32 bits, in decimal. */
function u64String(hi: number, lo: number): string {
  return hi < 2 ** 21 ? String(hi * 2 ** 32 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** Nanoseconds since the epoch, in decimal, of seconds and nanoseconds (as Node's BigIntStats `mtimeNs` prints). */
function nsString(sec: number, nsec: number): string {
  if (sec > 0) return `${sec}${String(nsec).padStart(9, '0')}`;
  if (sec === 0) return String(nsec);
  return (BigInt(sec) * 1_000_000_000n + BigInt(nsec)).toString();
}

/** The same node as nodeFromStat, from lstatRaw's fields (util/utimens.ts): no BigInt or stats object made. */
export function nodeFromRaw(name: EntryName, r: Float64Array): TreeNode {
  const type = typeOfMode(r[0]);
  const size = r[4];
  const node = newNode(
    name,
    type,
    r[0] & 0o7777,
    r[2],
    r[3],
    nsString(r[6], r[7]),
    nsString(r[8], r[9]),
    type === 'file' ? size : 0,
    u64String(r[10], r[11]),
    u64String(r[12], r[13]),
    r[1],
  );
  if (type === 'file' && size > 0 && r[5] * 512 < size) node.sparse = true;
  if (type === 'chardev' || type === 'blockdev') node.rdev = u64String(r[14], r[15]);
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
