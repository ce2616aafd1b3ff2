// `repair index`: rebuild the index from the packs' own headers (as restic does), for when index objects
// are damaged or lost. Planning reads only; applying writes the new index set and moves what it replaces
// to quarantine (format doc, "Repair"). `repair snapshots` lives in repair-snapshots.ts.
import { isStrongboxError, StrongboxError } from '../errors.js';
import type { IndexPack } from './index-file.js';
import { writeIndexSet } from './index-write.js';
import { readPackHeader } from './pack.js';
import { quarantine } from './quarantine.js';
import type { DamagedObject, Repository, Warn } from './repository.js';
import { mapLimit } from '../util/concurrency.js';

export {
  applySnapshotRepair,
  planSnapshotRepair,
  type SnapshotRepairPlan,
  type SnapshotRewrite,
} from './repair-snapshots.js';

export interface IndexRepairPlan {
  /** Every pack whose header reads and verifies, with its entries: the content of the new index. */
  packs: IndexPack[];
  /** Packs whose header does not read or verify: not indexed, moved to quarantine. */
  damagedPacks: DamagedObject[];
  /** Every index object there is now (readable or not): superseded, then moved to quarantine. */
  oldIndexes: string[];
  /** Old index objects that do not read or verify. */
  damagedIndexes: DamagedObject[];
  blobs: number;
}

/** Read every pack's header (two range reads per pack); nothing is written. */
export async function planIndexRepair(repo: Repository, warn: Warn = () => {}): Promise<IndexRepairPlan> {
  const oldIndexes: string[] = [];
  for await (const f of repo.backend.list('index')) oldIndexes.push(f.name);
  await repo.loadIndex(); // only to learn which old indexes are damaged
  const damagedIndexes = repo.damagedIndexes;
  const stored: { name: string; size: number }[] = [];
  for await (const f of repo.backend.list('data')) stored.push(f);
  const damagedPacks: DamagedObject[] = [];
  const read = await mapLimit(stored, 4, async ({ name, size }) => {
    try {
      return { packId: name, entries: await readHeaderOf(repo, name, size) };
    } catch (e) {
      if (!isStrongboxError(e, 'INTEGRITY')) throw e;
      damagedPacks.push({ type: 'data', name, message: e.message });
      warn(`${e.message}: not indexing it; it is moved to quarantine`);
      return null;
    }
  });
  const packs = read.filter((p) => p !== null);
  return { packs, damagedPacks, oldIndexes, damagedIndexes, blobs: packs.reduce((a, p) => a + p.entries.length, 0) };
}

async function readHeaderOf(repo: Repository, packId: string, size: number) {
  const what = `pack ${packId}`;
  if (size < 4) throw new StrongboxError('INTEGRITY', `${what}: too short to hold a header (${size} bytes)`);
  const hlen = (await repo.load({ type: 'data', name: packId }, { offset: size - 4, length: 4 })).readUInt32LE(0);
  if (hlen + 4 > size) throw new StrongboxError('INTEGRITY', `${what}: header length ${hlen} is out of range`);
  const tail = await repo.load({ type: 'data', name: packId }, { offset: size - 4 - hlen, length: hlen + 4 });
  return readPackHeader(tail, size, repo.key.encKey, packId);
}

export interface IndexRepairResult {
  indexesWritten: string[];
  /** Quarantine names of the old indexes and damaged packs moved aside. */
  quarantined: string[];
}

/**
 * Write order as prune's: the new index objects, then one superseding every old index, and only then the
 * old indexes and damaged packs move to quarantine. Killed at any point, readers see the old or the new set.
 */
export async function applyIndexRepair(repo: Repository, plan: IndexRepairPlan): Promise<IndexRepairResult> {
  const indexesWritten = await writeIndexSet(repo, plan.packs, plan.oldIndexes);
  const quarantined: string[] = [];
  for (const name of plan.oldIndexes) quarantined.push(await quarantine(repo, { type: 'index', name }));
  for (const d of plan.damagedPacks) quarantined.push(await quarantine(repo, { type: 'data', name: d.name }));
  await repo.loadIndex();
  return { indexesWritten, quarantined };
}
