// Walks a directory tree in a fixed order and hashes it (paths, types, modes, contents) to prove two trees identical.
// Used to check that a restore is byte-identical to its source, and by the generator's determinism test.
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface TreeEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size: number;
  mtime: number;
}

/** Every entry under `root` (not `root` itself), parents before children, siblings in code-unit order. */
export function walkTree(root: string, prefix = ''): TreeEntry[] {
  const out: TreeEntry[] = [];
  for (const name of readdirSync(join(root, prefix)).sort()) {
    const path = prefix ? `${prefix}/${name}` : name;
    const st = lstatSync(join(root, path));
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    out.push({ path, type, mode: st.mode & 0o7777, size: st.size, mtime: Math.floor(st.mtimeMs / 1000) });
    if (type === 'dir') out.push(...walkTree(root, path));
  }
  return out;
}

const buffer = Buffer.alloc(1 << 20);

/** SHA-256 of a file, read 1 MiB at a time. */
export function hashFile(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) h.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

export interface TreeHash {
  /** Over paths, types, modes and contents: what a restore must reproduce exactly. */
  digest: string;
  /** The same plus file mtimes (to the second). */
  digestWithMtimes: string;
  files: number;
  bytes: number;
}

/** Hashes the tree under `root`; reads every byte, so it also warms the page cache. */
export function hashTree(root: string): TreeHash {
  const plain = createHash('sha256');
  const timed = createHash('sha256');
  let files = 0;
  let bytes = 0;
  for (const e of walkTree(root)) {
    const content =
      e.type === 'file' ? hashFile(join(root, e.path)) : e.type === 'symlink' ? readlinkSync(join(root, e.path)) : '';
    const line = `${e.type} ${e.mode.toString(8)} ${e.type === 'dir' ? 0 : e.size} ${content} ${JSON.stringify(e.path)}\n`;
    plain.update(line);
    timed.update(e.type === 'file' ? `${e.mtime} ${line}` : line);
    if (e.type === 'file') {
      files++;
      bytes += e.size;
    }
  }
  return { digest: plain.digest('hex'), digestWithMtimes: timed.digest('hex'), files, bytes };
}
