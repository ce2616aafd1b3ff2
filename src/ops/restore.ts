// Restore of a snapshot (or SNAPSHOT:subpath) into a directory. A file whose data cannot be had is left out and
// named, the rest is restored, and the outcome is 'incomplete'.
import { restore, type RestoreFailure, type RestoreStats } from '../restore/restorer.js';
import { selectSubpath, splitSnapshotArg } from '../restore/select.js';
import type { Periodicity } from '../repository/snapshot.js';
import type { OpContext } from './context.js';
import { type RepoSpec, SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';
import { resolveRef } from './snapshots.js';

export interface RestoreInput {
  /** 'latest' or an ID prefix, optionally followed by :subpath. */
  snapshot: string;
  target: string;
  /** With 'latest': the newest of this periodicity. */
  periodicity?: Periodicity;
  overwrite?: boolean;
  verify?: boolean;
  /** Stop at the first file that cannot be restored (an INTEGRITY error). */
  failFast?: boolean;
  lockWaitMs?: number;
}

export interface RestoreResult extends RestoreStats {
  /** 'incomplete': the files in `failed` were not restored (nothing is under their names); all others were. */
  outcome: 'ok' | 'incomplete';
  snapshot: string;
  subpath: string;
  target: string;
  verified: boolean;
  failed: RestoreFailure[];
  /** With mirrors: what a mirror served because the primary lacked it or held a damaged copy (also warned). */
  fallbacks?: string[];
}

export async function restorePaths(spec: RepoSpec, input: RestoreInput, ctx: OpContext): Promise<RestoreResult> {
  const { ref, subpath } = splitSnapshotArg(input.snapshot);
  // A shared lock: a prune must not delete packs while they are read.
  return withRepository(
    spec,
    ctx,
    { lock: 'shared', waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS },
    async (repo) => {
      const snap = await resolveRef(repo, ref, { periodicity: input.periodicity });
      const sel = await selectSubpath(repo, snap, subpath);
      ctx.emit({ type: 'phase', phase: 'restore', state: 'started' });
      let errors = 0;
      const { stats, failed } = await restore(repo, sel, {
        target: input.target,
        overwrite: input.overwrite,
        verify: input.verify,
        failFast: input.failFast,
        signal: ctx.signal,
        scope: ctx.scope,
        onWarning: (path, message) => ctx.emit({ type: 'warning', path, message }),
        onFailure: ({ path, message, blob, pack }) => {
          errors++;
          ctx.emit({ type: 'warning', path, message, blob, pack });
        },
        onProgress: (p) => ctx.emit({ type: 'progress', phase: 'restore', dirs: 0, errors, ...p }),
      });
      ctx.emit({ type: 'phase', phase: 'restore', state: 'finished' });
      return {
        outcome: failed.length ? 'incomplete' : 'ok',
        snapshot: snap.id,
        subpath,
        target: input.target,
        verified: !!input.verify,
        ...stats,
        failed,
        ...(repo.fallbacks.length ? { fallbacks: [...repo.fallbacks] } : {}),
      };
    },
  );
}
