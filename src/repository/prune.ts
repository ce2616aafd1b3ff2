// `prune`: remove data no snapshot references. Planning (which packs to delete, repack or keep) is pure;
// applying follows a write order that leaves a checkable repository if killed at any point
// (format doc, "Prune"): new packs → new indexes → an index superseding the old ones → delete old
// indexes → delete packs. It runs under an exclusive lock, so no backup can add references meanwhile.
import { throwIfAborted } from '../util/scope.js';
import { StrongboxError } from '../errors.js';
import type { IndexPack } from './index-file.js';
import { writeIndexSet } from './index-write.js';
import { SEAL_OVERHEAD } from './crypto.js';
import { PACK_ENTRY_LEN } from './pack.js';
import { Packer } from './packer.js';
import type { Repository } from './repository.js';
import { mapLimit } from '../util/concurrency.js';

export interface PackUse {
  packId: string;
  size: number;
  /** Entries of blobs that are used and whose chosen copy is in this pack. */
  used: IndexPack['entries'];
  usedBytes: number;
  totalBytes: number;
}

export interface PrunePlan {
  remove: string[];
  repack: PackUse[];
  keep: PackUse[];
  /** Packs in storage that no index lists (an interrupted backup's). */
  orphans: string[];
  bytesRemovable: number;
}

/** Pure: a pack with nothing used goes; one whose unused share is at least `repackUnused` (0–1) is repacked. */
export function planPrune(packs: PackUse[], orphans: { id: string; size: number }[], repackUnused: number): PrunePlan {
  const plan: PrunePlan = {
    remove: [],
    repack: [],
    keep: [],
    orphans: orphans.map((o) => o.id),
    bytesRemovable: orphans.reduce((a, o) => a + o.size, 0),
  };
  for (const p of packs) {
    if (p.used.length === 0) {
      plan.remove.push(p.packId);
      plan.bytesRemovable += p.size;
    } else if ((p.totalBytes - p.usedBytes) / p.totalBytes >= repackUnused && p.totalBytes > p.usedBytes) {
      plan.repack.push(p);
      plan.bytesRemovable += p.totalBytes - p.usedBytes;
    } else plan.keep.push(p);
  }
  return plan;
}

/**
 * A set of blobs of the repository's index, one bit each (by index position): a million used blobs in 128 KiB, where
 * a set of their hex IDs would take some 100 MiB.
 */
export class UsedBlobs {
  private readonly bits: Uint8Array;
  constructor(private readonly repo: Repository) {
    this.bits = new Uint8Array((repo.index.size >>> 3) + 1);
  }
  /** False (nothing added) when the blob is not in the index. */
  add(id: string | Buffer): boolean {
    const i = this.repo.index.position(typeof id === 'string' ? Buffer.from(id, 'hex') : id);
    if (i < 0) return false;
    this.bits[i >>> 3] |= 1 << (i & 7);
    return true;
  }
  has(id: string | Buffer): boolean {
    const i = this.repo.index.position(typeof id === 'string' ? Buffer.from(id, 'hex') : id);
    return i >= 0 && (this.bits[i >>> 3] & (1 << (i & 7))) !== 0;
  }
}

/**
 * Every blob any snapshot references (trees, file contents, dumps); a missing one stops the prune. Snapshots in
 * `except` (about to be forgotten) are left out, so their data counts as unused.
 */
export async function usedBlobs(repo: Repository, except: ReadonlySet<string> = new Set()): Promise<UsedBlobs> {
  const used = new UsedBlobs(repo);
  const need = (id: string, what: string) => {
    if (!used.add(id)) {
      throw new StrongboxError(
        'INTEGRITY',
        `${what} references blob ${id}, which is not in the index: not pruning a damaged repository; run 'strongbox check'`,
      );
    }
  };
  const walk = async (tree: string, what: string): Promise<void> => {
    if (used.has(tree)) return;
    need(tree, what);
    for (const n of (await repo.loadTree(tree)).nodes) {
      for (const id of n.content ?? []) need(id, `${what}/${n.name}`);
      if (n.type === 'dir' && n.subtree) await walk(n.subtree, `${what}/${n.name}`);
    }
  };
  const { snapshots, damaged } = await repo.snapshots.read();
  if (damaged.length) {
    // What a damaged snapshot references is unknown: pruning now could delete the data it still needs.
    throw new StrongboxError(
      'INTEGRITY',
      `${damaged.map((d) => d.message).join('; ')}: not pruning a damaged repository;` +
        ` run 'strongbox repair snapshots', which moves unreadable snapshots to quarantine`,
    );
  }
  for (const s of snapshots) {
    if (except.has(s.id)) continue;
    // Every tree a component holds (file trees, buckets) and every blob list (dumps), whatever the kind: a kind
    // this version does not know may still reference data (format doc, "Snapshots").
    for (const c of s.snapshot.components as { kind: string; name: string; tree?: unknown; content?: unknown }[]) {
      if (typeof c.tree === 'string') await walk(c.tree, `snapshot ${s.id.slice(0, 8)} ${c.kind} ${c.name}`);
      if (Array.isArray(c.content))
        for (const id of c.content as string[]) need(id, `snapshot ${s.id.slice(0, 8)} ${c.kind} ${c.name}`);
    }
  }
  return used;
}

export interface PruneResult {
  plan: PrunePlan;
  packsWritten: number;
  bytesWritten: number;
  indexesRemoved: number;
  /** Bytes of partial uploads (temporary files of killed writers) removed. */
  leftoverBytes: number;
  dryRun: boolean;
}

export interface PruneOptions {
  repackUnused?: number;
  dryRun?: boolean;
  signal?: AbortSignal;
  onStep?: (m: string) => void;
  /**
   * `forget --prune` in one pass: these snapshots' data counts as unused, and `beforeApply` (which removes them) runs
   * after every check has passed and before anything else is deleted, so a damaged repository loses no snapshot.
   */
  forget?: { ids: ReadonlySet<string>; beforeApply: () => Promise<void> };
}

export async function prune(repo: Repository, opts: PruneOptions = {}): Promise<PruneResult> {
  const step = opts.onStep ?? (() => {});
  const indexes = await repo.readIndexes();
  // Packs only a damaged index lists would look unreferenced, and be deleted.
  const bad = indexes.damaged[0];
  if (bad)
    throw new StrongboxError(
      'INTEGRITY',
      `${bad.message}: not pruning a damaged repository; run 'strongbox repair index'`,
    );
  const indexNames = [...indexes.live.map((i) => i.name), ...indexes.superseded];
  const listed = new Map<string, IndexPack>();
  for (const { idx } of indexes.live) for (const p of idx.packs) if (!listed.has(p.packId)) listed.set(p.packId, p);
  const stored = new Map<string, number>();
  for await (const f of repo.backend.list('data')) stored.set(f.name, f.size);
  for (const id of listed.keys()) {
    if (!stored.has(id))
      throw new StrongboxError(
        'INTEGRITY',
        `pack ${id} is listed in the index but missing from storage: not pruning a damaged repository; run 'strongbox check'`,
      );
  }
  const used = await usedBlobs(repo, opts.forget?.ids);
  const bytes = (es: IndexPack['entries']) => es.reduce((a, e) => a + e.length + PACK_ENTRY_LEN, 0);
  const uses: PackUse[] = [...listed.values()].map((p) => {
    // Decoded from the index body when read, not held: a million used blobs must not be a million objects here.
    const mine = () => p.entries.filter((e) => used.has(e.id) && repo.index.get(e.id)?.packId === p.packId);
    return {
      packId: p.packId,
      size: stored.get(p.packId)!,
      get used() {
        return mine();
      },
      usedBytes: bytes(mine()),
      totalBytes: bytes(p.entries) + SEAL_OVERHEAD + 4,
    };
  });
  const orphans = [...stored].filter(([id]) => !listed.has(id)).map(([id, size]) => ({ id, size }));
  const plan = planPrune(uses, orphans, opts.repackUnused ?? 0.5);
  const result: PruneResult = {
    plan,
    packsWritten: 0,
    bytesWritten: 0,
    indexesRemoved: 0,
    leftoverBytes: 0,
    dryRun: !!opts.dryRun,
  };
  if (opts.dryRun) return result;
  await opts.forget?.beforeApply();
  // Partial uploads of killed backups: no writer runs while prune holds the exclusive lock.
  result.leftoverBytes = (await repo.backend.removeLeftovers?.()) ?? 0;
  const staleIndexes = indexes.superseded;
  if (!plan.remove.length && !plan.repack.length && !plan.orphans.length && !staleIndexes.length) return result;

  // 1. Copy the used blobs of packs being repacked into new packs (each checked by decryption first).
  const packer = new Packer(repo, 1, { ignoreIndex: true });
  for (const p of plan.repack) {
    throwIfAborted(opts.signal);
    const bytes = await repo.load({ type: 'data', name: p.packId });
    for (const e of p.used) {
      const sealed = bytes.subarray(e.offset, e.offset + e.length);
      repo.decodeBlob(e.id, sealed, e.compressed, p.packId);
      await packer.addSealed(e.type, e.id, Buffer.from(sealed), e.rawLength, e.compressed);
    }
  }
  await packer.flush();
  result.packsWritten = packer.stats.packs;
  result.bytesWritten = packer.stats.bytesStored;
  if (plan.repack.length) step(`repacked ${plan.repack.length} packs into ${packer.stats.packs}`);
  // 2. Index the kept packs anew, then supersede every old index in one last object. Cancelled before this,
  // prune leaves only unreferenced new packs, which the next prune removes; after it, it finishes.
  throwIfAborted(opts.signal);
  await writeIndexSet(
    repo,
    plan.keep.map((u) => listed.get(u.packId)!),
    indexNames,
  );
  // 3. Only now delete: old indexes, then the packs nothing points at any more.
  for (const name of indexNames) {
    await repo.backend.remove({ type: 'index', name });
    result.indexesRemoved++;
  }
  const doomed = [...plan.remove, ...plan.repack.map((p) => p.packId), ...plan.orphans];
  await mapLimit(doomed, 4, (id) => repo.backend.remove({ type: 'data', name: id }));
  step(`removed ${doomed.length} packs`);
  return result;
}
