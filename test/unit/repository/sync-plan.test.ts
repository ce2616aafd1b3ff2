// The sync plan (pure): what each store of a mirrored repository receives and drops, from the stores' listings and
// the union's live and superseded indexes.
import { describe, expect, it } from 'vitest';
import { planSync, type StoreListing, type SyncFacts } from '../../../src/repository/sync-plan.js';

const store = (o: Partial<Record<keyof StoreListing, string[]>>): StoreListing => ({
  data: new Map((o.data ?? []).map((n) => [n, 10])),
  index: new Map((o.index ?? []).map((n) => [n, 5])),
  key: new Map((o.key ?? []).map((n) => [n, 1])),
  snapshot: new Map((o.snapshot ?? []).map((n) => [n, 2])),
});

interface Given {
  liveIndexes?: string[];
  supersededIndexes?: string[];
  referencedPacks?: string[];
  indexesDamaged?: boolean;
}

const facts = (stores: StoreListing[], f: Given = {}): SyncFacts => ({
  stores,
  liveIndexes: new Set(f.liveIndexes ?? []),
  supersededIndexes: new Set(f.supersededIndexes ?? []),
  referencedPacks: new Set(f.referencedPacks ?? []),
  indexesDamaged: f.indexesDamaged ?? false,
});

const names = (a: { type: string; name: string }[]) => a.map((x) => `${x.type}/${x.name}`);

describe('planSync', () => {
  it('copies what a mirror lacks in write order: packs, indexes, keys, snapshots', () => {
    const p = planSync(
      facts(
        [
          store({ data: ['p1', 'p2'], index: ['i1'], key: ['k'], snapshot: ['s1'] }),
          store({ data: ['p1'], key: ['k'] }),
        ],
        { liveIndexes: ['i1'], referencedPacks: ['p1', 'p2'] },
      ),
    );
    expect(names(p[0].copy)).toEqual([]);
    expect(names(p[1].copy)).toEqual(['data/p2', 'index/i1', 'snapshot/s1']);
    expect(p[1].remove).toEqual([]);
  });

  it('copies a snapshot written only to the mirror (the primary was down) back to the primary, with its data', () => {
    const p = planSync(
      facts(
        [
          store({ data: ['p1'], index: ['i1'], snapshot: ['s1'] }),
          store({ data: ['p1', 'p2'], index: ['i1', 'i2'], snapshot: ['s1', 's2'] }),
        ],
        { liveIndexes: ['i1', 'i2'], referencedPacks: ['p1', 'p2'] },
      ),
    );
    expect(names(p[0].copy)).toEqual(['data/p2', 'index/i2', 'snapshot/s2']);
    expect(names(p[1].copy)).toEqual([]);
  });

  it('removes superseded indexes everywhere and, from mirrors, the unreferenced packs the primary dropped', () => {
    const p = planSync(
      facts(
        [
          store({ data: ['p1', 'orphan-on-primary'], index: ['new'] }),
          store({ data: ['p1', 'pruned', 'orphan-on-primary'], index: ['old', 'new'] }),
        ],
        { liveIndexes: ['new'], supersededIndexes: ['old'], referencedPacks: ['p1'] },
      ),
    );
    expect(names(p[1].remove)).toEqual(['index/old', 'data/pruned']);
    // An unreferenced pack the primary still has is prune's to judge, and is not copied either.
    expect(names(p[1].copy)).toEqual([]);
    expect(names(p[0].remove)).toEqual([]);
  });

  it('removes no pack while an index cannot be read anywhere (what it lists is unknown)', () => {
    const p = planSync(facts([store({}), store({ data: ['p9'] })], { indexesDamaged: true }));
    expect(p[1].remove).toEqual([]);
  });
});
