// Listing a snapshot's tree (`ls`): entries with their exact names (the bytes in base64 where a path is not
// UTF-8) and the escaped one-line form a terminal shows, so a crafted name cannot fake or hide an entry.
import type { Repository } from '../repository/repository.js';
import { nodeName, type TreeNode } from '../repository/tree.js';
import { childPath, escapeName, type FsPath } from '../util/names.js';

/** One `ls --json` entry; `path`/`linktarget` are lossy UTF-8, `pathBytes`/`linktargetBytes` exact (only when not UTF-8). */
export interface LsEntry {
  path: string;
  pathBytes?: string;
  type: string;
  size: number;
  mode: number;
  mtime: string;
  linktarget?: string;
  linktargetBytes?: string;
}

/** Hands every entry below `tree` (depth first, in tree order) to `out` as it is reached: nothing is collected. */
export async function listTree(
  repo: Repository,
  tree: string,
  prefix: FsPath,
  out: (e: LsEntry) => void,
): Promise<void> {
  for (const n of (await repo.loadTree(tree)).nodes) {
    const p = childPath(prefix, nodeName(n));
    out(lsEntry(p, n));
    if (n.type === 'dir' && n.subtree) await listTree(repo, n.subtree, p, out);
  }
}

export function lsEntry(path: FsPath, n: TreeNode): LsEntry {
  const where =
    typeof path === 'string' ? { path } : { path: path.toString('utf8'), pathBytes: path.toString('base64') };
  const link =
    n.linktarget === undefined && n.linktargetBytes === undefined
      ? {}
      : {
          linktarget: n.linktarget ?? '',
          ...(n.linktargetBytes !== undefined ? { linktargetBytes: n.linktargetBytes } : {}),
        };
  return { ...where, type: n.type, size: n.size, mode: n.mode, mtime: nsToIso(n.mtime), ...link };
}

/** The path of a node selected by `subpath` (lossy names joined by "/"): its own name exactly, where not UTF-8. */
export function selectedPath(subpath: string, n: TreeNode): FsPath {
  if (n.nameBytes === undefined) return subpath || '/';
  return childPath(subpath.slice(0, subpath.lastIndexOf('/')), nodeName(n));
}

/** `ls` text: type and mode, size, the escaped path and symlink target. */
export function lsLine(e: LsEntry): string {
  const exact = (s: string, b64?: string) => escapeName(b64 !== undefined ? Buffer.from(b64, 'base64') : s);
  const link = e.linktarget !== undefined ? ` -> ${exact(e.linktarget, e.linktargetBytes)}` : '';
  const kind = e.type === 'dir' ? 'd' : e.type === 'symlink' ? 'l' : '-';
  return `${kind}${(e.mode & 0o777).toString(8).padStart(3, '0')} ${String(e.size).padStart(12)}  ${exact(e.path, e.pathBytes)}${link}`;
}

/** Nanoseconds since the epoch (a decimal string) as an ISO time to the millisecond, rounded down. */
export function nsToIso(ns: string): string {
  // Cutting off the last six digits is the division for a positive time; BigInt handles the rest.
  const ms = ns.length > 6 && ns[0] !== '-' ? Number(ns.slice(0, -6)) : Number(BigInt(ns) / 1_000_000n);
  return new Date(ms).toISOString();
}
