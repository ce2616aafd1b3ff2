// Restore of a snapshot (or SNAPSHOT:subpath) into a directory.
import { restore, type RestoreStats } from '../restore/restorer.js';
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
  lockWaitMs?: number;
}

export interface RestoreResult extends RestoreStats {
  outcome: 'ok';
  snapshot: string;
  subpath: string;
  target: string;
  verified: boolean;
}

export async function restorePaths(spec: RepoSpec, input: RestoreInput, ctx: OpContext): Promise<RestoreResult> {
  const { ref, subpath } = splitSnapshotArg(input.snapshot);
  // A shared lock: a prune must not delete packs while they are read.
  return withRepository(spec, ctx, { lock: 'shared', waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS }, async (repo) => {
    const snap = await resolveRef(repo, ref, { periodicity: input.periodicity });
    const sel = await selectSubpath(repo, snap, subpath);
    ctx.emit({ type: 'phase', phase: 'restore', state: 'started' });
    const stats = await restore(repo, sel, {
      target: input.target, overwrite: input.overwrite, verify: input.verify, signal: ctx.signal,
      onWarning: (path, message) => ctx.emit({ type: 'warning', path, message }),
      onProgress: (p) => ctx.emit({ type: 'progress', phase: 'restore', dirs: 0, errors: 0, walkDone: true, ...p }),
    });
    ctx.emit({ type: 'phase', phase: 'restore', state: 'finished' });
    return { outcome: 'ok', snapshot: snap.id, subpath, target: input.target, verified: !!input.verify, ...stats };
  });
}
