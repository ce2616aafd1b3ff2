// Restoring a bucket component: its objects PUT into a bucket (with their content type, caching headers and user
// metadata), or written as plain files under a directory with a manifest of keys and attributes beside it.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { makeExcluder } from '../../archiver/excludes.js';
import { StrongboxError } from '../../errors.js';
import { type BlobSource, blobOrThrow, describeFault } from '../../repository/blob-source.js';
import type { Repository } from '../../repository/repository.js';
import type { BucketComponent } from '../../repository/snapshot.js';
import type { TreeNode } from '../../repository/tree.js';
import { restore, type RestoreFailure, type RestoreStats } from '../../restore/restorer.js';
import { mapLimit } from '../../util/concurrency.js';
import { type Scope, throwIfAborted } from '../../util/scope.js';
import type { Bucket } from './s3.js';
import { backoff, retryable, roomForRequests } from './retry.js';

/** An object of the snapshot: its path in the tree (escaped names) and its node. */
export interface SnapshotObject {
  path: string;
  node: TreeNode & { object: NonNullable<TreeNode['object']> };
}

/** Every object of the component's tree, in tree order. */
export async function snapshotObjects(repo: Repository, comp: BucketComponent): Promise<SnapshotObject[]> {
  const out: SnapshotObject[] = [];
  const walk = async (id: string, dir: string): Promise<void> => {
    for (const n of (await repo.loadTree(id)).nodes) {
      const path = dir ? `${dir}/${n.name}` : n.name;
      if (n.type === 'dir' && n.subtree) await walk(n.subtree, path);
      else if (n.type === 'file' && n.object) out.push({ path, node: n as SnapshotObject['node'] });
    }
  };
  await walk(comp.tree, '');
  return out;
}

/** Whether the bucket holds any object below its prefix (one listing request). */
export async function bucketHoldsObjects(bucket: Bucket): Promise<boolean> {
  for await (const _ of bucket.list()) return true;
  return false;
}

export interface BucketRestoreOptions {
  /** Delete objects below the prefix that the snapshot lacks (except those `keep` matches). */
  deleteExtraneous?: boolean;
  keep: string[];
  /** Stop at the first object whose data cannot be had (an INTEGRITY error) instead of restoring the rest. */
  failFast?: boolean;
  /** Objects larger than this go up in parts (default 1 GiB; one PUT holds at most 5 GiB). */
  multipartAbove?: number;
  /** The size of those parts (default 16 MiB, more for objects that would need over 10,000 parts). */
  partSize?: number;
  signal: AbortSignal;
  onFailure?: (f: RestoreFailure) => void;
}

export interface BucketRestoreResult {
  objects: number;
  bytes: number;
  /** Objects already there with the same size and ETag: not uploaded again. */
  unchanged: number;
  removed: number;
  failed: RestoreFailure[];
}

const MULTIPART_ABOVE = 1024 ** 3;
const PART_SIZE = 16 * 1024 * 1024;

/** Objects up to this size are read and verified whole before their upload starts (and can be retried from memory). */
const BUFFERED = 16 * 1024 * 1024;

/** PUTs every object of the snapshot into `bucket`; an object whose data cannot be had is named in `failed`, never half written. */
export async function restoreToBucket(
  repo: Repository,
  blobs: BlobSource,
  comp: BucketComponent,
  bucket: Bucket,
  opts: BucketRestoreOptions,
): Promise<BucketRestoreResult> {
  roomForRequests(opts.signal, bucket.connections);
  const objects = await snapshotObjects(repo, comp);
  const present = new Map<string, { size: number; etag: string }>();
  for await (const o of bucket.list()) present.set(o.key, { size: o.size, etag: o.etag });
  const res: BucketRestoreResult = { objects: 0, bytes: 0, unchanged: 0, removed: 0, failed: [] };
  await mapLimit(objects, bucket.connections, async ({ node }) => {
    throwIfAborted(opts.signal);
    const a = node.object;
    const there = present.get(a.key);
    if (there && there.size === node.size && there.etag === a.etag) {
      res.unchanged++;
      res.objects++;
      return;
    }
    try {
      await putObject(blobs, bucket, node, opts.signal, opts.multipartAbove ?? MULTIPART_ABOVE, opts.partSize);
      res.objects++;
      res.bytes += node.size;
    } catch (e) {
      throwIfAborted(opts.signal);
      if (!(e instanceof ObjectFault)) throw e;
      const f: RestoreFailure = {
        path: a.key,
        blob: e.fault.blob,
        pack: e.fault.pack,
        message: `object ${JSON.stringify(a.key)} not restored to ${bucket.location}: ${describeFault(e.fault)}`,
      };
      if (opts.failFast) throw new StrongboxError('INTEGRITY', `${f.message} (--fail-fast: the restore stopped here)`);
      res.failed.push(f);
      opts.onFailure?.(f);
    }
  });
  if (opts.deleteExtraneous) {
    const wanted = new Set(objects.map((o) => o.node.object.key));
    const keep = makeExcluder(opts.keep);
    const extra = [...present.keys()].filter((k) => !wanted.has(k) && !(opts.keep.length && keep.excluded(k, false)));
    await mapLimit(extra, bucket.connections, async (k) => {
      throwIfAborted(opts.signal);
      await bucket.remove(k, opts.signal);
      res.removed++;
    });
  }
  return res;
}

class ObjectFault extends Error {
  constructor(readonly fault: { blob: string; pack: string | null; reason: string }) {
    super(describeFault(fault));
  }
}

async function putObject(
  blobs: BlobSource,
  bucket: Bucket,
  node: SnapshotObject['node'],
  signal: AbortSignal,
  multipartAbove: number,
  partSize = PART_SIZE,
): Promise<void> {
  const ids = node.content ?? [];
  if (node.size > multipartAbove) {
    // S3 takes at most 10,000 parts; each part is held in memory while it is sent (and sent again if it fails).
    const size = Math.max(partSize, Math.ceil(node.size / 10_000));
    return bucket.putParts(node.object.key, inParts(streamBlobs(blobs, ids, node.size), size), node.object, signal);
  }
  let whole: Buffer | null = null;
  if (node.size <= BUFFERED) {
    const parts: Buffer[] = [];
    for (const id of ids) {
      const r = await blobs.load(id);
      if (!r.ok) throw new ObjectFault(r.fault);
      parts.push(r.data);
    }
    whole = Buffer.concat(parts);
    if (whole.length !== node.size)
      throw new ObjectFault({
        blob: ids[0] ?? '',
        pack: null,
        reason: `its blobs hold ${whole.length} bytes, not ${node.size}`,
      });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await bucket.put(
        node.object.key,
        whole ? Readable.from([whole]) : Readable.from(streamBlobs(blobs, ids, node.size)),
        node.size,
        node.object,
        signal,
      );
      return;
    } catch (e) {
      const cause = (e as { cause?: unknown }).cause ?? e;
      if (e instanceof ObjectFault || !retryable(cause, attempt)) throw e;
      await backoff(attempt);
    }
  }
}

/** The object's bytes blob by blob; blobs that do not add up to its size are a fault (nothing is completed with them). */
async function* streamBlobs(blobs: BlobSource, ids: string[], size: number): AsyncGenerator<Buffer> {
  let n = 0;
  for (const id of ids) {
    const r = await blobs.load(id);
    if (!r.ok) throw new ObjectFault(r.fault);
    n += r.data.length;
    yield blobOrThrow(r);
  }
  if (n !== size)
    throw new ObjectFault({ blob: ids[0] ?? '', pack: null, reason: `its blobs hold ${n} bytes, not ${size}` });
}

/** One line of a manifest: the object's path (below the component's directory), exact key, size and attributes. */
export function manifestLine({ path, node }: SnapshotObject): string {
  const { key, ...attrs } = node.object;
  return `${JSON.stringify({ path, key, size: node.size, ...attrs })}\n`;
}

/** The stream cut into Buffers of `size` bytes (the last one shorter). */
async function* inParts(input: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let n = 0;
  for await (const b of input) {
    let rest = b;
    while (n + rest.length >= size) {
      const take = size - n;
      held.push(rest.subarray(0, take));
      yield Buffer.concat(held);
      held = [];
      n = 0;
      rest = rest.subarray(take);
    }
    if (rest.length) {
      held.push(rest);
      n += rest.length;
    }
  }
  if (n > 0) yield Buffer.concat(held);
}

export interface DirRestoreResult {
  stats: RestoreStats;
  failed: RestoreFailure[];
  manifest: string;
}

/**
 * The objects as plain files under `dir` (keys split at "/", names escaped as in the tree), and beside it
 * `<dir>.manifest.jsonl`: one JSON line per object with its path under `dir`, exact key and attributes.
 */
export async function restoreToDir(
  repo: Repository,
  blobs: BlobSource,
  comp: BucketComponent,
  dir: string,
  opts: {
    overwrite: boolean;
    verify?: boolean;
    failFast?: boolean;
    signal: AbortSignal;
    scope: Scope;
    onWarning?: (path: string, message: string) => void;
    onFailure?: (f: RestoreFailure) => void;
  },
): Promise<DirRestoreResult> {
  const { stats, failed } = await restore(
    repo,
    { kind: 'tree', tree: comp.tree },
    {
      target: dir,
      overwrite: opts.overwrite,
      verify: opts.verify,
      failFast: opts.failFast,
      source: blobs,
      signal: opts.signal,
      scope: opts.scope,
      onWarning: opts.onWarning,
      onFailure: opts.onFailure,
    },
  );
  const manifest = `${dir.replace(/\/+$/, '')}.manifest.jsonl`;
  const out = createWriteStream(manifest);
  for (const o of await snapshotObjects(repo, comp)) {
    if (!out.write(manifestLine(o))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out).catch((e: unknown) => {
    throw new StrongboxError('IO', `cannot write the manifest ${manifest}: ${(e as Error).message}`, { cause: e });
  });
  return { stats, failed, manifest };
}
