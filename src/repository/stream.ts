// Byte streams as content blobs: how a database dump (a pipe, not a file) enters the repository, and how it
// comes back out. Chunked with the repository's FastCDC parameters so consecutive dumps deduplicate.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { StrongboxError } from '../errors.js';
import { Chunker, gearTableFromSeed } from './chunker.js';
import { maybeCompress, ZSTD_LEVEL_STREAM } from './compress.js';
import { blobId, seal } from './crypto.js';
import { BLOB_DATA } from './index-memory.js';
import { type BlobFault, type BlobSource, blobOrThrow } from './blob-source.js';
import type { Packer } from './packer.js';
import type { Repository } from './repository.js';
import type { SealPool } from './seal-pool.js';
import { throwIfAborted } from '../util/scope.js';

export interface StoredStream {
  /** Data blob IDs (hex), in order. */
  content: string[];
  size: number;
  /** SHA-256 of the whole stream, so a restore or `dump` can prove it returns the same bytes. */
  sha256: string;
  blobsNew: number;
}

const MAX_QUEUED = 16;

/**
 * Reads `input` to its end and stores it as data blobs through `packer` (the caller flushes the packer and
 * writes the snapshot). The main thread chunks, hashes and deduplicates; new chunks are compressed and
 * encrypted by `pool` (or inline without one). Backpressure: reading waits while the pool is full or a
 * full pack is being saved.
 */
export async function saveStream(
  repo: Repository,
  packer: Packer,
  input: AsyncIterable<Uint8Array>,
  pool?: SealPool,
): Promise<StoredStream> {
  const chunker = new Chunker(gearTableFromSeed(repo.key.chunkerSeed), repo.config.chunker);
  const hash = createHash('sha256');
  const out: StoredStream = { content: [], size: 0, sha256: '', blobsNew: 0 };
  const queued = new Map<string, Promise<void>>();
  let failure: unknown = null;
  const add = async (id: Buffer, sealed: Uint8Array, raw: number, compressed: boolean) => {
    if (await packer.addSealed(BLOB_DATA, id, sealed, raw, compressed)) out.blobsNew++;
  };
  const store = async (chunk: Buffer): Promise<void> => {
    const id = blobId(repo.key.idKey, chunk);
    const hex = id.toString('hex');
    out.content.push(hex);
    if (packer.has(id) || queued.has(hex)) return;
    if (!pool) {
      const c = maybeCompress(chunk, ZSTD_LEVEL_STREAM);
      return add(id, seal(repo.key.encKey, c.data, id), chunk.length, c.compressed);
    }
    if (failure) throw failure;
    // Bounded memory: sealed chunks waiting for the packer (a slow upload) hold the reading back too.
    while (queued.size >= MAX_QUEUED) await Promise.race(queued.values());
    await pool.hasRoom();
    const raw = chunk.length; // the chunk's memory moves to the worker
    const p = pool
      .seal(id, chunk)
      .then((r) => add(id, r.sealed, raw, r.compressed))
      .catch((e) => {
        failure ??= e;
      });
    queued.set(
      hex,
      p.finally(() => queued.delete(hex)),
    );
  };
  for await (const piece of input) {
    const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    hash.update(buf);
    out.size += buf.length;
    // The chunker may keep references to `buf` until the next cut; stream buffers are not reused, so that is safe.
    for (const chunk of chunker.push(buf)) await store(chunk);
  }
  const last = chunker.finish();
  if (last) await store(last);
  await Promise.all(queued.values());
  if (failure) throw failure;
  out.sha256 = hash.digest('hex');
  return out;
}

/** The stored bytes again, blob by blob (a few loaded ahead), checked against the recorded size and SHA-256. */
export function readStream(
  source: BlobSource,
  stored: Pick<StoredStream, 'content' | 'size' | 'sha256'>,
  what: string,
): Readable {
  async function* blobs(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const r of loadAhead(source, stored.content)) {
      const b = blobOrThrow(r);
      hash.update(b);
      size += b.length;
      yield b;
    }
    if (size !== stored.size || hash.digest('hex') !== stored.sha256) {
      throw new StrongboxError('INTEGRITY', `${what}: the stored stream does not match its recorded size and SHA-256`);
    }
  }
  return Readable.from(blobs(), { objectMode: false });
}

/** A blob at fault, or (with no blob named) a stream whose blobs are all good but do not add up to it. */
export type StreamFault = BlobFault | { blob?: undefined; pack?: undefined; reason: string };

/**
 * Reads the whole stored stream without handing it to anyone: every blob through `source` (verified against its
 * ID), then the recorded size and SHA-256. Returns what is wrong, every fault rather than the first; empty when
 * the stream can be fed to a tool. Memory stays at a few blobs.
 */
export async function verifyStream(
  source: BlobSource,
  stored: Pick<StoredStream, 'content' | 'size' | 'sha256'>,
  signal?: AbortSignal,
): Promise<StreamFault[]> {
  const hash = createHash('sha256');
  let size = 0;
  const faults: StreamFault[] = [];
  for await (const r of loadAhead(source, stored.content)) {
    throwIfAborted(signal);
    if (!r.ok) faults.push(r.fault);
    else if (!faults.length) {
      hash.update(r.data);
      size += r.data.length;
    }
  }
  if (!faults.length && (size !== stored.size || hash.digest('hex') !== stored.sha256)) {
    faults.push({ reason: 'the stored stream does not match its recorded size and SHA-256' });
  }
  return faults;
}

/** The blobs of `ids` in order, a few loaded ahead. */
async function* loadAhead(source: BlobSource, ids: string[]): AsyncGenerator<Awaited<ReturnType<BlobSource['load']>>> {
  const AHEAD = 3;
  const ahead: ReturnType<BlobSource['load']>[] = [];
  let next = 0;
  const fill = () => {
    while (ahead.length < AHEAD && next < ids.length) {
      const p = source.load(ids[next++]);
      p.catch(() => {});
      ahead.push(p);
    }
  };
  fill();
  while (ahead.length) {
    const r = await ahead.shift()!;
    fill();
    yield r;
  }
}
