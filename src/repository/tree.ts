// Tree blobs: one directory listing as JSON (format doc, "Trees"), names as bytes (nameBytes/linktargetBytes
// for what is not UTF-8), and the name rule that keeps a restore inside its target.
import { isUtf8 } from 'node:buffer';
import { StrongboxError } from '../errors.js';
import { type EntryName, nameBytes } from '../util/names.js';

export type NodeType = 'file' | 'dir' | 'symlink' | 'fifo' | 'chardev' | 'blockdev' | 'socket';

export interface TreeNode {
  /** The name; when it is not valid UTF-8, its lossy UTF-8 form (invalid bytes as U+FFFD) and `nameBytes` holds it. */
  name: string;
  /** Base64 of the exact name bytes, only for a name that is not valid UTF-8 (format doc, "Trees"). */
  nameBytes?: string;
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
  /** Base64 of the exact target bytes, only for a symlink target that is not valid UTF-8. */
  linktargetBytes?: string;
  rdev?: string;
  sparse?: boolean;
  /** An object of a bucket component: its exact key and S3 attributes (format doc, "Bucket components"). */
  object?: ObjectAttrs;
}

/** What a bucket object carries besides its bytes; `key` is relative to the component's prefix and authoritative. */
export interface ObjectAttrs {
  key: string;
  etag: string;
  /** ISO 8601, as the service reported it (the node's mtime holds the same instant). */
  lastModified: string;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  /** The Expires header, as the service sent it. */
  expires?: string;
  storageClass?: string;
  /** User metadata (x-amz-meta-*), names in lower case as S3 returns them. */
  metadata?: Record<string, string>;
}

export interface Tree {
  nodes: TreeNode[];
}

/** Throws UNSAFE_PATH for names that could escape a directory: empty, ".", "..", or containing "/" or NUL. */
export function assertSafeName(name: unknown, where: string): asserts name is string {
  if (
    typeof name !== 'string' ||
    name === '' ||
    name === '.' ||
    name === '..' ||
    name.includes('/') ||
    name.includes('\0')
  ) {
    throw new StrongboxError(
      'UNSAFE_PATH',
      `refusing tree entry ${JSON.stringify(name)} in ${where}: names must not be empty, ".", "..", or contain "/" or NUL`,
    );
  }
}

export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Byte order of two entry names, the order of nodes in a tree. */
export function compareEntryNames(a: EntryName, b: EntryName): number {
  return a.raw || b.raw ? Buffer.compare(nameBytes(a), nameBytes(b)) : compareNames(a.str, b.str);
}

/** `name` and, for a name that is not UTF-8, `nameBytes`: the fields a node records its name in. */
export function nameFields(n: EntryName): { name: string; nameBytes?: string } {
  return n.raw ? { name: n.str, nameBytes: n.raw.toString('base64') } : { name: n.str };
}

/** The node's name as recorded. Throws UNSAFE_PATH when `nameBytes` is not canonical base64 of a non-UTF-8 name. */
export function nodeName(n: TreeNode): EntryName {
  if (n.nameBytes === undefined) return { str: n.name };
  return { str: n.name, raw: decodeBytes(n.nameBytes, 'nameBytes', n.name) };
}

/** A map key unique per name bytes ("\0" never occurs in a UTF-8 name, so the two forms cannot meet). */
export function nameKey(n: EntryName): string {
  return n.raw ? `\0${n.raw.toString('base64')}` : n.str;
}

export function nodeKey(n: TreeNode): string {
  return n.nameBytes === undefined ? n.name : `\0${n.nameBytes}`;
}

/** The symlink target bytes as recorded (lossy `linktarget`, or exact `linktargetBytes`). */
export function linkTarget(n: TreeNode): Buffer {
  if (n.linktargetBytes !== undefined) return decodeBytes(n.linktargetBytes, 'linktargetBytes', n.name);
  return Buffer.from(n.linktarget ?? '');
}

export function linkFields(target: Buffer): { linktarget: string; linktargetBytes?: string } {
  const linktarget = target.toString('utf8');
  return isUtf8(target) ? { linktarget } : { linktarget, linktargetBytes: target.toString('base64') };
}

function decodeBytes(b64: unknown, field: string, name: string): Buffer {
  const raw = typeof b64 === 'string' ? Buffer.from(b64, 'base64') : null;
  // One spelling per name: non-canonical base64 or bytes that are valid UTF-8 (which belong in the plain field)
  // would let two nodes name the same entry in different ways.
  if (!raw || raw.toString('base64') !== b64 || isUtf8(raw)) {
    throw new StrongboxError(
      'UNSAFE_PATH',
      `refusing tree entry ${JSON.stringify(name)}: ${field} is not canonical base64 of bytes that are not UTF-8`,
    );
  }
  return raw;
}

/** assertSafeName on the node's name bytes (a `nameBytes` name may hold no "/" or NUL byte either). */
export function assertSafeNode(n: TreeNode, where: string): void {
  assertSafeName(n.name, where);
  if (n.nameBytes === undefined) return;
  const raw = nodeName(n).raw!;
  if (raw.includes(0x2f) || raw.includes(0)) {
    throw new StrongboxError(
      'UNSAFE_PATH',
      `refusing tree entry ${JSON.stringify(n.name)} in ${where}: its nameBytes contain "/" or NUL`,
    );
  }
}

/**
 * Throws UNSAFE_PATH unless every name is safe and the names are strictly increasing (byte order), as the
 * archiver writes them. A duplicate name (say a directory and a symlink both called `d`) could otherwise make
 * a restore write through a symlink it has just created.
 */
export function assertTreeNames(tree: Tree, where: string): void {
  let prev: EntryName | null = null;
  for (const n of tree.nodes) {
    assertSafeNode(n, where);
    const cur = nodeName(n);
    if (prev !== null && compareEntryNames(prev, cur) >= 0) {
      throw new StrongboxError(
        'UNSAFE_PATH',
        `refusing ${where}: entry ${JSON.stringify(n.name)} is a duplicate or not sorted` +
          ` after ${JSON.stringify(prev.str)} (trees list each name once, in byte order)`,
      );
    }
    prev = cur;
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
