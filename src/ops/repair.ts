// Repairing a damaged repository: the index rebuilt from the pack headers, and snapshots that cannot be read or
// reference lost data set aside or rewritten. What is removed goes to quarantine, never away.
import {
  applyIndexRepair,
  applySnapshotRepair,
  type IndexRepairPlan,
  planIndexRepair,
  planSnapshotRepair,
  type SnapshotRepairPlan,
} from '../repository/repair.js';
import type { OpContext } from './context.js';
import { type RepoSpec, withRepository } from './repo.js';

export interface RepairInput {
  dryRun?: boolean;
  lockWaitMs?: number;
}

export async function repairIndex(
  spec: RepoSpec,
  input: RepairInput,
  ctx: OpContext,
): Promise<{ plan: IndexRepairPlan; done: Awaited<ReturnType<typeof applyIndexRepair>> | null }> {
  return withRepository(spec, ctx, { lock: 'exclusive', waitMs: input.lockWaitMs ?? 0, index: false }, async (repo) => {
    const plan = await planIndexRepair(repo, (message) => ctx.emit({ type: 'warning', message }));
    return { plan, done: input.dryRun ? null : await applyIndexRepair(repo, plan) };
  });
}

export async function repairSnapshots(
  spec: RepoSpec,
  input: RepairInput,
  ctx: OpContext,
): Promise<{ plan: SnapshotRepairPlan; done: Awaited<ReturnType<typeof applySnapshotRepair>> | null }> {
  return withRepository(spec, ctx, { lock: 'exclusive', waitMs: input.lockWaitMs ?? 0 }, async (repo) => {
    const plan = await planSnapshotRepair(repo);
    return { plan, done: input.dryRun ? null : await applySnapshotRepair(repo, plan) };
  });
}
