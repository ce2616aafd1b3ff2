// Backup of file trees given by path: one snapshot of them (or one per periodicity with "all").
import { backup as archive, type BackupResult } from '../archiver/archiver.js';
import type { Periodicity } from '../repository/snapshot.js';
import { throwIfAborted } from '../util/scope.js';
import type { OpContext } from './context.js';
import { type RepoSpec, SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';

export interface BackupInput {
  paths: string[];
  /** gitignore-style patterns, relative to each path. */
  excludes?: string[];
  /** Do not descend into other filesystems: a mount point is recorded as an empty directory. */
  oneFileSystem?: boolean;
  tags?: string[];
  host?: string;
  /** A snapshot ID prefix to compare against instead of the latest of the same host and paths. */
  parent?: string;
  /** Record the snapshot at this time (ms since the epoch). */
  time?: number;
  periodicity?: Periodicity | 'all';
  note?: string;
  /** How long to wait for a running forget/prune (ms; default 30 minutes). */
  lockWaitMs?: number;
}

/** `ok`, or `incomplete` when some paths could not be read (the snapshot is saved and marked so). */
export type BackupOutcome = 'ok' | 'incomplete';

export interface BackupOpResult extends BackupResult {
  outcome: BackupOutcome;
}

export async function backupPaths(spec: RepoSpec, input: BackupInput, ctx: OpContext): Promise<BackupOpResult> {
  const access = { lock: 'shared' as const, waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS };
  return withRepository(spec, ctx, access, async (repo) => {
    throwIfAborted(ctx.signal);
    ctx.emit({ type: 'phase', phase: 'files', state: 'started' });
    const res = await archive(repo, {
      paths: input.paths, excludes: input.excludes, oneFileSystem: input.oneFileSystem, tags: input.tags, host: input.host, parent: input.parent, time: input.time,
      periodicity: input.periodicity, note: input.note, signal: ctx.signal,
      onProgress: (p) => ctx.emit({ type: 'progress', phase: 'files', ...p }),
      onWarning: (path, message) => ctx.emit({ type: 'warning', path, message }),
    });
    ctx.emit({ type: 'phase', phase: 'files', state: 'finished' });
    return { ...res, outcome: res.snapshot.incomplete ? 'incomplete' : 'ok' };
  });
}
