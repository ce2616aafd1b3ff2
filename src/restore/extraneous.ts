// After a restore that replaces a directory's contents (restore --app --yes): remove what the target holds
// that the snapshot's tree does not, so the directory ends up as backed up. What the backup left out on
// purpose (excludes, offloaded folders) is kept, nothing on another filesystem (a mounted bucket) is
// touched, the repository itself (which a backup of a tree holding it leaves out) is never removed, and
// symlinks are removed as links, never followed.
import { lstatSync, rmSync, type Stats } from 'node:fs';
import { makeExcluder } from '../archiver/excludes.js';
import type { Repository } from '../repository/repository.js';
import { nameKey, nodeKey } from '../repository/tree.js';
import { childPath, displayPath, type FsPath, readNames } from '../util/names.js';
import { dirIdentity } from '../util/local-paths.js';
import type { Selection } from './select.js';

export interface ExtraneousOptions {
  /** The component's exclude and offloaded patterns (relative to the target, gitignore style). */
  keep: string[];
  /** Paths as displayPath shows them (escaped when not plain UTF-8 text). */
  onRemove?: (path: string) => void;
  onSkip?: (path: string, why: string) => void;
}

/** Returns how many entries (files, links, whole directories) were removed. */
export async function removeExtraneous(
  repo: Repository,
  sel: Selection,
  target: string,
  opts: ExtraneousOptions,
): Promise<number> {
  if (sel.kind !== 'tree') return 0;
  const keep = makeExcluder(opts.keep);
  const dev = lstatSync(target).dev;
  const guard: Guard = { dev, repo: dirIdentity(repo.localPath), opts };
  let removed = 0;
  const walk = async (treeId: string, dir: FsPath, rel: string): Promise<void> => {
    const nodes = new Map((await repo.loadTree(treeId)).nodes.map((n) => [nodeKey(n), n]));
    for (const name of readNames(dir)) {
      const path = childPath(dir, name);
      const relPath = rel ? `${rel}/${name.str}` : name.str; // lossy UTF-8, as the backup matched its excludes
      const st = lstatSync(path);
      if (!removable(path, st, guard)) continue;
      if (keep.excluded(relPath, st.isDirectory())) continue;
      const node = nodes.get(nameKey(name));
      if (!node) {
        // A directory is emptied first, so a mount point somewhere below it is never crossed.
        if (st.isDirectory() && !(await removeTree(path, guard))) continue;
        rmSync(path, { recursive: true, force: true });
        removed++;
        opts.onRemove?.(displayPath(path));
      } else if (node.type === 'dir' && node.subtree && st.isDirectory()) {
        await walk(node.subtree, path, relPath);
      }
    }
  };
  await walk(sel.tree, target, '');
  return removed;
}

interface Guard {
  dev: number;
  /** The repository's directory as device:inode, when it is on this machine. */
  repo: string | undefined;
  opts: ExtraneousOptions;
}

/** Whether an entry may be removed: not on another filesystem, not the repository (each reported when kept). */
function removable(path: FsPath, st: Stats, g: Guard): boolean {
  if (st.dev !== g.dev) {
    g.opts.onSkip?.(displayPath(path), 'on another filesystem (a mount): left alone');
    return false;
  }
  if (st.isDirectory() && g.repo === `${st.dev}:${st.ino}`) {
    g.opts.onSkip?.(displayPath(path), 'the repository being restored from: left alone');
    return false;
  }
  return true;
}

/** Empties `dir` without leaving its filesystem or removing the repository; false when something below is kept. */
async function removeTree(dir: FsPath, g: Guard): Promise<boolean> {
  let clean = true;
  for (const name of readNames(dir)) {
    const path = childPath(dir, name);
    const st = lstatSync(path);
    if (!removable(path, st, g)) {
      clean = false;
    } else if (st.isDirectory()) {
      if (await removeTree(path, g)) rmSync(path, { recursive: true, force: true });
      else clean = false;
    } else rmSync(path, { force: true });
  }
  return clean;
}
