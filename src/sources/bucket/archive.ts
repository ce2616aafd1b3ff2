// Backing up a bucket's objects into a tree (format doc, "Bucket components"): list, then for each object reuse the
// parent snapshot's node (same key, size, ETag and last-modified time: no request), its content with fresh
// attributes (same key, size and ETag: one HEAD), or download it (GET) and store it like a dump stream.
import { monotonicMs } from '../../clock.js';
import { makeExcluder } from '../../archiver/excludes.js';
import { Counters, type BackupProgress } from '../../archiver/progress.js';
import { BLOB_TREE } from '../../repository/index-memory.js';
import type { Packer } from '../../repository/packer.js';
import type { Repository } from '../../repository/repository.js';
import type { SealPool } from '../../repository/seal-pool.js';
import { saveStream } from '../../repository/stream.js';
import { encodeTree, compareNames, type ObjectAttrs, type TreeNode } from '../../repository/tree.js';
import { mapLimit } from '../../util/concurrency.js';
import { throwIfAborted } from '../../util/scope.js';
import { type KeyDir, keyTree } from './keys.js';
import type { Bucket, ListedObject } from './s3.js';
import { backoff, isMissing, retryable, roomForRequests } from './retry.js';

export interface BucketArchiveOptions {
  /** The tree of the same bucket component in the parent snapshot. */
  parentTree: string | null;
  excludes?: string[];
  sealPool?: SealPool;
  signal?: AbortSignal;
  onProgress?: (p: BackupProgress) => void;
  onWarning?: (path: string, message: string) => void;
}

export interface BucketArchive {
  tree: string;
  counters: Counters;
  errors: { path: string; message: string }[];
  objects: number;
  size: number;
  /** Objects read whole (GET), attributes read alone (HEAD), reused from the parent without a request. */
  downloaded: number;
  headed: number;
  reused: number;
}

/** Archives every object of `bucket` through `packer` (the caller flushes it and records the snapshot). */
export async function archiveBucket(
  repo: Repository,
  packer: Packer,
  bucket: Bucket,
  opts: BucketArchiveOptions,
): Promise<BucketArchive> {
  const t0 = monotonicMs();
  const counters = new Counters();
  const errors: BucketArchive['errors'] = [];
  const out = { downloaded: 0, headed: 0, reused: 0 };
  roomForRequests(opts.signal, bucket.connections);
  const ticker = opts.onProgress
    ? setInterval(() => opts.onProgress!(counters.snapshot(monotonicMs() - t0)), 250)
    : null;
  try {
    const parent = await parentObjects(repo, opts.parentTree);
    const excluder = makeExcluder(opts.excludes ?? []);
    const listed: ListedObject[] = [];
    for await (const o of bucket.list()) {
      throwIfAborted(opts.signal);
      if (opts.excludes?.length && excluder.excluded(o.key, false)) continue;
      listed.push(o);
      counters.files++;
      counters.bytesTotal += o.size;
    }
    counters.walkDone = true;
    const nodes = await mapLimit(listed, bucket.connections, async (o) => {
      throwIfAborted(opts.signal);
      counters.currentFile = o.key;
      const prev = parent.get(o.key);
      const node = await objectNode(repo, packer, bucket, o, prev, opts, out, counters, errors);
      counters.filesDone++;
      counters.bytesDone += o.size;
      if (node) counters.bytes += node.size;
      return node ? { key: o.key, value: node } : null;
    });
    const kept = nodes.filter((n): n is { key: string; value: TreeNode } => n !== null);
    const tree = await saveKeyTree(packer, keyTree(kept), counters);
    return { tree, counters, errors, objects: kept.length, size: kept.reduce((a, n) => a + n.value.size, 0), ...out };
  } finally {
    if (ticker) clearInterval(ticker);
    opts.onProgress?.(counters.snapshot(monotonicMs() - t0));
  }
}

async function objectNode(
  repo: Repository,
  packer: Packer,
  bucket: Bucket,
  o: ListedObject,
  prev: TreeNode | undefined,
  opts: BucketArchiveOptions,
  out: { downloaded: number; headed: number; reused: number },
  c: Counters,
  errors: BucketArchive['errors'],
): Promise<TreeNode | null> {
  const sameContent =
    prev?.object !== undefined &&
    prev.size === o.size &&
    prev.object.etag === o.etag &&
    (prev.content ?? []).every((id) => packer.has(Buffer.from(id, 'hex')));
  try {
    if (sameContent && prev.object!.lastModified === o.lastModified.toISOString()) {
      out.reused++;
      c.filesUnmodified++;
      return prev;
    }
    if (sameContent) {
      // Same bytes, rewritten attributes (a copy onto itself with new metadata keeps the ETag but not the time).
      const h = await bucket.head(o.key, opts.signal);
      out.headed++;
      c.filesChanged++;
      return { ...objectBase(h.attrs, h.size), content: prev.content };
    }
    const node = await download(repo, packer, bucket, o.key, opts, c);
    out.downloaded++;
    if (prev) c.filesChanged++;
    else c.filesNew++;
    return node;
  } catch (e) {
    throwIfAborted(opts.signal);
    // Deleted since the listing: a bucket in use changes all the time, and the object is simply not there now.
    if (isMissing(e)) {
      opts.onWarning?.(
        o.key,
        `${bucket.location}: object ${JSON.stringify(o.key)} was deleted during the backup; left out`,
      );
      return null;
    }
    const message = (e as Error).message ?? String(e);
    errors.push({ path: o.key, message });
    c.errors++;
    c.filesFailed++;
    opts.onWarning?.(o.key, message);
    return null;
  }
}

/** GET and store the object; a connection cut while its body streams is retried like a failed request. */
async function download(
  repo: Repository,
  packer: Packer,
  bucket: Bucket,
  key: string,
  opts: BucketArchiveOptions,
  c: Counters,
): Promise<TreeNode> {
  for (let attempt = 1; ; attempt++) {
    const got = await bucket.get(key, opts.signal);
    try {
      const stored = await saveStream(repo, packer, got.body, opts.sealPool);
      if (stored.size !== got.size)
        throw Object.assign(new Error(`read ${stored.size} of ${got.size} bytes`), { code: 'ECONNRESET' });
      c.dataBlobs += stored.blobsNew;
      return { ...objectBase(got.attrs, stored.size), content: stored.content };
    } catch (e) {
      throwIfAborted(opts.signal);
      if (!retryable(e, attempt)) throw e;
      await backoff(attempt);
    }
  }
}

/** A file node for an object, without its name (set from the key when the trees are written). */
function objectBase(attrs: ObjectAttrs, size: number): TreeNode {
  const ns = (BigInt(Date.parse(attrs.lastModified)) * 1_000_000n).toString();
  return {
    name: '',
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: ns,
    ctime: ns,
    size,
    inode: '0',
    dev: '0',
    links: 1,
    object: attrs,
  };
}

/** The parent tree's objects by key. */
async function parentObjects(repo: Repository, tree: string | null): Promise<Map<string, TreeNode>> {
  const map = new Map<string, TreeNode>();
  if (!tree) return map;
  const walk = async (id: string): Promise<void> => {
    for (const n of (await repo.loadTree(id)).nodes) {
      if (n.type === 'dir' && n.subtree) await walk(n.subtree);
      else if (n.type === 'file' && n.object) map.set(n.object.key, n);
    }
  };
  try {
    await walk(tree);
  } catch {
    map.clear(); // an unreadable parent only costs downloads
  }
  return map;
}

/** Writes the directories bottom-up; a directory's mtime is its newest object's, so equal contents give equal trees. */
async function saveKeyTree(packer: Packer, dir: KeyDir<TreeNode>, c: Counters): Promise<string> {
  return (await saveDir(packer, dir, c)).id;
}

async function saveDir(packer: Packer, dir: KeyDir<TreeNode>, c: Counters): Promise<{ id: string; mtime: bigint }> {
  const nodes: TreeNode[] = [];
  let newest = 0n;
  for (const [name, sub] of dir.dirs) {
    c.dirs++;
    const s = await saveDir(packer, sub, c);
    if (s.mtime > newest) newest = s.mtime;
    const t = s.mtime.toString();
    nodes.push({
      name,
      type: 'dir',
      mode: 0o755,
      uid: 0,
      gid: 0,
      mtime: t,
      ctime: t,
      size: 0,
      inode: '0',
      dev: '0',
      links: 1,
      subtree: s.id,
    });
  }
  for (const [name, { value }] of dir.objects) {
    if (BigInt(value.mtime) > newest) newest = BigInt(value.mtime);
    nodes.push({ ...value, name });
  }
  nodes.sort((a, b) => compareNames(a.name, b.name));
  const id = (await packer.addPlain(BLOB_TREE, encodeTree({ nodes }))).toString('hex');
  return { id, mtime: newest };
}
