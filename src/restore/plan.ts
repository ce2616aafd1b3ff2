// Restore planning (pure over trees): walks the selected tree, validating names, and lists what to
// create — directories, symlinks, files with their blobs and offsets, hard links — and which packs to read.
import type { BlobFault } from '../repository/blob-source.js';
import type { Repository } from '../repository/repository.js';
import { assertSafeNode, assertTreeNames, nodeName, type TreeNode } from '../repository/tree.js';
import { childPath, displayPath, type FsPath } from '../util/names.js';
import type { Selection } from './select.js';

export interface PlannedFile {
  /** A string, or the raw bytes where a name on the way is not UTF-8. */
  path: FsPath;
  node: TreeNode;
  /** Blobs still to be written; the file is finished (metadata, close) when this reaches zero. */
  remaining: number;
}

export interface BlobTarget {
  file: PlannedFile;
  offset: number;
}

export interface PackPlan {
  packId: string;
  /** Needed blobs by hex ID, each with its location and every place it goes. */
  blobs: Map<string, { offset: number; length: number; compressed: boolean; rawLength: number; targets: BlobTarget[] }>;
}

export interface RestorePlan {
  dirs: { path: FsPath; node: TreeNode | null }[];
  symlinks: { path: FsPath; node: TreeNode }[];
  files: PlannedFile[];
  hardlinks: { path: FsPath; to: PlannedFile }[];
  special: { path: FsPath; node: TreeNode }[];
  packs: PackPlan[];
  /** Files that cannot be restored whatever is read: a blob of theirs is in no pack the index knows. */
  unplaced: { file: PlannedFile; fault: BlobFault }[];
}

export async function planRestore(repo: Repository, sel: Selection, target: string): Promise<RestorePlan> {
  const plan: RestorePlan = {
    dirs: [{ path: target, node: null }],
    symlinks: [],
    files: [],
    hardlinks: [],
    special: [],
    packs: [],
    unplaced: [],
  };
  const firstOfInode = new Map<string, PlannedFile>();
  const packs = new Map<string, PackPlan>();
  const addNode = async (n: TreeNode, path: FsPath): Promise<void> => {
    if (n.type === 'dir') {
      plan.dirs.push({ path, node: n });
      if (n.subtree) await addTree(n.subtree, path);
    } else if (n.type === 'symlink') plan.symlinks.push({ path, node: n });
    else if (n.type === 'file') {
      const key = n.links > 1 ? `${n.dev}:${n.inode}` : '';
      const first = key ? firstOfInode.get(key) : undefined;
      if (first) {
        plan.hardlinks.push({ path, to: first });
        return;
      }
      const f: PlannedFile = { path, node: n, remaining: n.content?.length ?? 0 };
      if (key) firstOfInode.set(key, f);
      plan.files.push(f);
      let offset = 0;
      for (const id of n.content ?? []) {
        const loc = repo.index.get(Buffer.from(id, 'hex'));
        if (!loc) {
          // Its length is unknown, so nothing after it could be placed: the file fails (the restore goes on).
          plan.unplaced.push({
            file: f,
            fault: { blob: id, pack: null, reason: "not in the index (missing data; run 'strongbox check')" },
          });
          break;
        }
        let p = packs.get(loc.packId);
        if (!p) packs.set(loc.packId, (p = { packId: loc.packId, blobs: new Map() }));
        let b = p.blobs.get(id);
        if (!b)
          p.blobs.set(
            id,
            (b = {
              offset: loc.offset,
              length: loc.length,
              compressed: loc.compressed,
              rawLength: loc.rawLength,
              targets: [],
            }),
          );
        b.targets.push({ file: f, offset });
        offset += loc.rawLength;
      }
    } else plan.special.push({ path, node: n });
  };
  const addTree = async (treeId: string, path: FsPath): Promise<void> => {
    const tree = await repo.loadTree(treeId);
    assertTreeNames(tree, `tree ${treeId.slice(0, 12)} (at ${displayPath(path)})`);
    for (const n of tree.nodes) await addNode(n, childPath(path, nodeName(n)));
  };
  if (sel.kind === 'tree') await addTree(sel.tree, target);
  else {
    assertSafeNode(sel.node, 'snapshot');
    await addNode(sel.node, childPath(target, nodeName(sel.node)));
  }
  plan.packs = [...packs.values()];
  return plan;
}
