// zstd compression of blobs and objects (reusing one native context per thread), with a cheap
// incompressibility probe so media files are not run through the compressor in full
// (see "Blobs and chunking" in docs/design/repository-format.md).
import { Decompressor } from 'zstd-napi';
import zstd from 'zstd-napi/binding.js';

export const ZSTD_LEVEL = 3;
const SAMPLE = 64 * 1024;

const contexts = new Map<number, zstd.CCtx>();
let decompressor: Decompressor | null = null;

function context(level: number): zstd.CCtx {
  let c = contexts.get(level);
  if (!c) {
    c = new zstd.CCtx();
    c.setParameter(zstd.CParameter.compressionLevel, level);
    contexts.set(level, c);
  }
  return c;
}

/**
 * Output buffers reused across calls on this thread (one for the probe, one for the chunk): compressing a chunk
 * allocates nothing. A fresh 1 MiB buffer per chunk, freed only by a later GC, cost more than the compression of
 * an incompressible chunk it was for.
 */
const scratch: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
/** Larger outputs (a huge tree, an index object) get a buffer of their own rather than one kept for good. */
const SCRATCH_MAX = 9 * 1024 * 1024;

function compressInto(slot: 0 | 1 | null, level: number, data: Uint8Array): Buffer {
  const bound = zstd.compressBound(data.length);
  let dest: Buffer;
  if (slot === null || bound > SCRATCH_MAX) dest = Buffer.allocUnsafe(bound);
  else {
    if (scratch[slot].length < bound) scratch[slot] = Buffer.allocUnsafeSlow(bound);
    dest = scratch[slot];
  }
  return dest.subarray(0, context(level).compress2(dest, data));
}

/**
 * zstd level for database dumps: they are large and produced while a database server competes for the same
 * CPUs; on a generated 650 MB pg_dump, level 1 took half the time of level 3 and was not larger.
 */
export const ZSTD_LEVEL_STREAM = 1;

/**
 * Compress when it saves space; returns the input itself when it does not. A compressed result is a view of
 * this thread's scratch buffer, valid until the next call: seal it (or copy it) before compressing again.
 */
export function maybeCompress(data: Uint8Array, level = ZSTD_LEVEL): { data: Uint8Array; compressed: boolean } {
  if (data.length < 64) return { data, compressed: false };
  if (data.length > 2 * SAMPLE) {
    const mid = Math.floor((data.length - SAMPLE) / 2);
    const probe = compressInto(0, 1, data.subarray(mid, mid + SAMPLE));
    if (probe.length > SAMPLE * 0.97) return { data, compressed: false };
  }
  const out = compressInto(1, level, data);
  if (out.length >= data.length * 0.99) return { data, compressed: false };
  return { data: out, compressed: true };
}

/** Compress into a buffer of its own. */
export function zstdCompress(data: Uint8Array, level = ZSTD_LEVEL): Buffer {
  return compressInto(null, level, data);
}

export function zstdDecompress(data: Uint8Array): Buffer {
  decompressor ??= new Decompressor();
  return decompressor.decompress(data);
}
