import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlobIndex, BLOB_DATA, BLOB_TREE } from '../../../src/repository/index-memory.js';
import { decodeIndex, encodeIndex } from '../../../src/repository/index-file.js';

describe('BlobIndex', () => {
  it('stores and finds 50,000 blobs across growth, first location wins', () => {
    const idx = new BlobIndex(16);
    const ids = Array.from({ length: 50_000 }, () => randomBytes(32));
    ids.forEach((id, i) =>
      idx.add(id, {
        packId: `p${i % 7}`,
        type: i % 2 ? BLOB_TREE : BLOB_DATA,
        compressed: i % 3 === 0,
        offset: i,
        length: i + 1,
        rawLength: i + 2,
      }),
    );
    expect(idx.size).toBe(50_000);
    ids.forEach((id, i) => {
      const l = idx.get(id)!;
      expect(l.packId).toBe(`p${i % 7}`);
      expect([l.offset, l.length, l.rawLength, l.type, l.compressed]).toEqual([i, i + 1, i + 2, i % 2, i % 3 === 0]);
    });
    expect(
      idx.add(ids[5], { packId: 'other', type: BLOB_DATA, compressed: false, offset: 0, length: 1, rawLength: 1 }),
    ).toBe(false);
    expect(idx.get(ids[5])!.packId).toBe('p5');
    expect(idx.has(randomBytes(32))).toBe(false);
  });

  it('holds a million blobs in at most 64 bytes each, measured (array buffers and heap), not estimated', () => {
    const n = 1_000_000;
    const ids = randomBytes(32 * n); // allocated before the baseline: only the index is measured
    const before = process.memoryUsage();
    const idx = new BlobIndex();
    for (let i = 0; i < n; i++) idx.addAt(ids, i * 32, `p${i >>> 10}`, BLOB_DATA, true, i, 100, 200);
    const after = process.memoryUsage();
    expect(idx.size).toBe(n);
    // Array buffers are counted exactly (no garbage there); heap garbage can only make the figure larger.
    const perBlob = (after.arrayBuffers - before.arrayBuffers) / n;
    expect(perBlob).toBeLessThanOrEqual(64);
    expect(idx.memoryBytes() / n).toBeLessThanOrEqual(64);
    expect(idx.get(ids.subarray(32 * 777_777, 32 * 777_778))).toMatchObject({ packId: 'p759', offset: 777_777 });
    expect(idx.position(ids.subarray(32 * 5, 32 * 6))).toBe(5);
    expect(idx.idAt(5).equals(ids.subarray(32 * 5, 32 * 6))).toBe(true);
  });
});

describe('index objects', () => {
  it('encode/decode round trip and reject truncation', () => {
    const packs = [0, 1, 2].map((p) => ({
      packId: randomBytes(32).toString('hex'),
      entries: Array.from({ length: 5 }, (_, i) => ({
        type: BLOB_DATA as 0,
        compressed: i % 2 === 0,
        id: randomBytes(32),
        offset: i * 10,
        length: 10,
        rawLength: 20 + p,
      })),
    }));
    const enc = encodeIndex({ supersedes: [randomBytes(32).toString('hex')], packs });
    const dec = decodeIndex(enc, 'x');
    expect(dec.packs).toEqual(packs);
    expect(dec.supersedes.length).toBe(1);
    expect(() => decodeIndex(enc.subarray(0, enc.length - 3), 'x')).toThrow(/index x: truncated/);
  });
});
