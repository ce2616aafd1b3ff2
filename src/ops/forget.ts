// Retention: forget removes the snapshots no policy keeps (optionally then prunes); prune removes the data no
// snapshot references. Both hold the exclusive lock.
import type { AppConfig } from '../config/schema.js';
import { prune, type PruneOptions, type PruneResult } from '../repository/prune.js';
import type { Repository } from '../repository/repository.js';
import { retentionWarning } from '../repository/write-order.js';
import { type GroupPlan, planForget } from '../retention/groups.js';
import type { Policy } from '../retention/policy.js';
import { throwIfAborted } from '../util/scope.js';
import type { OpContext } from './context.js';
import { type RepoSpec, withRepository } from './repo.js';

export interface ForgetInput {
  /** Only this app's snapshots. */
  app?: string;
  /** The config's apps, for their policies (none without a config). */
  apps: AppConfig[];
  /** --keep-* rules: replace every group's policy when given. */
  policy?: Policy;
  dryRun?: boolean;
  /** Then prune (repacking packs at least this fraction unused). */
  prune?: boolean;
  repackUnused?: number;
  lockWaitMs?: number;
}

export interface ForgetResult {
  outcome: 'ok';
  groups: GroupPlan[];
  removed: string[];
  dryRun: boolean;
  prune?: PruneSummary;
}

export async function forget(spec: RepoSpec, input: ForgetInput, ctx: OpContext): Promise<ForgetResult> {
  // A dry run without prune deletes nothing, so it needs no lock and no index.
  const lock = input.dryRun && !input.prune ? 'none' : 'exclusive';
  return withRepository(spec, ctx, { lock, waitMs: input.lockWaitMs ?? 0, index: !!input.prune }, async (repo) => {
    const all = (await repo.snapshots.list()).filter((s) => input.app === undefined || s.snapshot.app === input.app);
    const now = ctx.clock.now();
    const groups = planForget({ snapshots: all, apps: input.apps, flags: input.policy, now });
    ctx.emit({ type: 'phase', phase: 'forget', state: 'started' });
    for (const d of groups.flatMap((g) => g.decisions))
      if (d.aheadMs) ctx.emit({ type: 'warning', message: retentionWarning(d.ref, now) });
    const doomed = groups.flatMap((g) => g.decisions.filter((d) => !d.keep).map((d) => d.id));
    const removed: string[] = [];
    const forgetDoomed = async () => {
      if (!input.dryRun) {
        for (const id of doomed) {
          throwIfAborted(ctx.signal);
          await repo.remove({ type: 'snapshot', name: id });
          removed.push(id);
        }
      }
      ctx.emit({ type: 'phase', phase: 'forget', state: 'finished' });
    };
    if (!input.prune) {
      await forgetDoomed();
      return { outcome: 'ok', groups, removed, dryRun: !!input.dryRun };
    }
    // With prune, one pass: prune checks the repository (a damaged one is refused before anything is forgotten,
    // since the forgotten snapshots could not be brought back), counts the doomed snapshots' data as unused, and
    // forgets them just before it deletes anything.
    const pr = await pruneLocked(repo, ctx, {
      dryRun: input.dryRun,
      repackUnused: input.repackUnused,
      forget: { ids: new Set(doomed), beforeApply: forgetDoomed },
    });
    if (input.dryRun) await forgetDoomed(); // a dry run's prune stops before it would call it
    return { outcome: 'ok', groups, removed, dryRun: !!input.dryRun, prune: pr };
  });
}

export interface PruneInput {
  dryRun?: boolean;
  /** Repack packs at least this fraction unused (default 0.5). */
  repackUnused?: number;
  lockWaitMs?: number;
}

/** What a prune did (or would do), in numbers. */
export interface PruneSummary {
  outcome: 'ok';
  dryRun: boolean;
  packsRemoved: number;
  packsRepacked: number;
  orphanPacks: number;
  packsWritten: number;
  bytesRemovable: number;
  bytesWritten: number;
  bytesReclaimed: number;
  leftoverBytes: number;
}

export async function pruneRepository(spec: RepoSpec, input: PruneInput, ctx: OpContext): Promise<PruneSummary> {
  return withRepository(spec, ctx, { lock: 'exclusive', waitMs: input.lockWaitMs ?? 0 }, (repo) =>
    pruneLocked(repo, ctx, input),
  );
}

async function pruneLocked(
  repo: Repository,
  ctx: OpContext,
  input: PruneInput & Pick<PruneOptions, 'forget'>,
): Promise<PruneSummary> {
  ctx.emit({ type: 'phase', phase: 'prune', state: 'started' });
  const r = await prune(repo, {
    dryRun: input.dryRun,
    repackUnused: input.repackUnused,
    forget: input.forget,
    signal: ctx.signal,
    onStep: (message) => ctx.emit({ type: 'phase', phase: 'prune', state: 'finished', message }),
  });
  const s = summarizePrune(r);
  ctx.emit({ type: 'phase', phase: 'prune', state: 'finished' });
  return s;
}

function summarizePrune(r: PruneResult): PruneSummary {
  return {
    outcome: 'ok',
    dryRun: r.dryRun,
    packsRemoved: r.plan.remove.length,
    packsRepacked: r.plan.repack.length,
    orphanPacks: r.plan.orphans.length,
    packsWritten: r.packsWritten,
    bytesRemovable: r.plan.bytesRemovable,
    bytesWritten: r.bytesWritten,
    bytesReclaimed: r.plan.bytesRemovable - r.bytesWritten + r.leftoverBytes,
    leftoverBytes: r.leftoverBytes,
  };
}
