// Backup of applications from the config: one snapshot per app, holding its databases and file trees, with its
// hooks around. With several apps every one is attempted, and the outcome is the worst of theirs.
import { type AppBackupOptions, type AppBackupResult, backupApp } from '../app/backup.js';
import type { AppConfig, Config } from '../config/schema.js';
import { exitStatusFor, isStrongboxError, StrongboxError } from '../errors.js';
import { abortError } from '../util/scope.js';
import { checkSnapshotTime } from '../util/time.js';
import type { StoreFault } from '../repository/repository.js';
import type { OpContext } from './context.js';
import { checkNote } from './inputs.js';
import { SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';
import { appRepo, type RepoChoice } from './target.js';

/**
 * The apps to back up, in order (one, or every app of the config), and what each backup is told. `allowFuture`
 * accepts a `time` more than a few minutes ahead of the clock (util/time.ts: years 1970–9999 in any case).
 */
export type AppBackupInput = Omit<AppBackupOptions, 'scope' | 'emit' | 'threads'> & {
  apps: AppConfig[];
  lockWaitMs?: number;
  allowFuture?: boolean;
};

/** Per app: `ok`, `incomplete` (unreadable files), `hook-failed` (saved, but an after hook failed), or `failed`. */
export type AppBackupOutcome = 'ok' | 'incomplete' | 'hook-failed' | 'failed';

export interface AppBackupReport {
  app: string;
  outcome: AppBackupOutcome;
  result?: AppBackupResult;
  error?: StrongboxError;
  /** Stores of a mirrored repository that missed objects of this backup (degraded until `strongbox sync`). */
  degraded?: StoreFault[];
}

export interface AppBackupsResult {
  outcome: AppBackupOutcome;
  apps: AppBackupReport[];
  /** The error the front end reports for a non-ok outcome (the worst one), or null. */
  error: StrongboxError | null;
}

export async function backupApps(
  choice: RepoChoice,
  cfg: Config,
  input: AppBackupInput,
  ctx: OpContext,
): Promise<AppBackupsResult> {
  if (!input.apps.length) throw new StrongboxError('USAGE', 'the config has no apps');
  checkNote(input.periodicity, input.note);
  if (input.time !== undefined) checkSnapshotTime(input.time, ctx.clock.now(), input.allowFuture);
  const { apps: _apps, lockWaitMs: _wait, allowFuture: _future, ...opts } = input;
  const reports: AppBackupReport[] = [];
  for (const app of input.apps) {
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    try {
      let degraded: StoreFault[] = [];
      const result = await withRepository(
        appRepo(choice, cfg, app),
        ctx,
        { lock: 'shared', waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS },
        async (repo) => {
          // An app whose parts are backed up on different machines takes here what its `only` says, unless told otherwise.
          const r = await backupApp(repo, app, {
            ...opts,
            only: opts.only ?? app.only,
            scope: ctx.scope,
            emit: ctx.emit,
          });
          degraded = repo.storeFaults();
          return r;
        },
      );
      const outcome = result.afterHookError ? 'hook-failed' : result.snapshot.incomplete ? 'incomplete' : 'ok';
      reports.push({
        app: app.id,
        outcome,
        result,
        ...(result.afterHookError ? { error: result.afterHookError } : {}),
        ...(degraded.length ? { degraded } : {}),
      });
    } catch (e) {
      if (ctx.signal.aborted) throw abortError(ctx.signal);
      // One app alone: its error is the operation's. Several: each is reported and the next app is tried.
      if (input.apps.length === 1) throw e;
      const err = isStrongboxError(e)
        ? e
        : new StrongboxError('INTERNAL', (e as Error)?.message ?? String(e), { cause: e });
      reports.push({ app: app.id, outcome: 'failed', error: err });
      ctx.emit({
        type: 'warning',
        app: app.id,
        message: `backup failed: ${err.message.startsWith(`app ${app.id}`) ? err.message : `app ${app.id}: ${err.message}`}`,
      });
    }
  }
  return { outcome: worstOutcome(reports), apps: reports, error: outcomeError(reports) };
}

const RANK: Record<AppBackupOutcome, number> = { ok: 0, incomplete: 1, 'hook-failed': 2, failed: 3 };

function worstOutcome(reports: AppBackupReport[]): AppBackupOutcome {
  return reports.reduce<AppBackupOutcome>((w, r) => (RANK[r.outcome] > RANK[w] ? r.outcome : w), 'ok');
}

/** Failures first (the worst exit status decides), then a failed after hook, then an incomplete snapshot. */
function outcomeError(reports: AppBackupReport[]): StrongboxError | null {
  const failed = reports.filter((r) => r.outcome === 'failed');
  if (failed.length) {
    const worst = failed.map((f) => f.error!).sort((a, b) => exitStatusFor(b) - exitStatusFor(a))[0];
    return new StrongboxError(
      worst.code,
      `${failed.length} of ${reports.length} app backups failed: ${failed.map((f) => f.app).join(', ')}`,
    );
  }
  const hook = reports.find((r) => r.outcome === 'hook-failed');
  if (hook)
    return new StrongboxError('HOOK', `snapshot ${hook.result!.id.slice(0, 8)} was saved, but ${hook.error!.message}`);
  const inc = reports.find((r) => r.outcome === 'incomplete');
  if (inc) {
    const n = inc.result!.snapshot.incomplete!.errors.length;
    return new StrongboxError(
      'INCOMPLETE',
      `snapshot ${inc.result!.id.slice(0, 8)} of app ${inc.app} is incomplete: ${n} path(s) could not be read (see warnings above)`,
    );
  }
  return null;
}
