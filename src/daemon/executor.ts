// Running what the daemon decided to run: each backup or upkeep job goes into the repository's queue, runs through
// the operations layer with its own cancel handle, and ends as a run-history record that the log, the metrics and
// the notifier hear of. A backup of an app with housekeeping is followed by its retention in the same turn.
import type { Clock } from '../clock.js';
import type { AppConfig, Config } from '../config/schema.js';
import { StrongboxError } from '../errors.js';
import { hostname } from 'node:os';
import {
  appendRun,
  HISTORY_VERSION,
  type HistoryRecord,
  type HousekeepingRecord,
  isHousekeeping,
  readHistory,
  type RunRecord,
  type RunTrigger,
} from '../history/journal.js';
import type { Notifier } from '../notify/notifier.js';
import type { RepoChoice } from '../ops/target.js';
import { runHousekeeping, type RepoOp } from './housekeeping.js';
import { isBackupJob, type Job, jobKey, type RepoJob } from './jobs.js';
import { type Log, logRun } from './log.js';
import type { Metrics } from './metrics.js';
import { RunQueue } from './queue.js';
import { runBackup, type RunRequest, skippedRun } from './runner.js';
import { slotTakenBy } from './catchup.js';
import { countingFor, snapshotsOf } from './survey.js';

export interface ExecutorDeps {
  config: () => Config;
  choice: RepoChoice;
  clock: Clock;
  log: Log;
  history: () => string;
  notifier: Notifier;
  metrics?: Metrics;
  /** True once shutdown began: only shutdown backups start then. */
  stopping: () => boolean;
  /** Whether the job is still in the timetable (a reload may have removed it). */
  scheduled: (key: string) => boolean;
  onRun?: (run: RunRecord) => void;
}

export class Executor {
  private readonly queue: RunQueue;
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly d: ExecutorDeps) {
    this.queue = new RunQueue(d.config().daemon.concurrency);
  }

  get size(): { waiting: number; running: number } {
    return this.queue.size;
  }

  setLimit(n: number): void {
    this.queue.setLimit(n);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Drops what has not started and cancels what runs (the next start catches the backups up). */
  stopAll(reason: string): void {
    const dropped = this.queue.dropWaiting();
    if (dropped.length) this.d.log.info(`not starting ${dropped.join(', ')}: ${reason}`);
    for (const [key, c] of this.running) {
      this.d.log.warn(`cancelling ${key}: ${reason}`);
      c.abort(new StrongboxError('INTERRUPTED', `cancelled: ${reason}`));
    }
  }

  /** Cancels every run in progress. */
  cancel(reason: string): void {
    for (const c of this.running.values()) c.abort(new StrongboxError('INTERRUPTED', reason));
  }

  /** Queues a job whose time came (or that catches up a missed slot). */
  enqueue(job: Job, slot: number, trigger: RunTrigger): void {
    if (!isBackupJob(job)) {
      if (!this.queue.add({ key: job.key, repository: job.repository, run: () => this.upkeep(job, slot) })) {
        this.d.log.info(`${job.key} is already waiting or running: not queued again`);
      }
      return;
    }
    const app = this.d.config().apps.find((a) => a.id === job.app);
    if (app) this.submit(app, { app, periodicity: job.periodicity, trigger, slot });
  }

  /**
   * Queues another operation the API asked for (a restore, forget, prune, check or drill) in its repository's queue,
   * so it never runs beside a backup or an upkeep job of that repository. `run` gets a signal that the daemon's
   * shutdown aborts as well as `outer` (the API's cancel); dropped before it started, it runs at once on an aborted
   * signal, so it ends as a cancelled record rather than never.
   */
  submitTask<T>(
    key: string,
    repository: string,
    outer: AbortSignal,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (this.d.stopping()) throw new StrongboxError('LOCKED', 'the daemon is shutting down: no new runs');
    return new Promise<T>((resolve, reject) => {
      const go = (signal: AbortSignal) => run(signal).then(resolve, reject);
      const added = this.queue.add({
        key,
        repository,
        run: () => this.cancellable(key, (signal) => go(AbortSignal.any([signal, outer]))),
        dropped: () =>
          void go(AbortSignal.abort(new StrongboxError('INTERRUPTED', 'cancelled: the daemon is shutting down'))),
      });
      if (!added) reject(new StrongboxError('LOCKED', `${key} is already waiting or running`));
    });
  }

  /** Queues a backup of `app`; `done` hears how it ended. False when the same job already waits or runs. */
  submit(app: AppConfig, req: RunRequest, done?: (r: RunRecord) => void): boolean {
    const key = jobKey(app.id, req.periodicity);
    const slot = req.slot !== undefined ? new Date(req.slot).toISOString() : undefined;
    const added = this.queue.add({ key, repository: app.repository, run: () => this.backup(key, req, done) });
    if (!added)
      this.d.log.info(`${key} is already waiting or running: not queued again`, { trigger: req.trigger, slot });
    else this.d.log.debug(`${key} queued`, { trigger: req.trigger, slot });
    return added;
  }

  private async backup(key: string, req: RunRequest, done?: (r: RunRecord) => void): Promise<void> {
    // A job removed by a reload, or a scheduled one reached after shutdown began, is not started.
    const cfg = this.d.config();
    const app = cfg.apps.find((a) => a.id === req.app.id) ?? (req.trigger === 'shutdown' ? req.app : undefined);
    if (!app || (this.d.stopping() && req.trigger !== 'shutdown')) {
      // Someone waits for an API run: it ends, cancelled, rather than never.
      if (req.api) done?.(cancelledRun(req, this.d.clock.now()));
      return;
    }
    if (await this.slotTaken(key, { ...req, app }, done)) return;
    // Shutdown began while the repository was listed (the listing was cancelled).
    if (this.d.stopping() && req.trigger !== 'shutdown') return;
    this.d.log.info(`backup of ${app.id} (${req.periodicity}) started`, {
      trigger: req.trigger,
      slot: req.slot !== undefined ? new Date(req.slot).toISOString() : undefined,
    });
    this.d.notifier.runStarted(app.id, req.periodicity);
    const api = req.api ? { id: req.api.id, user: req.api.user, note: req.api.note, emit: req.api.emit } : {};
    const run = await this.cancellable(key, (signal) =>
      runBackup({ ...req, app }, { cfg, choice: this.d.choice, clock: this.d.clock, signal, ...api }),
    );
    logRun(this.d.log, run);
    await this.record(run);
    this.d.metrics?.observe(run);
    this.d.notifier.runEnded(run);
    done?.(run);
    this.d.onRun?.(run);
    if (run.degraded?.length) {
      this.d.metrics?.setMirrorDegraded(app.repository, true);
      this.d.notifier.mirrorDegraded(run, app.repository);
    }
    // Retention right after the backup, in the same turn of the repository's queue.
    if (cfg.daemon.housekeeping?.forget && run.snapshot && req.trigger !== 'shutdown' && !this.d.stopping()) {
      await this.housekeep(`${key}#forget`, app.repository, { op: 'forget', app }, 'after-backup');
    }
    // Then the mirrors brought up to date (what the backup wrote, what the forget removed).
    const mirrored = (cfg.repositories[app.repository]?.mirrors?.length ?? 0) > 0;
    if (
      mirrored &&
      cfg.daemon.housekeeping?.sync !== false &&
      run.snapshot &&
      req.trigger !== 'shutdown' &&
      !this.d.stopping()
    ) {
      await this.housekeep(`${key}#sync`, app.repository, { op: 'sync' }, 'after-backup');
    }
  }

  /**
   * Whether a scheduled or catch-up run, about to start, finds its slot taken: another host sharing the repository
   * (or a backup by hand) wrote a snapshot of the app and periodicity (of this machine's part) at or after the slot.
   * Then it is recorded as skipped, logged and counted, and not notified. A repository that cannot be listed leaves
   * the decision to the backup itself (which then reports what is wrong).
   */
  private async slotTaken(key: string, req: RunRequest, done?: (r: RunRecord) => void): Promise<boolean> {
    if (req.slot === undefined || (req.trigger !== 'schedule' && req.trigger !== 'catch-up')) return false;
    const started = this.d.clock.now();
    const { repository } = req.app;
    const list = (
      await this.cancellable(key, (signal) =>
        snapshotsOf(this.d.config(), this.d.choice, this.d.clock, [repository], signal),
      )
    ).get(repository);
    if (list instanceof Error || !list) {
      if (list && !this.d.stopping())
        this.d.log.warn(
          `${key}: cannot list the snapshots of repository ${repository} to see whether its slot is taken ` +
            `(${list.message}); running it`,
        );
      return false;
    }
    const by = slotTakenBy(req.app.id, req.periodicity, countingFor(req.app, list), req.slot, this.d.clock.now());
    if (!by) return false;
    const run = skippedRun(req, by, started, this.d.clock.now());
    logRun(this.d.log, run);
    await this.record(run);
    this.d.metrics?.observe(run);
    done?.(run);
    this.d.onRun?.(run);
    return true;
  }

  /** A prune, check (read-data: the next part, counted in the history) or drill. */
  private async upkeep(job: RepoJob, slot: number): Promise<void> {
    if (this.d.stopping() || !this.d.scheduled(job.key)) return;
    let what: RepoOp = { op: job.kind === 'prune' ? 'prune' : 'check' };
    if (job.kind === 'drill') {
      const app = this.d.config().apps.find((a) => a.id === job.app);
      if (!app) return;
      what = { op: 'drill', app };
    }
    if (job.kind === 'read-data') {
      const { records } = await readHistory(this.d.history());
      const done = records.filter(
        (r) => isHousekeeping(r) && r.op === 'check' && r.repository === job.repository && r.detail?.part !== undefined,
      ).length;
      what = { op: 'check', part: { n: (done % job.parts!) + 1, m: job.parts! } };
    }
    await this.housekeep(job.key, job.repository, what, 'schedule', slot);
  }

  private async housekeep(
    key: string,
    repository: string,
    what: RepoOp,
    trigger: HousekeepingRecord['trigger'],
    slot?: number,
  ): Promise<void> {
    this.d.log.info(`${what.op} of repository ${repository}${'app' in what ? ` for app ${what.app.id}` : ''} started`);
    const env = { cfg: this.d.config(), choice: this.d.choice, clock: this.d.clock };
    const rec = await this.cancellable(key, (signal) =>
      runHousekeeping(repository, what, trigger, slot, { ...env, signal }),
    );
    const f = { repository, app: rec.app, op: rec.op, outcome: rec.outcome, durationMs: rec.durationMs, ...rec.detail };
    if (rec.outcome === 'ok') this.d.log.info(`${rec.op} of repository ${repository} done`, f);
    else this.d.log.error(`${rec.op} of repository ${repository} ${rec.outcome}: ${rec.error?.message ?? ''}`, f);
    await this.record(rec);
    if (rec.op === 'sync' && rec.outcome === 'ok') this.d.metrics?.setMirrorDegraded(repository, false);
    this.d.notifier.housekeepingEnded(rec);
  }

  private async cancellable<T>(key: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.running.set(key, controller);
    try {
      return await fn(controller.signal);
    } finally {
      this.running.delete(key);
    }
  }

  private async record(r: HistoryRecord): Promise<void> {
    try {
      await appendRun(this.d.history(), r);
    } catch (e) {
      this.d.log.error((e as Error).message);
    }
  }
}

/** The record of an API backup that never started (the daemon began shutting down, or a reload removed the app). */
function cancelledRun(req: RunRequest, now: number): RunRecord {
  const at = new Date(now).toISOString();
  return {
    v: HISTORY_VERSION,
    id: req.api!.id,
    app: req.app.id,
    periodicity: req.periodicity,
    trigger: req.trigger,
    host: hostname(),
    startedAt: at,
    endedAt: at,
    durationMs: 0,
    outcome: 'cancelled',
    events: { warnings: 0, firstWarnings: [] },
    error: { code: 'INTERRUPTED', message: 'not started: the daemon is stopping or the app left the config' },
    user: req.api!.user,
  };
}
