// Backup of file trees given by path: one snapshot of them (or one per periodicity with "all").
import { backup as archive, type BackupOptions, type BackupResult } from '../archiver/archiver.js';
import { throwIfAborted } from '../util/scope.js';
import { checkSnapshotTime } from '../util/time.js';
import type { StoreFault } from '../repository/repository.js';
import type { OpContext } from './context.js';
import { checkNote } from './inputs.js';
import { type RepoSpec, SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';

/** The archiver's options without the callbacks the operation wires to its context. */
export type BackupInput = Omit<BackupOptions, 'signal' | 'onProgress' | 'onWarning' | 'threads'> & {
  /** How long to wait for a running forget/prune (ms; default 30 minutes). */
  lockWaitMs?: number;
  /** Accept a `time` more than a few minutes ahead of the clock (util/time.ts: years 1970–9999 in any case). */
  allowFuture?: boolean;
};

/** `ok`, or `incomplete` when some paths could not be read (the snapshot is saved and marked so). */
export type BackupOutcome = 'ok' | 'incomplete';

export interface BackupOpResult extends BackupResult {
  outcome: BackupOutcome;
  /**
   * Stores of a mirrored repository that missed some of this backup's objects: the snapshot is on the others, and
   * the repository is degraded until `strongbox sync` (docs/usage/mirrors.md). Absent when every store took all.
   */
  degraded?: StoreFault[];
}

export async function backupPaths(spec: RepoSpec, input: BackupInput, ctx: OpContext): Promise<BackupOpResult> {
  checkNote(input.periodicity, input.note);
  if (input.time !== undefined) checkSnapshotTime(input.time, ctx.clock.now(), input.allowFuture);
  const access = { lock: 'shared' as const, waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS };
  return withRepository(spec, ctx, access, async (repo) => {
    throwIfAborted(ctx.signal);
    ctx.emit({ type: 'phase', phase: 'files', state: 'started' });
    const { lockWaitMs: _wait, allowFuture: _future, ...opts } = input;
    const res = await archive(repo, {
      ...opts,
      signal: ctx.signal,
      onProgress: (p) => ctx.emit({ type: 'progress', phase: 'files', ...p }),
      onWarning: (path, message) => ctx.emit({ type: 'warning', path, message }),
    });
    ctx.emit({ type: 'phase', phase: 'files', state: 'finished' });
    const degraded = repo.storeFaults();
    return { ...res, outcome: res.snapshot.incomplete ? 'incomplete' : 'ok', ...(degraded.length ? { degraded } : {}) };
  });
}
