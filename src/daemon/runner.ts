// One daemon run: an app backup through the operations layer (never the CLI), in its own context whose signal the
// daemon aborts on shutdown, turned into a run-history record with its outcome, duration, bytes and warnings.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Only } from '../app/backup.js';
import { type Clock, monotonicMs } from '../clock.js';
import type { AppConfig, Config } from '../config/schema.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import type { OpEvent } from '../events.js';
import { HISTORY_VERSION, type RunRecord, type RunTrigger } from '../history/journal.js';
import { backupApps } from '../ops/backup-app.js';
import { withContext } from '../ops/context.js';
import type { RepoChoice } from '../ops/target.js';
import type { Periodicity, SnapshotRef } from '../repository/snapshot.js';

export interface RunRequest {
  app: AppConfig;
  periodicity: Periodicity;
  trigger: RunTrigger;
  slot?: number;
  only?: Only;
  /** Asked for over the HTTP API: the run's ID, who asked, a note, and where its events go too. */
  api?: { id: string; user: string; note?: string; emit: (e: OpEvent) => void };
}

export interface RunEnv {
  cfg: Config;
  choice: RepoChoice;
  clock: Clock;
  signal: AbortSignal;
  /** How long to wait for a forget/prune holding the repository (ms). */
  lockWaitMs?: number;
  /** The run's ID (default a random UUID), who asked for it (HTTP API runs), and where its events go too. */
  id?: string;
  user?: string;
  emit?: (e: OpEvent) => void;
  /** A note for an on-demand (manual) snapshot. */
  note?: string;
}

const FIRST_WARNINGS = 3;

export async function runBackup(req: RunRequest, env: RunEnv): Promise<RunRecord> {
  const started = env.clock.now();
  const t0 = monotonicMs();
  const warnings: string[] = [];
  let count = 0;
  const emit = (e: OpEvent) => {
    env.emit?.(e);
    if (e.type !== 'warning') return;
    count++;
    if (warnings.length < FIRST_WARNINGS) warnings.push(e.message);
  };
  const base = recordHead(req, started, env.id, env.user);
  const end = () => ({
    endedAt: new Date(env.clock.now()).toISOString(),
    durationMs: Math.round(monotonicMs() - t0),
    events: { warnings: count, firstWarnings: warnings },
  });
  try {
    const input = {
      apps: [req.app],
      periodicity: req.periodicity,
      ...(req.only ? { only: req.only } : {}),
      ...(env.note !== undefined ? { note: env.note } : {}),
      ...(env.lockWaitMs !== undefined ? { lockWaitMs: env.lockWaitMs } : {}),
    };
    const res = await withContext({ signal: env.signal, clock: env.clock, emit }, (ctx) =>
      backupApps(env.choice, env.cfg, input, ctx),
    );
    const report = res.apps[0];
    const r = report.result;
    const s = r?.snapshot.summary;
    return {
      ...base,
      ...end(),
      outcome: report.outcome,
      ...(r
        ? {
            snapshot: r.id,
            bytes: {
              total: (s?.bytes ?? 0) + (s?.databaseBytes ?? 0),
              added: s?.dataAdded ?? 0,
              stored: s?.dataAddedPacked ?? 0,
            },
          }
        : {}),
      ...(report.degraded?.length ? { degraded: report.degraded.map((f) => f.store) } : {}),
      ...(res.error ? { error: { code: res.error.code, message: res.error.message } } : {}),
    };
  } catch (e) {
    const err = isStrongboxError(e)
      ? e
      : new StrongboxError('INTERNAL', (e as Error)?.message ?? String(e), { cause: e });
    const cancelled = env.signal.aborted || err.code === 'INTERRUPTED';
    return {
      ...base,
      ...end(),
      outcome: cancelled ? 'cancelled' : 'failed',
      error: { code: err.code, message: err.message },
    };
  }
}

/** What every record of a backup run starts with: which run, what it stood for, where and when it began. */
function recordHead(req: RunRequest, started: number, id?: string, user?: string) {
  return {
    v: HISTORY_VERSION,
    id: id ?? randomUUID(),
    app: req.app.id,
    periodicity: req.periodicity,
    trigger: req.trigger,
    ...(req.slot !== undefined ? { slot: new Date(req.slot).toISOString() } : {}),
    host: hostname(),
    startedAt: new Date(started).toISOString(),
    ...(user !== undefined ? { user } : {}),
  } as const;
}

/**
 * The record of a scheduled or catch-up run that found its slot taken when it reached the front of its queue: `by`
 * is the snapshot at or after the slot (another host sharing the repository wrote it).
 */
export function skippedRun(req: RunRequest, by: SnapshotRef, started: number, now: number): RunRecord {
  const part = req.app.only ? ` holding its ${req.app.only === 'db' ? 'databases' : 'file trees'}` : '';
  return {
    ...recordHead(req, started),
    endedAt: new Date(now).toISOString(),
    durationMs: Math.max(0, now - started),
    outcome: 'skipped',
    events: { warnings: 0, firstWarnings: [] },
    reason:
      `the repository holds ${req.periodicity} snapshot ${by.id.slice(0, 8)}${part} of host ${by.snapshot.host} ` +
      `(${by.snapshot.time}), taken at or after the slot at ${new Date(req.slot ?? started).toISOString()}`,
  };
}
