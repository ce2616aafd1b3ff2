// Content-defined chunking (FastCDC, normalized level 2) with a secret gear table, as specified in
// docs/design/repository-format.md, "Blobs and chunking". Splits a byte stream into chunks that become data blobs.
//
// Precise cut-point definition (independent of how the input is split into pushes):
//   For a chunk starting at stream offset s, let W(L) be the gear hash of the 32 bytes s+L-32 … s+L-1,
//   i.e. h = 0, then h = (h << 1) + G[byte] mod 2^32 for each of those bytes. Because every step shifts
//   left by one, a byte's contribution leaves a 32-bit hash after 32 steps, so W(L) is exactly the running
//   hash after the byte at s+L-1 once at least 32 bytes have been hashed. The chunk length is the smallest
//   L with min <= L < max such that W(L) & mask(L) == 0, where mask(L) = maskS for L <= avg and maskL for
//   L > avg; if there is none, L = max. When the input ends first, the rest is one final chunk (which may be
//   shorter than min). Bytes before offset min - 32 of a chunk are never hashed (cut-point skipping).
//
// Long runs of a single byte value (e.g. zeros) have a constant window hash, so they are cut at exactly max
// unless that constant passes a mask, which happens for a fraction 2^-(log2(avg) - 2) of seeds.

import { createCipheriv } from 'node:crypto';
import { StrongboxError } from '../errors.js';

export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

export const DEFAULT_CHUNKER_PARAMS: Readonly<ChunkerParams> = Object.freeze({
  min: 256 * 1024,
  avg: 1024 * 1024,
  max: 8 * 1024 * 1024,
});

/** Width of the rolling-hash window in bytes (the hash is 32 bits wide and shifts by one per byte). */
const WINDOW = 32;
const MIN_LOWER_BOUND = 64;
const MAX_UPPER_BOUND = 1024 * 1024 * 1024;

/** Throws a USAGE StrongboxError unless the params describe a usable chunker. */
export function validateChunkerParams(p: ChunkerParams): void {
  const fail = (why: string): never => {
    throw new StrongboxError('USAGE', `invalid chunker parameters min=${p.min} avg=${p.avg} max=${p.max}: ${why}`);
  };
  for (const [name, v] of [
    ['min', p.min],
    ['avg', p.avg],
    ['max', p.max],
  ] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) fail(`${name} must be a positive integer`);
  }
  if (p.min < MIN_LOWER_BOUND) fail(`min must be at least ${MIN_LOWER_BOUND} bytes`);
  if ((p.avg & (p.avg - 1)) !== 0 || p.avg > 2 ** 30) fail('avg must be a power of two no larger than 1 GiB');
  if (!(p.min < p.avg && p.avg < p.max)) fail('they must satisfy min < avg < max');
  if (p.max > MAX_UPPER_BOUND) fail('max must be at most 1 GiB');
}

/**
 * The gear table for a repository: the first 1024 bytes of the AES-256-CTR keystream of the 32-byte
 * chunker seed under an all-zero IV, read as 256 little-endian 32-bit words.
 */
export function gearTableFromSeed(seed: Uint8Array): Uint32Array {
  if (seed.length !== 32) {
    throw new StrongboxError('INTERNAL', `chunker seed must be 32 bytes, got ${seed.length}`);
  }
  const cipher = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
  const stream = Buffer.concat([cipher.update(Buffer.alloc(1024)), cipher.final()]);
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) table[i] = stream.readUInt32LE(i * 4);
  return table;
}

/**
 * A mask of `bits` one-bits spread evenly over the top min(32, 2·bits) bits of the hash: bit number
 * 31 - floor(i · width / bits) for i = 0 … bits-1. Upper bits depend on the longest window of input.
 */
export function spreadMask(bits: number): number {
  const width = Math.min(32, 2 * bits);
  let mask = 0;
  for (let i = 0; i < bits; i++) mask |= 1 << (31 - Math.floor((i * width) / bits));
  return mask >>> 0;
}

/** Validated params with the derived masks and the gear table as signed words (fast int32 arithmetic). */
export interface PreparedChunker {
  readonly gear: Int32Array;
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  /** Mask for chunk lengths <= avg: log2(avg) + 2 bits (harder to match). */
  readonly maskS: number;
  /** Mask for chunk lengths > avg: log2(avg) - 2 bits (easier to match). */
  readonly maskL: number;
}

export function prepareChunker(gear: Uint32Array, params: ChunkerParams = DEFAULT_CHUNKER_PARAMS): PreparedChunker {
  validateChunkerParams(params);
  if (gear.length !== 256) throw new StrongboxError('INTERNAL', `gear table must have 256 entries, got ${gear.length}`);
  const bits = Math.log2(params.avg);
  return {
    gear: new Int32Array(gear), // a copy; same bits, read as int32
    min: params.min,
    avg: params.avg,
    max: params.max,
    maskS: spreadMask(bits + 2) | 0,
    maskL: spreadMask(bits - 2) | 0,
  };
}

/** Progress through the current chunk, carried between calls of findBoundary. */
export interface ScanState {
  /** Bytes of the current chunk already scanned. */
  length: number;
  /** Rolling hash after the last scanned byte. */
  hash: number;
}

export function newScanState(): ScanState {
  return { length: 0, hash: 0 };
}

/**
 * Continues the current chunk over data[start, end). Returns the index in `data` just past the chunk's
 * last byte and resets `state`, or returns -1 after recording the scanned bytes in `state` when the chunk
 * does not end within the range.
 */
export function findBoundary(
  c: PreparedChunker,
  data: Uint8Array,
  start: number,
  end: number,
  state: ScanState,
): number {
  const G = c.gear;
  const base = start - state.length; // index of the chunk's first byte (may be negative)
  const testFrom = base + c.min - 1; // last byte of a chunk of length min
  const lastIdx = base + c.max - 1; // last byte of a chunk of length max
  let i = Math.max(start, base + c.min - WINDOW);

  // Warm-up: fill the window so that the first tested hash covers exactly 32 bytes.
  let h = state.hash | 0;
  for (const lim = Math.min(testFrom, end); i < lim; i++) h = ((h << 1) + G[data[i]]) | 0;
  state.hash = h;

  const normEnd = Math.min(base + c.avg, end); // lengths <= avg use maskS
  if (i < normEnd) {
    const cut = scan(G, data, i, normEnd, c.maskS, state);
    if (cut >= 0) return cutAt(state, cut);
    i = normEnd;
  }
  const lim = Math.min(lastIdx, end);
  if (i < lim) {
    const cut = scan(G, data, i, lim, c.maskL, state);
    if (cut >= 0) return cutAt(state, cut);
    i = lim;
  }
  if (i === lastIdx && i < end) return cutAt(state, i + 1);
  state.length += end - start;
  return -1;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The hot loop: rolls the hash from state.hash over data[i, end) and returns the index just past the first
 * byte whose hash has no bit of `mask` set, or -1 after storing the final hash in state.hash. On
 * little-endian hosts the aligned middle is read four bytes at a time, which V8 runs about twice as fast as
 * a plain byte loop.
 */
function scan(G: Int32Array, data: Uint8Array, i: number, end: number, mask: number, state: ScanState): number {
  if (!LITTLE_ENDIAN || end - i < 64) return scanBytes(G, data, i, end, mask, state);
  const aligned = i + ((4 - ((data.byteOffset + i) & 3)) & 3);
  const wordsEnd = aligned + ((end - aligned) & ~7);
  let cut = scanBytes(G, data, i, aligned, mask, state);
  if (cut < 0) cut = scanWords(G, data, aligned, wordsEnd, mask, state);
  if (cut < 0) cut = scanBytes(G, data, wordsEnd, end, mask, state);
  return cut;
}

function scanBytes(G: Int32Array, data: Uint8Array, i: number, end: number, mask: number, state: ScanState): number {
  let h = state.hash;
  for (; i < end; i++) {
    h = ((h << 1) + G[data[i]]) | 0;
    if ((h & mask) === 0) return i + 1;
  }
  state.hash = h;
  return -1;
}

/** scanBytes for a 4-byte-aligned range whose length is a multiple of 8, two little-endian words per step. */
function scanWords(
  G: Int32Array,
  data: Uint8Array,
  start: number,
  end: number,
  mask: number,
  state: ScanState,
): number {
  const words = new Uint32Array(data.buffer, data.byteOffset + start, (end - start) >> 2);
  let h = state.hash;
  for (let w = 0, i = start; w < words.length; w += 2, i += 8) {
    let x = words[w];
    h = ((h << 1) + G[x & 0xff]) | 0;
    if ((h & mask) === 0) return i + 1;
    h = ((h << 1) + G[(x >>> 8) & 0xff]) | 0;
    if ((h & mask) === 0) return i + 2;
    h = ((h << 1) + G[(x >>> 16) & 0xff]) | 0;
    if ((h & mask) === 0) return i + 3;
    h = ((h << 1) + G[x >>> 24]) | 0;
    if ((h & mask) === 0) return i + 4;
    x = words[w + 1];
    h = ((h << 1) + G[x & 0xff]) | 0;
    if ((h & mask) === 0) return i + 5;
    h = ((h << 1) + G[(x >>> 8) & 0xff]) | 0;
    if ((h & mask) === 0) return i + 6;
    h = ((h << 1) + G[(x >>> 16) & 0xff]) | 0;
    if ((h & mask) === 0) return i + 7;
    h = ((h << 1) + G[x >>> 24]) | 0;
    if ((h & mask) === 0) return i + 8;
  }
  state.hash = h;
  return -1;
}

function cutAt(state: ScanState, index: number): number {
  state.length = 0;
  state.hash = 0;
  return index;
}

/**
 * Streaming chunker. Ownership rule: push() takes ownership of the block; the caller must not modify or
 * reuse that memory afterwards (read each block into a fresh Buffer). Returned chunks are subarrays of the
 * pushed blocks when a chunk lies within one block (zero-copy) and freshly concatenated Buffers when it
 * spans blocks. The chunker holds at most max - 1 pending bytes, by reference to the blocks they came from.
 */
export class Chunker {
  private readonly prepared: PreparedChunker;
  private readonly state = newScanState();
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(gear: Uint32Array, params: ChunkerParams = DEFAULT_CHUNKER_PARAMS) {
    this.prepared = prepareChunker(gear, params);
  }

  /** Feeds the next block of the stream; returns the chunks it completed, in order. */
  push(block: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < block.length) {
      const cut = findBoundary(this.prepared, block, pos, block.length, this.state);
      if (cut < 0) {
        this.pending.push(pos === 0 ? block : block.subarray(pos));
        this.pendingBytes += block.length - pos;
        break;
      }
      out.push(this.take(block.subarray(pos, cut)));
      pos = cut;
    }
    return out;
  }

  /** Ends the stream; returns the final chunk, or null if there are no pending bytes. Resets the chunker. */
  finish(): Buffer | null {
    if (this.pendingBytes === 0) return null;
    const last = this.take(null);
    this.state.length = 0;
    this.state.hash = 0;
    return last;
  }

  private take(tail: Buffer | null): Buffer {
    if (this.pending.length === 0 && tail) return tail;
    if (tail) this.pending.push(tail);
    const total = this.pendingBytes + (tail ? tail.length : 0);
    const chunk = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, total);
    this.pending = [];
    this.pendingBytes = 0;
    return chunk;
  }
}

/** Chunks an async stream of blocks (e.g. a file read stream); the Chunker ownership rule applies. */
export async function* chunkStream(
  blocks: AsyncIterable<Buffer>,
  gear: Uint32Array,
  params: ChunkerParams = DEFAULT_CHUNKER_PARAMS,
): AsyncGenerator<Buffer> {
  const chunker = new Chunker(gear, params);
  for await (const block of blocks) yield* chunker.push(block);
  const last = chunker.finish();
  if (last) yield last;
}

/** The chunk lengths of a whole in-memory buffer, in order (for tests and tools). */
export function chunkBuffer(
  gear: Uint32Array,
  data: Uint8Array,
  params: ChunkerParams = DEFAULT_CHUNKER_PARAMS,
): number[] {
  const prepared = prepareChunker(gear, params);
  const state = newScanState();
  const lengths: number[] = [];
  let pos = 0;
  while (pos < data.length) {
    const cut = findBoundary(prepared, data, pos, data.length, state);
    const end = cut < 0 ? data.length : cut;
    lengths.push(end - pos);
    pos = end;
  }
  return lengths;
}
