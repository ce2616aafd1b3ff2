// Placement in the shared FIFO rings (src/util/ring.ts). The backup worker once placed an item at the ring's very
// end (offset = length) when the one before ended exactly there: the write failed with "offset is out of bounds"
// and the file was reported unreadable (a 1,000,000-file backup hit it once).
import { describe, expect, it } from 'vitest';
import { growAbove, grownRing, placeInRing } from '../../../src/util/ring.js';
import { prng } from '../../e2e/helpers.js';

describe('placeInRing', () => {
  it('places an item that exactly reaches the end there, and the next one at 0', () => {
    expect(placeInRing(100, 60, 40)).toEqual({ at: 60, take: 40, head: 100 });
    expect(placeInRing(100, 100, 10)).toEqual({ at: 0, take: 10, head: 10 });
  });

  it('wraps an item that would cross the end, taking the skipped tail too', () => {
    expect(placeInRing(100, 70, 40)).toEqual({ at: 0, take: 70, head: 40 });
  });

  it('refuses an item larger than the ring', () => {
    expect(() => placeInRing(100, 0, 101)).toThrow(RangeError);
  });

  it('never places a live item outside the ring or over another live one (FIFO producer and consumer)', () => {
    const rnd = prng(99);
    const length = 1000;
    let head = 0;
    let used = 0;
    const live: { at: number; n: number; take: number }[] = [];
    const wrong: string[] = [];
    for (let step = 0; step < 50_000; step++) {
      // Sizes that often land exactly on the end: multiples of 50, and anything up to a third of the ring.
      const n = rnd() < 0.5 ? 50 * (1 + Math.floor(rnd() * 6)) : 1 + Math.floor(rnd() * 333);
      const p = placeInRing(length, head, n);
      while (used + p.take > length) used -= live.shift()!.take; // the consumer releases the oldest first
      if (p.at < 0 || p.at + n > length) wrong.push(`step ${step}: ${n} bytes at ${p.at}`);
      for (const l of live) if (!(p.at + n <= l.at || l.at + l.n <= p.at)) wrong.push(`step ${step}: overlap`);
      live.push({ at: p.at, n, take: p.take });
      used += p.take;
      head = p.head;
      if (rnd() < 0.3 && live.length) used -= live.shift()!.take;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});

describe('ring growth', () => {
  it('a ring grown for a chunk takes the next chunk of the same size without growing again', () => {
    for (const n of [1, 700_000, 1_048_577, 3 * 2 ** 20, 4 * 2 ** 20, 5 * 2 ** 20, 8 * 2 ** 20 + 60]) {
      expect(n).toBeLessThanOrEqual(growAbove(grownRing(n)));
    }
    // A tree of small files never grows the first 2 MiB ring: chunks up to 1 MiB fit.
    expect(growAbove(2 * 2 ** 20)).toBe(2 ** 20);
  });
});
