// Where a restore gets blob bytes: a source answers "the blob with this ID" with bytes it has verified against
// the ID, or with a fault naming the blob and pack at fault. The repository is one source; a mirror can be another.
import type { Backend } from '../backends/backend.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import { blobId } from './crypto.js';
import type { Repository } from './repository.js';

/** Why a blob could not be had: `pack` is null when no pack holding it is known (not in the index). */
export interface BlobFault {
  blob: string;
  pack: string | null;
  reason: string;
}

export type BlobResult = { ok: true; data: Buffer } | { ok: false; fault: BlobFault };

/** Where a blob sits in its pack, as the index says. */
export interface BlobRef {
  offset: number;
  length: number;
  compressed: boolean;
  rawLength: number;
}

/**
 * The blobs of one pack read in one request; `take` decodes and verifies one of them (synchronously where it can:
 * a restore takes one per blob, and a promise each would be garbage on the hot path).
 */
export interface PackBlobs {
  take(id: string, ref: BlobRef): BlobResult | Promise<BlobResult>;
}

/**
 * A source of verified blobs. Bytes a source returns are the blob's plaintext, proven to be that blob's (a source
 * that cannot prove it returns a fault): for the repository, authenticated decryption with the blob ID as
 * associated data and the indexed length, and on request the keyed hash of the content against the ID. Storage failures that are not about the data (a backend
 * that does not answer) and aborts are thrown, not returned: they end the operation.
 */
export interface BlobSource {
  /** What the source is, for messages ("repository /srv/backup"). */
  readonly label: string;
  /** Reads the blobs `refs` of pack `packId` (one ranged request over all of them). */
  readPack(packId: string, refs: Iterable<BlobRef>): Promise<PackBlobs>;
  /** One blob by ID, wherever this source keeps it. */
  load(id: string): Promise<BlobResult>;
}

export const fault = (blob: string, pack: string | null, reason: string): BlobResult => ({
  ok: false,
  fault: { blob, pack, reason },
});

/** "blob 1a2b… in pack 3c4d…: reason", the one way a fault is told. */
export function describeFault(f: BlobFault): string {
  return `blob ${f.blob} ${f.pack ? `in pack ${f.pack}` : '(in no pack the index knows)'}: ${f.reason}`;
}

/** The bytes, or the fault as an INTEGRITY error (for readers that stop at the first fault). */
export function blobOrThrow(r: BlobResult): Buffer {
  if (r.ok) return r.data;
  throw new StrongboxError('INTEGRITY', describeFault(r.fault));
}

/** Missing or corrupt data is a fault; anything else (a backend down, an abort) is thrown on. */
function asFault(e: unknown, blob: string, pack: string | null): BlobResult {
  if (!isStrongboxError(e, 'INTEGRITY')) throw e;
  // The repository's messages name the blob and pack already; the fault names them once, in its own fields.
  return fault(blob, pack, e.message.replace(/^blob [0-9a-f]+ in pack [0-9a-f]+: /, ''));
}

/**
 * The repository's own packs, through its index. `checkIds` also recomputes each blob's keyed ID from its content
 * (restore --verify): authenticated decryption already ties the bytes to the ID, and an HMAC context per blob
 * costs a restore of many small files some 10% more peak memory. A repository with mirrors falls back, blob by
 * blob, to each store by itself, and says once per pack which store served it.
 */
export function repositorySource(repo: Repository, opts: { checkIds?: boolean } = {}): BlobSource {
  const main = storeSource(repo, repo.backend, `repository ${repo.location}`, opts);
  if (repo.stores.length < 2) return main;
  const told = new Set<string>();
  // Stores that failed earlier in this command are not asked again (each would cost its retries per blob).
  const stores = repo.liveStores.map((s) => storeSource(repo, s, s.location, opts));
  return fallbackSource(main, stores, {
    onRescue: (f, by) => {
      const key = `${f.pack} ${by.label}`;
      if (told.has(key)) return;
      told.add(key);
      repo.noteFallback(`blobs of pack ${f.pack ?? '?'} were read from ${by.label} (${repo.location}: ${f.reason})`);
    },
    prefix: 'no good copy on any store',
  });
}

/** The packs of one store of the repository (`repo.backend` itself, or one of its mirrors' stores). */
function storeSource(repo: Repository, store: Backend, label: string, opts: { checkIds?: boolean }): BlobSource {
  const decode = (id: string, packId: string, ref: BlobRef, sealed: Buffer): BlobResult => {
    try {
      const idBuf = Buffer.from(id, 'hex');
      const plain = repo.decodeBlob(idBuf, sealed, ref.compressed, packId);
      if (plain.length !== ref.rawLength)
        return fault(id, packId, `length ${plain.length}, the index says ${ref.rawLength}`);
      if (opts.checkIds && !blobId(repo.key.idKey, plain).equals(idBuf))
        return fault(id, packId, 'content does not match its ID');
      return { ok: true, data: plain };
    } catch (e) {
      return asFault(e, id, packId);
    }
  };
  const source: BlobSource = {
    label,
    async readPack(packId, refs) {
      let start = Infinity;
      let end = 0;
      for (const r of refs) {
        start = Math.min(start, r.offset);
        end = Math.max(end, r.offset + r.length);
      }
      let buf: Buffer;
      try {
        buf = await repo.loadFrom(store, { type: 'data', name: packId }, { offset: start, length: end - start });
      } catch (e) {
        const failed = asFault(e, '', packId);
        return { take: (id) => (failed.ok ? failed : fault(id, packId, failed.fault.reason)) };
      }
      return {
        take: (id, ref) => decode(id, packId, ref, buf.subarray(ref.offset - start, ref.offset - start + ref.length)),
      };
    },
    async load(id) {
      const loc = repo.index.get(Buffer.from(id, 'hex'));
      if (!loc) return fault(id, null, 'not in the index (missing data)');
      return (await source.readPack(loc.packId, [loc])).take(id, loc);
    },
  };
  return source;
}

/**
 * `primary`, and for each blob it cannot supply, the `fallbacks` in turn (a mirror of the repository): the first
 * good copy wins. When every source fails, the primary's fault is returned, with the others' reasons added.
 */
export function withFallback(primary: BlobSource, ...fallbacks: BlobSource[]): BlobSource {
  return fallbackSource(primary, fallbacks);
}

/**
 * withFallback, telling `onRescue` the primary's fault and the source that supplied the blob instead. With `prefix`,
 * a blob no source supplies is described by it and the fallbacks' reasons alone (they cover the primary's).
 */
function fallbackSource(
  primary: BlobSource,
  fallbacks: BlobSource[],
  opts: {
    onRescue?: (f: BlobFault, by: BlobSource) => void;
    prefix?: string;
  } = {},
): BlobSource {
  if (!fallbacks.length) return primary;
  const rescue = async (first: BlobResult, id: string): Promise<BlobResult> => {
    if (first.ok) return first;
    const reasons = [first.fault.reason];
    for (const f of fallbacks) {
      const r = await f.load(id);
      if (r.ok) {
        opts.onRescue?.(first.fault, f);
        return r;
      }
      reasons.push(`${f.label}: ${r.fault.reason}`);
    }
    if (opts.prefix) reasons[0] = opts.prefix;
    return fault(
      id,
      first.fault.pack,
      opts.prefix ? `${reasons[0]}: ${reasons.slice(1).join('; ')}` : reasons.join('; '),
    );
  };
  return {
    label: [primary, ...fallbacks].map((s) => s.label).join(' + '),
    async readPack(packId, refs) {
      const p = await primary.readPack(packId, refs);
      return {
        take: (id, ref) => {
          const r = p.take(id, ref);
          if (r instanceof Promise) return r.then((x) => rescue(x, id));
          return r.ok ? r : rescue(r, id);
        },
      };
    },
    load: async (id) => rescue(await primary.load(id), id),
  };
}
