// zstd compression of blobs and objects (reusing one native context per thread), with a cheap
// incompressibility probe so media files are not run through the compressor in full
// (see "Blobs and chunking" in docs/design/repository-format.md).
import { Compressor, Decompressor } from 'zstd-napi';

export const ZSTD_LEVEL = 3;
const SAMPLE = 64 * 1024;

const contexts = new Map<number, Compressor>();
let decompressor: Decompressor | null = null;

function compressor(level: number): Compressor {
  let c = contexts.get(level);
  if (!c) {
    c = new Compressor();
    c.setParameters({ compressionLevel: level });
    contexts.set(level, c);
  }
  return c;
}

/**
 * zstd level for database dumps: they are large and produced while a database server competes for the same
 * CPUs; on a generated 650 MB pg_dump, level 1 took half the time of level 3 and was not larger.
 */
export const ZSTD_LEVEL_STREAM = 1;

/** Compress when it saves space; returns the input itself when it does not. */
export function maybeCompress(data: Uint8Array, level = ZSTD_LEVEL): { data: Uint8Array; compressed: boolean } {
  if (data.length < 64) return { data, compressed: false };
  if (data.length > 2 * SAMPLE) {
    const mid = Math.floor((data.length - SAMPLE) / 2);
    const probe = compressor(1).compress(data.subarray(mid, mid + SAMPLE));
    if (probe.length > SAMPLE * 0.97) return { data, compressed: false };
  }
  const out = compressor(level).compress(data);
  if (out.length >= data.length * 0.99) return { data, compressed: false };
  return { data: out, compressed: true };
}

export function zstdCompress(data: Uint8Array, level = ZSTD_LEVEL): Buffer {
  return compressor(level).compress(data);
}

export function zstdDecompress(data: Uint8Array): Buffer {
  decompressor ??= new Decompressor();
  return decompressor.decompress(data);
}
