// Specification tests for the FastCDC chunker: parameters, gear table, the cut-point definition (checked
// against a direct transcription of it), split independence, size bounds, and resynchronisation after edits.

import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../../src/errors.js';
import {
  Chunker,
  type ChunkerParams,
  DEFAULT_CHUNKER_PARAMS,
  chunkBuffer,
  chunkStream,
  gearTableFromSeed,
  prepareChunker,
  spreadMask,
  validateChunkerParams,
} from '../../../src/repository/chunker.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const SMALL: ChunkerParams = { min: 2 * KIB, avg: 8 * KIB, max: 64 * KIB };
const TINY: ChunkerParams = { min: 64, avg: 256, max: 1024 };
const GEAR = gearTableFromSeed(seed(1));

function seed(n: number): Buffer {
  return Buffer.alloc(32, n);
}

/** Deterministic pseudo-random bytes: the AES-256-CTR keystream of a numbered key. */
function randomBytes(length: number, n = 7): Buffer {
  return createCipheriv('aes-256-ctr', seed(n), Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** The cut-point definition from chunker.ts, transcribed literally (slow: rehashes every window). */
function referenceLengths(gear: Uint32Array, data: Uint8Array, p: ChunkerParams): number[] {
  const bits = Math.log2(p.avg);
  const maskS = spreadMask(bits + 2);
  const maskL = spreadMask(bits - 2);
  const lengths: number[] = [];
  for (let s = 0; s < data.length;) {
    let found = 0;
    for (let len = p.min; len < p.max && s + len <= data.length && !found; len++) {
      let h = 0;
      for (let k = s + len - 32; k < s + len; k++) h = ((h << 1) + gear[data[k]]) >>> 0;
      if ((h & (len <= p.avg ? maskS : maskL)) === 0) found = len;
    }
    const len = found || Math.min(p.max, data.length - s);
    lengths.push(len);
    s += len;
  }
  return lengths;
}

/** Feeds `data` to a Chunker in pieces whose sizes come from `sizes` (cycled); returns the chunks. */
function pushInPieces(data: Buffer, params: ChunkerParams, sizes: (i: number) => number): Buffer[] {
  const chunker = new Chunker(GEAR, params);
  const chunks: Buffer[] = [];
  for (let pos = 0, i = 0; pos < data.length; i++) {
    const end = Math.min(data.length, pos + sizes(i));
    chunks.push(...chunker.push(data.subarray(pos, end)));
    pos = end;
  }
  const last = chunker.finish();
  if (last) chunks.push(last);
  return chunks;
}

/** A deterministic sequence of piece sizes in [1, limit]. */
function randomSizes(limit: number): (i: number) => number {
  const r = randomBytes(4 * 4096, 99);
  return (i) => 1 + (r.readUInt32LE((i % 4096) * 4) % limit);
}

function digests(data: Buffer, params: ChunkerParams): string[] {
  let pos = 0;
  return chunkBuffer(GEAR, data, params).map((len) => {
    const d = createHash('sha256')
      .update(data.subarray(pos, pos + len))
      .digest('hex');
    pos += len;
    return d;
  });
}

function differing(a: string[], b: string[]): number {
  const inA = new Set(a);
  return b.filter((d) => !inA.has(d)).length;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v >>>= 1) n += v & 1;
  return n;
}

describe('chunker parameters', () => {
  it('accepts the defaults of the repository format', () => {
    expect(DEFAULT_CHUNKER_PARAMS).toEqual({ min: 256 * KIB, avg: MIB, max: 8 * MIB });
    expect(() => validateChunkerParams(DEFAULT_CHUNKER_PARAMS)).not.toThrow();
  });

  it.each([
    [{ min: 2048, avg: 6000, max: 65536 }, /avg must be a power of two/],
    [{ min: 8192, avg: 8192, max: 65536 }, /min < avg < max/],
    [{ min: 2048, avg: 8192, max: 8192 }, /min < avg < max/],
    [{ min: 16, avg: 8192, max: 65536 }, /min must be at least 64/],
    [{ min: 2048.5, avg: 8192, max: 65536 }, /min must be a positive integer/],
    [{ min: 2048, avg: 8192, max: 2 ** 31 }, /max must be at most 1 GiB/],
  ])('rejects %j with a USAGE error naming the problem', (params, message) => {
    let error: unknown;
    try {
      validateChunkerParams(params);
    } catch (e) {
      error = e;
    }
    expect(isStrongboxError(error, 'USAGE')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(() => new Chunker(GEAR, params)).toThrow(message);
  });

  it('spreads log2(avg)+2 and log2(avg)-2 mask bits over the upper hash bits', () => {
    const p = prepareChunker(GEAR);
    expect(popcount(p.maskS)).toBe(22);
    expect(popcount(p.maskL)).toBe(18);
    expect(p.maskS >>> 31).toBe(1);
    expect(spreadMask(11)).toBe(0b10101010101010101010100000000000);
    expect(popcount(spreadMask(15))).toBe(15);
    expect(spreadMask(15) & 0b111).toBe(0);
  });
});

describe('gear table', () => {
  it('is the AES-256-CTR keystream of the seed as little-endian words', () => {
    // AES-256 of a zero block under a zero key is dc95c078 a2408989 ad48a214 92842087.
    const zero = gearTableFromSeed(seed(0));
    expect([...zero.subarray(0, 4)]).toEqual([0x78c095dc, 0x898940a2, 0x14a248ad, 0x87208492]);
    expect(zero.length).toBe(256);
  });

  it('is deterministic and differs between seeds', () => {
    expect(gearTableFromSeed(seed(1))).toEqual(GEAR);
    const other = gearTableFromSeed(seed(2));
    expect(other).not.toEqual(GEAR);
    const data = randomBytes(4 * MIB);
    expect(chunkBuffer(other, data, SMALL)).not.toEqual(chunkBuffer(GEAR, data, SMALL));
  });

  it('rejects a seed that is not 32 bytes', () => {
    expect(() => gearTableFromSeed(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('cut points', () => {
  it.each([
    ['small', SMALL, 2 * MIB],
    ['tiny', TINY, 256 * KIB],
  ])('match the definition exactly (%s params)', (_name, params, size) => {
    const data = randomBytes(size);
    expect(chunkBuffer(GEAR, data, params)).toEqual(referenceLengths(GEAR, data, params));
  });

  it('do not depend on the alignment of the input in memory', () => {
    const backing = randomBytes(MIB + 3);
    const expected = referenceLengths(GEAR, backing.subarray(3), SMALL);
    for (const offset of [0, 1, 2, 3]) {
      const copy = Buffer.alloc(MIB + 8);
      backing.copy(copy, offset, 3);
      expect(chunkBuffer(GEAR, copy.subarray(offset, offset + MIB), SMALL)).toEqual(expected);
    }
  });

  it('are the same however the input is split into pushes', () => {
    const data = randomBytes(MIB + 123);
    const expected = chunkBuffer(GEAR, data, SMALL);
    for (const sizes of [() => 1, randomSizes(17), randomSizes(70_000), () => 64 * KIB]) {
      expect(pushInPieces(data, SMALL, sizes).map((c) => c.length)).toEqual(expected);
    }
    const tiny = data.subarray(0, 64 * KIB);
    expect(pushInPieces(tiny, TINY, () => 1).map((c) => c.length)).toEqual(chunkBuffer(GEAR, tiny, TINY));
  });

  it('are the same for reader block sizes of 64 KiB, 1 MiB and 3 MiB + 7 with default params', () => {
    const data = randomBytes(24 * MIB + 5);
    const expected = chunkBuffer(GEAR, data);
    for (const block of [64 * KIB, MIB, 3 * MIB + 7]) {
      const chunks = pushInPieces(data, DEFAULT_CHUNKER_PARAMS, () => block);
      expect(chunks.map((c) => c.length)).toEqual(expected);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    }
  });
});

describe('chunk sizes', () => {
  it.each([
    ['small', SMALL],
    ['default', DEFAULT_CHUNKER_PARAMS],
  ])('stay within [min, max], except a shorter last chunk, and cover the input (%s params)', (_name, params) => {
    const data = randomBytes(64 * MIB + 1000);
    const chunks = pushInPieces(data, params, randomSizes(3 * MIB));
    const lengths = chunks.map((c) => c.length);
    for (const len of lengths.slice(0, -1)) {
      expect(len).toBeGreaterThanOrEqual(params.min);
      expect(len).toBeLessThanOrEqual(params.max);
    }
    expect(lengths.at(-1)).toBeLessThanOrEqual(params.max);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    const mean = data.length / lengths.length;
    expect(mean).toBeGreaterThan(0.6 * params.avg);
    expect(mean).toBeLessThan(1.6 * params.avg);
  });

  it('cuts a long run of zeros at exactly max (this seed: the zero-window hash passes neither mask)', () => {
    const p = prepareChunker(GEAR, SMALL);
    const zeroWindowHash = -GEAR[0] | 0; // sum of G[0] << t for t = 0..31, mod 2^32
    expect(zeroWindowHash & p.maskS).not.toBe(0);
    expect(zeroWindowHash & p.maskL).not.toBe(0);
    const lengths = chunkBuffer(GEAR, Buffer.alloc(10 * SMALL.max + 5), SMALL);
    expect(lengths).toEqual([...Array(10).fill(SMALL.max), 5]);
    const defaults = chunkBuffer(GEAR, Buffer.alloc(20 * MIB));
    expect(defaults).toEqual([8 * MIB, 8 * MIB, 4 * MIB]);
  });

  it('handle tiny inputs: nothing for 0 bytes, one chunk for 1 byte or anything shorter than min', () => {
    expect(chunkBuffer(GEAR, Buffer.alloc(0), SMALL)).toEqual([]);
    const chunker = new Chunker(GEAR, SMALL);
    expect(chunker.push(Buffer.alloc(0))).toEqual([]);
    expect(chunker.finish()).toBeNull();
    expect(chunker.push(Buffer.from([42]))).toEqual([]);
    expect(chunker.finish()).toEqual(Buffer.from([42]));
    expect(chunkBuffer(GEAR, randomBytes(SMALL.min - 1), SMALL)).toEqual([SMALL.min - 1]);
  });
});

describe('boundary shift', () => {
  it.each([
    ['small', SMALL],
    ['default', DEFAULT_CHUNKER_PARAMS],
  ])('an insertion near the start changes at most 2 chunks (%s params)', (_name, params) => {
    const data = randomBytes(32 * MIB);
    const edited = Buffer.concat([data.subarray(0, 1000), Buffer.from('inserted!'), data.subarray(1000)]);
    const before = digests(data, params);
    const after = digests(edited, params);
    expect(before.length).toBeGreaterThan(16);
    expect(differing(before, after)).toBeLessThanOrEqual(2);
  });

  it.each([
    ['small', SMALL],
    ['default', DEFAULT_CHUNKER_PARAMS],
  ])('a deletion in the middle only changes the chunks around it (%s params)', (_name, params) => {
    const data = randomBytes(32 * MIB);
    const cut = 16 * MIB + 12345;
    const edited = Buffer.concat([data.subarray(0, cut), data.subarray(cut + 100)]);
    const before = digests(data, params);
    const after = digests(edited, params);
    expect(differing(before, after)).toBeLessThanOrEqual(2);
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(after.slice(-4)).toEqual(before.slice(-4));
  });
});

describe('Chunker buffers', () => {
  it('returns chunks inside one block as zero-copy views of that block', () => {
    const block = randomBytes(4 * MIB);
    const chunker = new Chunker(GEAR, SMALL);
    const chunks = chunker.push(block);
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(c.buffer).toBe(block.buffer);
    const rest = chunker.finish();
    expect(Buffer.concat([...chunks, rest ?? Buffer.alloc(0)]).equals(block)).toBe(true);
  });

  it('can be reused after finish', () => {
    const data = randomBytes(MIB);
    const chunker = new Chunker(GEAR, SMALL);
    const lengths = (): number[] => [...chunker.push(data), chunker.finish()].flatMap((c) => (c ? [c.length] : []));
    const first = lengths();
    expect(lengths()).toEqual(first);
    expect(first).toEqual(chunkBuffer(GEAR, data, SMALL));
  });

  it('chunkStream yields the same chunks from an async stream of blocks', async () => {
    const data = randomBytes(3 * MIB + 17);
    async function* blocks(): AsyncGenerator<Buffer> {
      for (let pos = 0; pos < data.length; pos += 100_000) yield data.subarray(pos, pos + 100_000);
    }
    const lengths: number[] = [];
    for await (const c of chunkStream(blocks(), GEAR, SMALL)) lengths.push(c.length);
    expect(lengths).toEqual(chunkBuffer(GEAR, data, SMALL));
  });
});
