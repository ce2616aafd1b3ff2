// `sync` applied: brings every store of a mirrored repository up to date (sync-plan.ts decides what), copying
// each object from a store whose copy verifies, and with `repair` first reading every object to find damaged ones.
import type { Backend, FileType, Handle } from '../backends/backend.js';
import { isStrongboxError, StrongboxError, systemReason } from '../errors.js';
import { mapLimit } from '../util/concurrency.js';
import { throwIfAborted } from '../util/scope.js';
import { sha256Hex } from './crypto.js';
import { parseKeyFile } from './keys.js';
import { quarantineName } from './quarantine.js';
import { listStore, storeFailure } from './stores.js';
import { type OrphanSnapshot, orphanSnapshots } from './sync-orphans.js';
import type { Repository } from './repository.js';
import { planSync, type StoreActions, type StoreListing, SYNCED_TYPES, type SyncedType } from './sync-plan.js';

export interface StoreSyncResult {
  location: string;
  /** The store held no repository and was given the config and keys. */
  initialized: boolean;
  copied: Record<SyncedType, number>;
  bytesCopied: number;
  /**
   * Objects whose copy on this store was damaged and was rewritten from a good one: with `repair` any, without it
   * those whose size differed from another store's copy (an upload cut short where writes are not atomic).
   */
  repaired: string[];
  removed: number;
}

export interface SyncResult {
  stores: StoreSyncResult[];
  /**
   * Snapshots some stores lacked whose data is gone from the others (forgotten and pruned without those stores):
   * not copied, and moved to quarantine where they were, so the stores agree again.
   */
  quarantined: OrphanSnapshot[];
  /** Objects no store holds a good copy of, and failures to write; each names the object and every store. */
  errors: string[];
}

export interface SyncOptions {
  /** Read every object on every store and rewrite the copies that fail verification. */
  repair?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

const CONFIG: Handle = { type: 'config', name: 'config' };
const COPIES_IN_FLIGHT = 4;
const HASHED: ReadonlySet<FileType> = new Set(['data', 'index', 'snapshot']);

/**
 * Give every store that holds no repository the primary's config and keys (keys first: a config makes a location
 * a repository). A store holding another repository is refused. Runs before the lock, which needs the layout.
 */
export async function initializeStores(repo: Repository): Promise<Backend[]> {
  // Sync reads from whichever store has an object, on purpose: what it copies is its report, not a warning each.
  repo.reportFallbacks = false;
  const stores = repo.stores;
  if (stores.length < 2) return [];
  const config = await repo.load(CONFIG);
  const fresh: Backend[] = [];
  for (const store of stores) {
    let mine: Buffer | null = null;
    try {
      mine = await store.load(CONFIG);
    } catch (e) {
      if (!store.isNotFound(e)) throw storeFailure(store, 'reading its config', e);
    }
    if (mine?.equals(config)) continue;
    if (mine) {
      throw new StrongboxError(
        'CONFIG',
        `the store ${store.location} holds another repository than ${repo.location}, ` +
          "or a damaged config (its config differs from the primary's): a mirror must be empty or a copy of the same " +
          "repository; compare the two configs (strongbox cat config, with -r on each) and, if the mirror's is " +
          "damaged, replace it with the primary's",
      );
    }
    try {
      await store.create();
      for await (const k of repo.backend.list('key')) {
        const h = { type: 'key' as const, name: k.name };
        await store.save(h, await repo.load(h));
      }
      await store.save(CONFIG, config);
    } catch (e) {
      throw storeFailure(store, 'initialising it as a mirror', e);
    }
    fresh.push(store);
  }
  return fresh;
}

/** Sync every store of `repo` (which must hold the exclusive lock; the caller ran initializeStores). */
export async function syncStores(repo: Repository, fresh: Backend[], opts: SyncOptions = {}): Promise<SyncResult> {
  const stores = repo.stores;
  const listings = await Promise.all(stores.map((s) => listStore(s)));
  // Without repair only the copies whose size disagrees with another store's are read: a name alone does not say
  // that a copy is whole (a killed upload can leave a short object on a store that does not write atomically).
  const repaired = await findDamaged(repo, listings, opts, opts.repair ? undefined : sizeConflicts(listings));
  const indexes = await repo.readIndexes();
  const referenced = new Set(indexes.live.flatMap((i) => i.idx.packs.map((p) => p.packId)));
  // Set aside before planning: a snapshot whose data is gone must not be copied to the stores that dropped it.
  const orphans = await orphanSnapshots(repo, listings, indexes.live);
  for (const o of orphans) await setAside(repo, o.id, listings);
  const plan = planSync({
    stores: listings,
    liveIndexes: new Set(indexes.live.map((i) => i.name)),
    supersededIndexes: new Set(indexes.superseded),
    referencedPacks: referenced,
    indexesDamaged: indexes.damaged.length > 0,
  });
  const errors = indexes.damaged.map((d) => `${d.message} (no store holds a good copy; no pack is removed)`);
  // A damaged copy on every store that holds it: nothing to repair it from.
  const byObject = new Map<string, string[]>();
  repaired.forEach((list, i) => list.forEach((o) => byObject.set(o, [...(byObject.get(o) ?? []), stores[i].location])));
  for (const [o, where] of byObject) {
    const [type, name] = o.split('/') as [SyncedType, string];
    if (listings.some((l) => l[type].has(name))) continue;
    if (type === 'data' && !referenced.has(name)) continue;
    errors.push(`${o} is damaged on every store that holds it (${where.join(', ')}): no good copy to repair it from`);
  }
  const results: StoreSyncResult[] = stores.map((s, i) => ({
    location: s.location,
    initialized: fresh.includes(s),
    copied: { data: 0, index: 0, key: 0, snapshot: 0 },
    bytesCopied: 0,
    repaired: repaired[i],
    removed: 0,
  }));
  const total = plan.reduce((a, p) => a + p.copy.length + p.remove.length, 0);
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);
  // Write order on every store: packs, then indexes, keys, snapshots; then removals (indexes before packs).
  for (const type of SYNCED_TYPES) {
    await Promise.all(
      stores.map((store, i) => {
        const todo = plan[i].copy.filter((c) => c.type === type);
        // Each copy holds a whole object (a pack of up to 128 MiB) in memory: a few at a time per store.
        return mapLimit(todo, Math.min(COPIES_IN_FLIGHT, store.capabilities.connections), async (c) => {
          throwIfAborted(opts.signal);
          const why = await copyOne(repo, store, c, listings, results[i]);
          if (why) errors.push(`${store.location}: ${why}`);
          tick();
        });
      }),
    );
  }
  for (const [i, store] of stores.entries()) {
    for (const r of plan[i].remove) {
      throwIfAborted(opts.signal);
      try {
        await store.remove(r);
      } catch (e) {
        throw storeFailure(store, `removing ${r.type}/${r.name}`, e);
      }
      results[i].removed++;
      tick();
    }
  }
  return { stores: results, errors, quarantined: orphans };
}

/** Move snapshot `id` to quarantine on every store that holds it (quarantine.ts naming), and out of the listings. */
async function setAside(repo: Repository, id: string, listings: StoreListing[]): Promise<void> {
  const h = { type: 'snapshot' as const, name: id };
  for (const [i, store] of repo.stores.entries()) {
    if (!listings[i].snapshot.has(id)) continue;
    try {
      await store.save({ type: 'quarantine', name: quarantineName(h, repo.clock.now()) }, await store.load(h));
      await store.remove(h);
    } catch (e) {
      throw storeFailure(store, `moving snapshot ${id} to quarantine`, e);
    }
    listings[i].snapshot.delete(id);
  }
}

/** Copy one object to `store` from a copy that verifies, and check the stored size; the failure, or null. */
async function copyOne(
  repo: Repository,
  store: Backend,
  c: StoreActions['copy'][number],
  listings: StoreListing[],
  result: StoreSyncResult,
): Promise<string | null> {
  const h = { type: c.type, name: c.name };
  try {
    const bytes = await goodCopy(repo, h, listings, store);
    await store.save(h, bytes);
    const st = await store.stat(h);
    if (st.size !== bytes.length) return `${c.type}/${c.name}: stored ${st.size} bytes of ${bytes.length}`;
    result.copied[c.type]++;
    result.bytesCopied += bytes.length;
    return null;
  } catch (e) {
    // No good copy anywhere, or this store refused the write: named, and the sync goes on with the rest.
    if (!isStrongboxError(e, 'INTEGRITY') && !isStrongboxError(e, 'BACKEND')) throw e;
    return e.message;
  }
}

/** The object's bytes from the first store (primary first) whose copy verifies; never from `target`. */
async function goodCopy(repo: Repository, h: Handle, listings: StoreListing[], target: Backend): Promise<Buffer> {
  const reasons: string[] = [];
  for (const [i, store] of repo.stores.entries()) {
    if (store === target || !listings[i][h.type as SyncedType].has(h.name)) continue;
    let bytes: Buffer;
    try {
      bytes = await store.load(h);
    } catch (e) {
      reasons.push(`${store.location}: ${store.isNotFound(e) ? 'missing' : systemReason(e)}`);
      continue;
    }
    const bad = verify(h, bytes);
    if (bad === null) return bytes;
    reasons.push(`${store.location}: ${bad}`);
  }
  const why = reasons.join('; ') || 'no store holds it';
  throw new StrongboxError('INTEGRITY', `${h.type}/${h.name} has no good copy to sync from (${why})`);
}

/** Why the bytes are not a good copy of the object, or null. Key files are not named by content: they must parse. */
function verify(h: Handle, bytes: Buffer): string | null {
  if (HASHED.has(h.type)) return sha256Hex(bytes) === h.name ? null : 'content does not match its name (damaged)';
  try {
    parseKeyFile(bytes, h.name);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Content-addressed objects ("type/name") whose listed size is not the same on every store that holds them: which
 * copy is bad only reading them tells.
 */
function sizeConflicts(listings: StoreListing[]): Set<string> {
  const out = new Set<string>();
  for (const type of SYNCED_TYPES) {
    if (!HASHED.has(type)) continue;
    const sizes = new Map<string, number>();
    for (const l of listings) {
      for (const [name, size] of l[type]) {
        const seen = sizes.get(name);
        if (seen === undefined) sizes.set(name, size);
        else if (seen !== size) out.add(`${type}/${name}`);
      }
    }
  }
  return out;
}

/**
 * Read every object on every store (or those in `only`, "type/name"). A copy that fails verification is taken out
 * of its store's listing, so the plan copies a good one over it (where the object is still wanted); returns the
 * damaged copies per store.
 */
async function findDamaged(
  repo: Repository,
  listings: StoreListing[],
  opts: SyncOptions,
  only?: ReadonlySet<string>,
): Promise<string[][]> {
  const damaged: string[][] = repo.stores.map(() => []);
  for (const [i, store] of repo.stores.entries()) {
    for (const type of SYNCED_TYPES) {
      const names = [...listings[i][type].keys()].filter((n) => only === undefined || only.has(`${type}/${n}`));
      await mapLimit(names, Math.min(COPIES_IN_FLIGHT, store.capabilities.connections), async (name) => {
        throwIfAborted(opts.signal);
        const h = { type, name };
        let why: string | null;
        try {
          why = verify(h, await store.load(h));
        } catch (e) {
          if (!store.isNotFound(e)) throw storeFailure(store, `reading ${type}/${name}`, e);
          why = 'missing';
        }
        if (why === null) return;
        damaged[i].push(`${type}/${name}`);
        listings[i][type].delete(name);
      });
    }
  }
  return damaged;
}
