import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../../src/errors.js';
import { blobId, newMasterKey, open, seal, SEAL_OVERHEAD } from '../../../src/repository/crypto.js';
import { maybeCompress, zstdDecompress } from '../../../src/repository/compress.js';

describe('seal/open', () => {
  const key = newMasterKey().encKey;
  const aad = Buffer.from('aad');

  it('round-trips empty, small and large plaintexts', () => {
    for (const n of [0, 1, 100, 1 << 20]) {
      const p = randomBytes(n);
      const s = seal(key, p, aad);
      expect(s.length).toBe(n + SEAL_OVERHEAD);
      expect(open(key, s, aad, 'x').equals(p)).toBe(true);
    }
  });

  it('uses a fresh nonce each time', () => {
    const p = Buffer.from('same');
    expect(seal(key, p, aad).equals(seal(key, p, aad))).toBe(false);
  });

  it('never repeats a nonce, across refills of the nonce pool', () => {
    const seen = new Set<string>();
    const n = 3 * 4096 + 17; // three refills and a part
    for (let i = 0; i < n; i++) seen.add(seal(key, Buffer.alloc(1), aad).subarray(0, 12).toString('hex'));
    expect(seen.size).toBe(n);
  });

  it('detects a flipped byte anywhere, with wrong AAD, or with the wrong key, naming the object', () => {
    const s = seal(key, randomBytes(300), aad);
    for (let i = 0; i < s.length; i++) {
      const t = Buffer.from(s);
      t[i] ^= 0x01;
      expect(() => open(key, t, aad, 'blob abc')).toThrow(/blob abc: authentication failed/);
    }
    expect(() => open(key, s, Buffer.from('other'), 'x')).toThrow(/authentication failed/);
    expect(() => open(newMasterKey().encKey, s, aad, 'x')).toThrow(/authentication failed/);
    try {
      open(key, s.subarray(0, 10), aad, 'short');
    } catch (e) {
      expect(isStrongboxError(e, 'INTEGRITY')).toBe(true);
    }
  });
});

describe('blob IDs', () => {
  it('are keyed: the same content has different IDs under different repository keys', () => {
    const d = Buffer.from('hello');
    expect(blobId(newMasterKey().idKey, d).equals(blobId(newMasterKey().idKey, d))).toBe(false);
    const k = newMasterKey().idKey;
    expect(blobId(k, d).equals(blobId(k, Buffer.from('hello')))).toBe(true);
  });
});

describe('maybeCompress', () => {
  it('compresses text and round-trips it', () => {
    const text = Buffer.from('<?php echo "hello world"; ?>\n'.repeat(10000));
    const c = maybeCompress(text);
    expect(c.compressed).toBe(true);
    expect(c.data.length).toBeLessThan(text.length / 10);
    expect(zstdDecompress(c.data).equals(text)).toBe(true);
  });

  it('stores random (media-like) data as is', () => {
    const r = randomBytes(1 << 20);
    const c = maybeCompress(r);
    expect(c.compressed).toBe(false);
    expect(c.data).toBe(r);
  });
});
