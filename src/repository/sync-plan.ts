// What `sync` does to each store of a mirrored repository (pure): from every store's listing and the live and
// superseded indexes of all of them, which objects each store must receive and which it must drop.
import type { FileType } from '../backends/backend.js';

/** The object types a sync makes equal; locks belong to their writer and quarantine to each store's repairs. */
export const SYNCED_TYPES = ['data', 'index', 'key', 'snapshot'] as const satisfies readonly FileType[];
export type SyncedType = (typeof SYNCED_TYPES)[number];

/** What one store holds: per type, object name → size. */
export type StoreListing = Record<SyncedType, Map<string, number>>;

export interface SyncFacts {
  /** Per store, primary first. */
  stores: StoreListing[];
  /** Index objects no other index supersedes, over all stores. */
  liveIndexes: ReadonlySet<string>;
  /** Index objects a later index supersedes (a prune's or repair's rewrite left them). */
  supersededIndexes: ReadonlySet<string>;
  /** Packs the live indexes list. */
  referencedPacks: ReadonlySet<string>;
  /** Some index could not be read from any store: what it lists is unknown, so no pack may be removed. */
  indexesDamaged: boolean;
}

export interface StoreActions {
  /** Objects to copy to this store, in write order (packs, indexes, keys, snapshots). */
  copy: { type: SyncedType; name: string; size: number }[];
  /** Objects to remove from it, in prune's order (indexes, then packs). */
  remove: { type: SyncedType; name: string }[];
}

/**
 * Per store: copy every key, snapshot and live index some store has, and every pack a live index lists; remove
 * superseded indexes everywhere, and packs no live index lists from stores other than the primary when the primary
 * has dropped them (what prune removed). An unreferenced pack the primary still holds is left for prune to judge.
 * Snapshots and keys are never removed: forget and key removal change every store, or refuse to run.
 */
export function planSync(f: SyncFacts): StoreActions[] {
  const union = unionOf(f.stores);
  const primary = f.stores[0];
  return f.stores.map((mine, i) => {
    const copy: StoreActions['copy'] = [];
    const remove: StoreActions['remove'] = [];
    const want = (type: SyncedType, name: string, size: number) => {
      if (!mine[type].has(name)) copy.push({ type, name, size });
    };
    for (const [name, size] of union.data) if (f.referencedPacks.has(name)) want('data', name, size);
    for (const [name, size] of union.index) if (f.liveIndexes.has(name)) want('index', name, size);
    for (const [name, size] of union.key) want('key', name, size);
    for (const [name, size] of union.snapshot) want('snapshot', name, size);
    for (const name of mine.index.keys()) if (f.supersededIndexes.has(name)) remove.push({ type: 'index', name });
    if (i > 0 && !f.indexesDamaged) {
      for (const name of mine.data.keys()) {
        if (!f.referencedPacks.has(name) && !primary.data.has(name)) remove.push({ type: 'data', name });
      }
    }
    return { copy, remove };
  });
}

function unionOf(stores: StoreListing[]): StoreListing {
  const u: StoreListing = { data: new Map(), index: new Map(), key: new Map(), snapshot: new Map() };
  for (const s of stores) {
    for (const t of SYNCED_TYPES) for (const [n, size] of s[t]) if (!u[t].has(n)) u[t].set(n, size);
  }
  return u;
}
