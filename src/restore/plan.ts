// Restore planning (pure over trees): walks the selected tree depth first, validating names, and hands out the
// work in batches — directories, symlinks, files with their blobs and offsets, hard links, and which packs to
// read — so memory is bounded by a batch, not by the selection (a million files must not be planned at once).
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

/**
 * One batch of a restore: everything in it can be done once the directories of earlier batches exist. Every file
 * of the batch has all its blobs in the batch's packs, so it is finished (or failed) when the batch is.
 */
export interface RestoreBatch {
  /** Directories entered in this batch, parents first: created before anything else of the batch. */
  dirs: { path: FsPath; node: TreeNode }[];
  symlinks: { path: FsPath; node: TreeNode }[];
  files: PlannedFile[];
  /** `to` may be a file of an earlier batch. */
  hardlinks: { path: FsPath; to: PlannedFile }[];
  special: { path: FsPath; node: TreeNode }[];
  packs: PackPlan[];
  /** Files that cannot be restored whatever is read: a blob of theirs is in no pack the index knows. */
  unplaced: { file: PlannedFile; fault: BlobFault }[];
  /** Directories whose whole subtree is in this or earlier batches, children first: metadata after the batch. */
  dirsDone: { path: FsPath; node: TreeNode }[];
  /** True for the last batch: the walk is over. */
  last: boolean;
}

export interface BatchLimits {
  /** A batch is closed once it holds this many entries (files, links, directories)… */
  entries: number;
  /** …or this many blob placements (a large file alone may exceed it: a file is never split between batches). */
  blobs: number;
}

/**
 * About 1 KiB of plan per small file: 8,192 entries keep a batch near 10 MiB, while a pack's small files (written in
 * walk order by the backup) mostly fall in one batch, so each pack is still read once or twice.
 */
export const DEFAULT_LIMITS: BatchLimits = { entries: 8192, blobs: 32768 };

function emptyBatch(): RestoreBatch {
  return {
    dirs: [],
    symlinks: [],
    files: [],
    hardlinks: [],
    special: [],
    packs: [],
    unplaced: [],
    dirsDone: [],
    last: false,
  };
}

/** The batches of a restore of `sel` into `target` (which exists; it is not itself in any batch). */
export async function* planBatches(
  repo: Repository,
  sel: Selection,
  target: string,
  limits: BatchLimits = DEFAULT_LIMITS,
): AsyncGenerator<RestoreBatch> {
  // Hard-linked files (only those) are remembered for the whole restore: a later link points at the first.
  const firstOfInode = new Map<string, PlannedFile>();
  let batch = emptyBatch();
  let packs = new Map<string, PackPlan>();
  let entries = 0;
  let placements = 0;
  const take = (): RestoreBatch => {
    const b = batch;
    b.packs = [...packs.values()];
    batch = emptyBatch();
    packs = new Map();
    entries = placements = 0;
    return b;
  };
  const full = () => entries >= limits.entries || placements >= limits.blobs;

  const addFile = (n: TreeNode, path: FsPath): void => {
    const key = n.links > 1 ? `${n.dev}:${n.inode}` : '';
    const first = key ? firstOfInode.get(key) : undefined;
    if (first) {
      batch.hardlinks.push({ path, to: first });
      return;
    }
    const f: PlannedFile = { path, node: n, remaining: n.content?.length ?? 0 };
    if (key) firstOfInode.set(key, f);
    batch.files.push(f);
    let offset = 0;
    for (const id of n.content ?? []) {
      const loc = repo.index.get(Buffer.from(id, 'hex'));
      if (!loc) {
        // Its length is unknown, so nothing after it could be placed: the file fails (the restore goes on).
        batch.unplaced.push({
          file: f,
          fault: { blob: id, pack: null, reason: "not in the index (missing data; run 'strongbox check')" },
        });
        break;
      }
      let p = packs.get(loc.packId);
      if (!p) packs.set(loc.packId, (p = { packId: loc.packId, blobs: new Map() }));
      let b = p.blobs.get(id);
      if (!b) {
        const { offset: at, length, compressed, rawLength } = loc;
        p.blobs.set(id, (b = { offset: at, length, compressed, rawLength, targets: [] }));
      }
      b.targets.push({ file: f, offset });
      offset += loc.rawLength;
      placements++;
    }
  };

  async function* addNode(n: TreeNode, path: FsPath): AsyncGenerator<RestoreBatch> {
    entries++;
    if (n.type === 'dir') {
      batch.dirs.push({ path, node: n });
      if (full()) yield take();
      if (n.subtree) yield* addTree(n.subtree, path);
      // Not counted: at most the directories entered in the batch and those above them.
      batch.dirsDone.push({ path, node: n });
      return;
    }
    if (n.type === 'symlink') batch.symlinks.push({ path, node: n });
    else if (n.type === 'file') addFile(n, path);
    else batch.special.push({ path, node: n });
    if (full()) yield take();
  }
  async function* addTree(treeId: string, path: FsPath): AsyncGenerator<RestoreBatch> {
    const tree = await repo.loadTree(treeId);
    assertTreeNames(tree, `tree ${treeId.slice(0, 12)} (at ${displayPath(path)})`);
    for (const n of tree.nodes) yield* addNode(n, childPath(path, nodeName(n)));
  }

  if (sel.kind === 'tree') yield* addTree(sel.tree, target);
  else {
    assertSafeNode(sel.node, 'snapshot');
    yield* addNode(sel.node, childPath(target, nodeName(sel.node)));
  }
  const rest = take();
  rest.last = true;
  yield rest;
}
