// Copying snapshots into another repository (`strongbox copy`), re-encrypted under its key. Blob IDs are keyed
// (HMAC with each repository's idKey), so every blob gets the target's ID from its plaintext; the target stores only
// blobs its index lacks. Chunk boundaries are kept: the target re-chunks nothing (see docs/usage/copy.md).
import { StrongboxError } from '../errors.js';
import { mapLimit } from '../util/concurrency.js';
import { throwIfAborted } from '../util/scope.js';
import { blobId } from './crypto.js';
import { BLOB_DATA, BLOB_TREE } from './index-memory.js';
import { Packer } from './packer.js';
import type { Repository } from './repository.js';
import type { Component, Snapshot, SnapshotRef } from './snapshot.js';
import { sortNewestWritten } from './write-order.js';
import { encodeTree, type TreeNode } from './tree.js';

/** What a copied snapshot records about its original (format doc, "Snapshots"). */
export interface CopiedFrom {
  /** The source repository's config ID. */
  repository: string;
  snapshot: string;
}

export interface CopyStats {
  /** Snapshots written to the target. */
  copied: { source: string; target: string }[];
  /** Selected snapshots the target already holds a copy of. */
  skipped: string[];
  /** Blobs the target lacked and now stores, and their plaintext bytes. */
  blobsAdded: number;
  bytesAdded: number;
  /** Blobs of the copied snapshots the target already had (found by their target ID). */
  blobsPresent: number;
  /** Blobs read from the source (those not known from an earlier copy of a parent snapshot). */
  blobsRead: number;
}

/** Source ID → target ID, for blobs and trees, learnt from this run and from earlier copies. */
interface IdMap {
  blobs: Map<string, string>;
  trees: Map<string, string>;
}

export interface CopyOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** The target's snapshots that are copies of `src`'s, by source snapshot ID. */
export function copiesIn(src: Repository, targetSnapshots: SnapshotRef[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of targetSnapshots) {
    const from = t.snapshot.copiedFrom;
    if (from?.repository === src.config.id) out.set(from.snapshot, t.id);
  }
  return out;
}

/** What one copy run shares: both repositories, the target's packer, the ID map, the counts, the signal. */
interface Run {
  src: Repository;
  dst: Repository;
  packer: Packer;
  map: IdMap;
  stats: CopyStats;
  signal?: AbortSignal;
}

/**
 * Copy `selected` (source snapshots) into `dst`, oldest first; the ones `dst` already has a copy of are skipped, so
 * a second run copies nothing. Data first, then the index, then the snapshot objects (the format's write order).
 */
export async function copySnapshots(
  src: Repository,
  dst: Repository,
  selected: SnapshotRef[],
  opts: CopyOptions = {},
): Promise<CopyStats> {
  const done = copiesIn(src, await dst.snapshots.list());
  const stats: CopyStats = { copied: [], skipped: [], blobsAdded: 0, bytesAdded: 0, blobsPresent: 0, blobsRead: 0 };
  // Oldest written first, so a parent is copied (and its copy named) before its children.
  const todo = sortNewestWritten(
    selected.filter((s) => {
      if (done.has(s.id)) stats.skipped.push(s.id);
      return !done.has(s.id);
    }),
    dst.clock.now(),
  ).reverse();
  if (!todo.length) return stats;
  const map: IdMap = { blobs: new Map(), trees: new Map() };
  const run: Run = { src, dst, packer: new Packer(dst), map, stats, signal: opts.signal };
  // The copy of a parent says what most of a snapshot's blobs are called in the target, without reading them.
  for (const s of todo) {
    const parentCopy = s.snapshot.parent ? done.get(s.snapshot.parent) : undefined;
    if (!parentCopy) continue;
    await learnFrom(run, await src.snapshots.load(s.snapshot.parent!), await dst.snapshots.load(parentCopy));
  }
  const snapshots: { source: string; parent: string | null; snapshot: Snapshot }[] = [];
  try {
    for (const [i, s] of todo.entries()) {
      throwIfAborted(opts.signal);
      const components: Component[] = [];
      for (const c of s.snapshot.components) components.push(await copyComponent(run, c));
      // No seq: a copy is placed in the target's history by its time, as an import is ("Time and seq").
      const { seq: _seq, ...rest } = s.snapshot;
      const copiedFrom = { repository: src.config.id, snapshot: s.id };
      const snapshot = { ...rest, components, parent: null, copiedFrom };
      snapshots.push({ source: s.id, parent: s.snapshot.parent, snapshot });
      opts.onProgress?.(i + 1, todo.length);
    }
    await run.packer.flush();
  } catch (e) {
    await run.packer.abandon();
    throw e;
  }
  stats.blobsAdded = run.packer.stats.blobsAdded;
  stats.bytesAdded = run.packer.stats.bytesAdded;
  for (const { source, parent, snapshot } of snapshots) {
    // The parent is the copy of the source's parent, where the target has one (copied before, or just now).
    const target = await dst.snapshots.save({ ...snapshot, parent: parent ? (done.get(parent) ?? null) : null });
    done.set(source, target);
    stats.copied.push({ source, target });
  }
  return stats;
}

async function copyComponent(run: Run, c: Component): Promise<Component> {
  if (c.kind === 'files') return { ...c, tree: await copyTree(run, c.tree) };
  if (c.kind === 'database') return { ...c, content: await copyBlobs(run, c.content) };
  // A kind this program does not know cannot be copied faithfully: its references are unknown.
  const kind = (c as { kind: string }).kind;
  throw new StrongboxError(
    'USAGE',
    `a snapshot component of kind "${kind}" cannot be copied by this strongbox: ` + 'upgrade it',
  );
}

async function copyTree(run: Run, id: string): Promise<string> {
  const known = run.map.trees.get(id);
  if (known) return known;
  throwIfAborted(run.signal);
  const tree = await run.src.loadTree(id);
  const nodes: TreeNode[] = [];
  for (const n of tree.nodes) {
    const m: TreeNode = { ...n };
    if (n.content) m.content = await copyBlobs(run, n.content);
    if (n.subtree) m.subtree = await copyTree(run, n.subtree);
    nodes.push(m);
  }
  const newId = (await run.packer.addPlain(BLOB_TREE, encodeTree({ ...tree, nodes }))).toString('hex');
  run.map.trees.set(id, newId);
  return newId;
}

/** The target IDs of `ids` (in order), storing the blobs the target lacks. */
async function copyBlobs(run: Run, ids: string[]): Promise<string[]> {
  return mapLimit(ids, 4, async (id) => {
    const known = run.map.blobs.get(id);
    if (known) return known;
    const plain = await run.src.loadBlob(Buffer.from(id, 'hex'));
    run.stats.blobsRead++;
    const newId = blobId(run.dst.key.idKey, plain);
    if (run.packer.has(newId)) run.stats.blobsPresent++;
    else await run.packer.addPlain(BLOB_DATA, plain);
    run.map.blobs.set(id, newId.toString('hex'));
    return newId.toString('hex');
  });
}

/** Learn source → target IDs by walking a snapshot and its earlier copy side by side (same shape, other IDs). */
async function learnFrom({ src, dst, map }: Run, a: Snapshot, b: Snapshot): Promise<void> {
  const pairBlobs = (x: string[] | undefined, y: string[] | undefined) => {
    if (!x || !y || x.length !== y.length) return;
    x.forEach((id, i) => map.blobs.set(id, y[i]));
  };
  const walk = async (x: string, y: string): Promise<void> => {
    if (map.trees.has(x)) return;
    const [tx, ty] = [await src.loadTree(x), await dst.loadTree(y)];
    if (tx.nodes.length !== ty.nodes.length) return;
    map.trees.set(x, y);
    for (const [i, n] of tx.nodes.entries()) {
      const m = ty.nodes[i];
      pairBlobs(n.content, m.content);
      if (n.subtree && m.subtree) await walk(n.subtree, m.subtree);
    }
  };
  for (const [i, c] of a.components.entries()) {
    const d = b.components[i];
    if (c.kind === 'files' && d?.kind === 'files') await walk(c.tree, d.tree);
    if (c.kind === 'database' && d?.kind === 'database') pairBlobs(c.content, d.content);
  }
}
