// planPrune, the pure half of prune: which indexed packs are deleted, repacked or kept at a given
// --repack-unused threshold, and how many bytes that frees. Tables of packs in, plans out; no storage.
import { describe, expect, it } from 'vitest';
import { BLOB_DATA } from '../../../src/repository/index-memory.js';
import { planPrune, type PackUse } from '../../../src/repository/prune.js';

/**
 * A pack of `totalBytes` (as its index implies) of which `usedBytes` belong to blobs a snapshot references,
 * held in `usedBlobs` entries; `size` is what storage reports (the same for a healthy pack).
 */
function pack(
  packId: string,
  totalBytes: number,
  usedBytes: number,
  o: { usedBlobs?: number; size?: number } = {},
): PackUse {
  const n = o.usedBlobs ?? (usedBytes > 0 ? 1 : 0);
  const used = Array.from({ length: n }, (_, i) => ({
    type: BLOB_DATA as typeof BLOB_DATA,
    compressed: false,
    id: Buffer.alloc(32, `${packId}:${i}`),
    offset: i * 100,
    length: Math.floor(usedBytes / n),
    rawLength: Math.floor(usedBytes / n),
  }));
  return { packId, size: o.size ?? totalBytes, used, usedBytes, totalBytes };
}

type Fate = 'remove' | 'repack' | 'keep';

function fateOf(plan: ReturnType<typeof planPrune>, packId: string): Fate {
  const fates: Fate[] = [];
  if (plan.remove.includes(packId)) fates.push('remove');
  if (plan.repack.some((p) => p.packId === packId)) fates.push('repack');
  if (plan.keep.some((p) => p.packId === packId)) fates.push('keep');
  expect(fates, `pack ${packId} must have exactly one fate`).toHaveLength(1);
  return fates[0];
}

describe('planPrune: the fate of one pack', () => {
  it.each([
    // what                                         total  used  threshold  fate
    ['nothing in it is used', 1000, 0, 0.5, 'remove'],
    ['nothing used, even with repacking off (100%)', 1000, 0, 1, 'remove'],
    ['unused share exactly at the threshold', 1000, 500, 0.5, 'repack'],
    ['unused share one byte above the threshold', 1000, 499, 0.5, 'repack'],
    ['unused share one byte below the threshold', 1000, 501, 0.5, 'keep'],
    ['exactly 10% unused at --repack-unused 10%', 1000, 900, 0.1, 'repack'],
    ['9.9% unused at --repack-unused 10%', 1000, 901, 0.1, 'keep'],
    ['7 of 100 bytes unused at 7%', 100, 93, 7 / 100, 'repack'],
    ['30% unused at 30% (no rounding surprise)', 10, 7, 30 / 100, 'repack'],
    ['fully used, at the default 50%', 1000, 1000, 0.5, 'keep'],
    ['fully used, even at threshold 0', 1000, 1000, 0, 'keep'],
    ['one unused byte at threshold 0', 1000, 999, 0, 'repack'],
    ['99.9% unused at 100% (repacking off)', 1000, 1, 1, 'keep'],
  ] as const)('%s (%i bytes, %i used, threshold %d): %s', (_what, total, used, threshold, fate) => {
    const plan = planPrune([pack('p', total, used)], [], threshold);
    expect(fateOf(plan, 'p')).toBe(fate);
  });
});

describe('planPrune: a whole repository', () => {
  const packs = [
    pack('dead', 1000, 0, { size: 1010 }),
    pack('half', 1000, 500, { usedBlobs: 3 }),
    pack('full', 2000, 2000, { usedBlobs: 4 }),
    pack('light', 1000, 100, { usedBlobs: 2 }),
    pack('mostly-used', 1000, 800, { usedBlobs: 5 }),
  ];
  const orphans = [
    { id: 'orphan-a', size: 700 },
    { id: 'orphan-b', size: 300 },
  ];

  it.each([
    // threshold  remove    repack                 keep                                bytes removable
    [0.5, ['dead'], ['half', 'light'], ['full', 'mostly-used'], 1010 + 500 + 900 + 700 + 300],
    [0.1, ['dead'], ['half', 'light', 'mostly-used'], ['full'], 1010 + 500 + 900 + 200 + 700 + 300],
    [0.6, ['dead'], ['light'], ['half', 'full', 'mostly-used'], 1010 + 900 + 700 + 300],
    [1, ['dead'], [], ['half', 'full', 'light', 'mostly-used'], 1010 + 700 + 300],
  ])(
    'at threshold %d: removes %j, repacks %j, keeps %j, and %i bytes are removable',
    (threshold, remove, repack, keep, removable) => {
      const plan = planPrune(packs, orphans, threshold);
      expect(plan.remove).toEqual(remove);
      expect(plan.repack.map((p) => p.packId)).toEqual(repack);
      expect(plan.keep.map((p) => p.packId)).toEqual(keep);
      expect(plan.bytesRemovable).toBe(removable);
    },
  );

  it('lists orphan packs (in storage, in no index) for deletion apart from the indexed ones, counting their stored size', () => {
    const plan = planPrune(packs, orphans, 0.5);
    expect(plan.orphans).toEqual(['orphan-a', 'orphan-b']);
    for (const id of plan.orphans) {
      expect(plan.remove).not.toContain(id);
      expect([...plan.repack, ...plan.keep].map((p) => p.packId)).not.toContain(id);
    }
    expect(planPrune([], orphans, 0.5)).toEqual({
      remove: [],
      repack: [],
      keep: [],
      orphans: ['orphan-a', 'orphan-b'],
      bytesRemovable: 1000,
    });
  });

  it('counts a deleted pack by its stored size, and a repacked one by its unused bytes only', () => {
    const plan = planPrune([pack('dead', 1000, 0, { size: 4096 }), pack('half', 1000, 400, { size: 9999 })], [], 0.5);
    expect(plan.bytesRemovable).toBe(4096 + 600);
  });

  it('hands the apply step the used entries of each repacked pack, unchanged, so exactly those blobs are copied', () => {
    const half = pack('half', 1000, 500, { usedBlobs: 3 });
    const plan = planPrune([half], [], 0.5);
    expect(plan.repack).toEqual([half]);
    expect(plan.repack[0].used).toHaveLength(3);
  });

  it('plans nothing for an empty repository', () => {
    expect(planPrune([], [], 0.5)).toEqual({ remove: [], repack: [], keep: [], orphans: [], bytesRemovable: 0 });
  });
});
