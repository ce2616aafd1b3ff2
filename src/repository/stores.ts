// The stores of a mirrored repository side by side: what each holds (listings only, no object read), and how each
// compares with the others (status). Sync plans from the same listings.
import type { Backend } from '../backends/backend.js';
import { StrongboxError, systemReason } from '../errors.js';
import type { Repository } from './repository.js';
import { type StoreListing, SYNCED_TYPES, type SyncedType } from './sync-plan.js';

/** What one store holds of each synced type (name → size); a store that does not answer is a BACKEND error. */
export async function listStore(store: Backend): Promise<StoreListing> {
  const out = {} as StoreListing;
  for (const t of SYNCED_TYPES) {
    out[t] = new Map();
    try {
      for await (const f of store.list(t)) out[t].set(f.name, f.size);
    } catch (e) {
      throw storeFailure(store, `listing its ${t} objects`, e);
    }
  }
  return out;
}

/** How one store compares with the others: what it lacks that another has, or that it does not answer. */
export interface StoreHealth {
  location: string;
  state: 'ok' | 'behind' | 'unreachable';
  /** Objects of each type that another store has and this one lacks. */
  missing: Record<SyncedType, number>;
  /** Snapshots it lacks (IDs). */
  missingSnapshots: string[];
  reason?: string;
}

/** Every store's listing compared with the union of them all (status); no object is read. */
export async function storeHealth(repo: Repository): Promise<StoreHealth[]> {
  const stores = repo.stores;
  // A store that already failed in this command is not asked again (its retries took long enough once).
  const known = new Map(repo.storeFaults().map((f) => [f.store, f.reason]));
  const listings = await Promise.all(
    stores.map((s) =>
      known.has(s.location)
        ? Promise.resolve(new Error(known.get(s.location)))
        : listStore(s).catch((e: unknown) => e as Error),
    ),
  );
  const ok = listings.filter((l): l is StoreListing => !(l instanceof Error));
  return stores.map((s, i) => {
    const l = listings[i];
    const missing = { data: 0, index: 0, key: 0, snapshot: 0 };
    if (l instanceof Error) {
      return { location: s.location, state: 'unreachable', missing, missingSnapshots: [], reason: l.message };
    }
    const missingSnapshots: string[] = [];
    for (const t of SYNCED_TYPES) {
      const lacks = new Set(ok.flatMap((o) => [...o[t].keys()]).filter((n) => !l[t].has(n)));
      missing[t] = lacks.size;
      if (t === 'snapshot') missingSnapshots.push(...lacks);
    }
    const behind = SYNCED_TYPES.some((t) => missing[t] > 0);
    return { location: s.location, state: behind ? 'behind' : 'ok', missing, missingSnapshots };
  });
}

/** A BACKEND error naming the store and what failed on it. */
export function storeFailure(store: Backend, what: string, e: unknown): StrongboxError {
  return new StrongboxError('BACKEND', `store ${store.location}: ${what} failed: ${systemReason(e)}`, { cause: e });
}
