// Snapshots `sync` must not spread: one that some store lacks and whose data the stores' live indexes no longer all
// list was forgotten and pruned where the others were (a forget run without the mirrors). Copied, it would be broken.
import { isStrongboxError } from '../errors.js';
import type { IndexFile } from './index-file.js';
import type { Repository } from './repository.js';
import type { StoreListing } from './sync-plan.js';

/** A snapshot left behind on some stores, and what it references that no store's live index lists. */
export interface OrphanSnapshot {
  id: string;
  /** Stores that hold it. */
  stores: string[];
  reason: string;
}

/**
 * Among the snapshots some store lacks, those that reference data the live indexes do not list (their trees walked).
 * `live` are the live index objects of all stores; the repository's in-memory index is filled from them.
 */
export async function orphanSnapshots(
  repo: Repository,
  listings: StoreListing[],
  live: { idx: IndexFile }[],
): Promise<OrphanSnapshot[]> {
  const all = new Set(listings.flatMap((l) => [...l.snapshot.keys()]));
  const candidates = [...all].filter((id) => listings.some((l) => !l.snapshot.has(id)));
  if (!candidates.length) return [];
  for (const { idx } of live) {
    for (const p of idx.packs) for (const e of p.entries) repo.index.add(e.id, { ...e, packId: p.packId });
  }
  const out: OrphanSnapshot[] = [];
  for (const id of candidates) {
    const missing = await firstMissing(repo, id);
    if (missing === null) continue;
    const stores = repo.stores.filter((_, i) => listings[i].snapshot.has(id)).map((s) => s.location);
    out.push({ id, stores, reason: missing });
  }
  return out;
}

/** The first object snapshot `id` needs that the index does not list, or null when it has everything. */
async function firstMissing(repo: Repository, id: string): Promise<string | null> {
  const has = (blob: string) => repo.index.has(Buffer.from(blob, 'hex'));
  const seen = new Set<string>();
  const walk = async (tree: string): Promise<string | null> => {
    if (seen.has(tree)) return null;
    seen.add(tree);
    if (!has(tree)) return `tree ${tree}`;
    let nodes;
    try {
      nodes = (await repo.loadTree(tree)).nodes;
    } catch (e) {
      if (!isStrongboxError(e, 'INTEGRITY')) throw e;
      return `tree ${tree} (${e.message})`;
    }
    for (const n of nodes) {
      const blob = n.content?.find((b) => !has(b));
      if (blob) return `blob ${blob}`;
      const sub = n.subtree ? await walk(n.subtree) : null;
      if (sub) return sub;
    }
    return null;
  };
  for (const c of (await repo.snapshots.load(id)).components) {
    if (c.kind === 'files') {
      const miss = await walk(c.tree);
      if (miss) return miss;
    } else if (c.kind === 'database') {
      const blob = c.content.find((b) => !has(b));
      if (blob) return `blob ${blob}`;
    }
  }
  return null;
}
