// What the daemon's shutdown takes and how it ends (pure): a shutdown backup of each app listing `shutdown`, of
// what its `shutdown.only` says; the error to exit with when any was cancelled or failed.
import type { AppConfig } from '../config/schema.js';
import { type ErrorCode, exitStatusFor, StrongboxError } from '../errors.js';
import type { RunRecord } from '../history/journal.js';
import type { RunRequest } from './runner.js';

export function shutdownApps(apps: AppConfig[]): AppConfig[] {
  return apps.filter((a) => a.periodicities.includes('shutdown'));
}

export function shutdownRequest(app: AppConfig): RunRequest {
  // On a machine that backs up only part of the app (apps[].only), that part is all there is to take.
  if (app.only) return { app, periodicity: 'shutdown', trigger: 'shutdown', only: app.only };
  const { only } = app.shutdown;
  // What the app has: "files" of an app without file trees takes its databases, and the other way round.
  const take =
    only === 'files' && !app.files.length && !app.buckets?.length
      ? 'all'
      : only === 'db' && !app.databases.length
        ? 'all'
        : only;
  return { app, periodicity: 'shutdown', trigger: 'shutdown', ...(take !== 'all' ? { only: take } : {}) };
}

/**
 * Null when every shutdown backup saved its snapshot; INTERRUPTED when the deadline passed (`late`) or a run was
 * cancelled (a second signal); else the failure with the highest exit status.
 */
export function shutdownOutcome(results: RunRecord[], late: boolean, deadline: string): StrongboxError | null {
  if (late || results.some((r) => r.outcome === 'cancelled')) {
    return new StrongboxError(
      'INTERRUPTED',
      `shutdown backups cancelled (${late ? `deadline ${deadline} passed` : 'second signal'})`,
    );
  }
  const errors = results
    .filter((r) => r.outcome === 'failed')
    .map(
      (r) => new StrongboxError(r.error!.code as ErrorCode, `shutdown backup of ${r.app} failed: ${r.error!.message}`),
    );
  return errors.sort((a, b) => exitStatusFor(b) - exitStatusFor(a))[0] ?? null;
}
