// Paths on this machine: creating a directory and its missing parents with the real reason when it fails, and
// containment after symlinks. Node's recursive mkdir reports
// ENOENT for a path on a read-only filesystem (and for some permission failures) instead of EROFS or EACCES,
// which would tell a user the wrong thing; this walks up to the first existing ancestor and creates each level,
// so the error is the one the kernel gave for the directory that could not be made.
import { lstatSync } from 'node:fs';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

export async function makeDirs(path: string, mode?: number): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const missing: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    const exists = await stat(p).then(
      () => true,
      () => false,
    );
    if (exists || dirname(p) === p) break;
    missing.unshift(p);
  }
  for (const p of missing) {
    try {
      await mkdir(p, { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * The real path of `path`, or of its nearest existing ancestor with the missing part appended (so a target that
 * is yet to be created is compared where it will be), for containment checks.
 */
export async function realPathOrAncestor(path: string): Promise<string> {
  const abs = resolve(path);
  const rest: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    try {
      return join(await realpath(p), ...rest);
    } catch {
      if (dirname(p) === p) return abs;
      rest.unshift(basename(p));
    }
  }
}

/** Whether `child` is `parent` or inside it, after resolving symlinks of what exists. */
export async function isInside(child: string, parent: string): Promise<boolean> {
  const [c, p] = await Promise.all([realPathOrAncestor(child), realPathOrAncestor(parent)]);
  const rel = relative(p, c);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * A directory's identity as "device:inode" (so a symlink or bind mount to it is recognised), or undefined when
 * there is no such directory.
 */
export function dirIdentity(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    const st = lstatSync(path, { bigint: true });
    return st.isDirectory() ? `${st.dev}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}
