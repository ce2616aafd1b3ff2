// withFaults itself: planned faults fire on the right calls, "after" faults still perform the call,
// random faults are reproducible from their seed, and corruption damages only what it should.

import { describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory.js';
import { withFaults } from '../../src/backends/wrappers/faults.js';
import { bytes, hexName, rejection } from '../conformance/fixtures.js';

const snap = { type: 'snapshot' as const, name: hexName('snap') };
const data = { type: 'data' as const, name: hexName('pack') };

describe('withFaults', () => {
  it('fails the next N matching calls, then passes calls through', async () => {
    const b = withFaults(createMemoryBackend(), {
      faults: [{ op: 'save', type: 'data', count: 2, kind: 'permanent' }],
    });
    await b.save(snap, bytes(1));
    for (let i = 0; i < 2; i++) expect(b.isPermanent(await rejection(b.save(data, bytes(1))))).toBe(true);
    await b.save(data, bytes(1));
    expect(b.stats).toMatchObject({ injected: 2, calls: { save: 4 } });
  });

  it('performs the operation before failing with an "after" fault', async () => {
    const b = withFaults(createMemoryBackend());
    b.inject({ op: 'save', after: true });
    const err = await rejection(b.save(snap, bytes(8)));
    expect(b.isPermanent(err)).toBe(false);
    expect((await b.load(snap)).equals(bytes(8))).toBe(true);
  });

  it('fails randomly but reproducibly for a given seed', async () => {
    async function pattern(seed: number): Promise<boolean[]> {
      const b = withFaults(createMemoryBackend(), { random: { probability: 0.3, seed, ops: ['stat'] } });
      await b.save(snap, bytes(1));
      const out: boolean[] = [];
      for (let i = 0; i < 50; i++)
        out.push(
          await b.stat(snap).then(
            () => true,
            () => false,
          ),
        );
      return out;
    }
    const a = await pattern(42);
    expect(await pattern(42)).toEqual(a);
    expect(a.filter((ok) => !ok).length).toBeGreaterThan(5);
    expect(a.filter((ok) => !ok).length).toBeLessThan(30);
    expect(await pattern(43)).not.toEqual(a);
  });

  it('truncates or flips stored bytes on save while reporting success', async () => {
    const truncating = withFaults(createMemoryBackend(), { corrupt: { mode: 'truncate', type: 'data' } });
    await truncating.save(snap, bytes(100));
    await truncating.save(data, bytes(100));
    expect((await truncating.load(snap)).equals(bytes(100))).toBe(true);
    expect((await truncating.load(data)).equals(bytes(100).subarray(0, 50))).toBe(true);

    const flipping = withFaults(createMemoryBackend(), { corrupt: { mode: 'flip', count: 1 } });
    const original = bytes(100);
    await flipping.save(data, original);
    await flipping.save(snap, bytes(100));
    const stored = await flipping.load(data);
    expect(stored.length).toBe(100);
    expect(stored.equals(original)).toBe(false);
    expect(original.equals(bytes(100))).toBe(true);
    expect((await flipping.load(snap)).equals(bytes(100))).toBe(true);
    expect(flipping.stats.corrupted).toBe(1);
  });
});
