// `strongbox daemon`'s engine: loads the config, catches up what was missed, runs each job when its time comes
// through one queue per repository, reloads the config on request, and on shutdown takes the shutdown backups
// within a deadline. Time comes from the injected clock; a wall clock that moved far more than the monotonic one
// between two looks (the machine slept) triggers a catch-up.
import { hostname } from 'node:os';
import { type Clock, monotonicMs, systemClock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { HttpConfig } from '../config/daemon-schema.js';
import { authPathFor } from '../auth/store.js';
import { type Api, createApi } from '../server/app.js';
import { listen } from '../server/listen.js';
import { StrongboxError } from '../errors.js';
import { readRuns, type RunRecord } from '../history/journal.js';
import { Notifier } from '../notify/notifier.js';
import { historyPath } from '../ops/runs.js';
import type { RepoChoice } from '../ops/target.js';
import { parseDuration } from '../util/duration.js';
import { catchUpFor } from './catchup.js';
import { Executor } from './executor.js';
import { type BackupJob, isBackupJob, type Job, jobKey, jobsOf } from './jobs.js';
import type { Log } from './log.js';
import { createMetrics, type Listener, type Metrics, monitoringRoutes, serveMetrics } from './metrics.js';
import { shutdownApps, shutdownOutcome, shutdownRequest } from './shutdown.js';
import { countingFor, overdueFindings, sizesOf, snapshotsOf } from './survey.js';
import { Timetable } from './timetable.js';
import { watchFile } from './watch.js';

export interface DaemonOptions {
  configPath: string;
  log: Log;
  clock?: Clock;
  /** Monotonic milliseconds (tests inject one to simulate sleep). */
  monotonic?: () => number;
  random?: () => number;
  env?: NodeJS.ProcessEnv;
  /** How often to look at the timetable (ms; default 30 s); 0: only when `tick()` is called. */
  tickMs?: number;
  /** Reload when the config file changes (default true when ticking by itself). */
  watchConfig?: boolean;
  /** Told of every run that ended (after it is in the history). */
  onRun?: (run: RunRecord) => void;
  /** The first wait between notification tries (ms; default 1 s). */
  notifyBackoffMs?: number;
}

/** A wall clock that moved this much more (or less) than the monotonic clock between two looks has jumped. */
export const JUMP_MS = 90_000;
const DEFAULT_TICK_MS = 30_000;
/** How often the repositories' sizes are measured for the metrics (each loads the repository's index). */
const SIZE_CHECK_MS = 3_600_000;

export class Daemon {
  private readonly clock: Clock;
  private readonly mono: () => number;
  private readonly timetable: Timetable;
  private runs!: Executor;
  private readonly choice: RepoChoice;
  private last: { wall: number; mono: number };
  private timer?: NodeJS.Timeout;
  private watcher?: { close(): void };
  private readonly surveys = new Set<Promise<void>>();
  private ticking = false;
  private stopping = false;
  private notifier!: Notifier;
  private metrics?: Metrics;
  private listener?: Listener;
  private api?: Api;
  private lastOverdueCheck: number;
  private lastSizeCheck = -Infinity;
  private readonly startedAt: number;

  private constructor(
    private readonly o: DaemonOptions,
    private cfg: Config,
  ) {
    this.clock = o.clock ?? systemClock;
    this.mono = o.monotonic ?? monotonicMs;
    this.timetable = new Timetable(o.random);
    this.choice = { config: o.configPath };
    this.last = { wall: this.clock.now(), mono: this.mono() };
    this.startedAt = this.lastOverdueCheck = this.clock.now();
  }

  /** Loads the config (an invalid one is thrown), schedules its jobs and queues the catch-up runs. */
  static async start(o: DaemonOptions): Promise<Daemon> {
    const { config } = await loadConfig(o.configPath, o.env);
    const d = new Daemon(o, config);
    const { runs, skipped } = await readRuns(d.history, {});
    if (skipped) o.log.warn(`${skipped} line(s) of the run history ${d.history} could not be read and are left out`);
    d.notifier = new Notifier(
      {
        config: () => d.cfg,
        log: o.log,
        env: o.env ?? process.env,
        now: () => d.clock.now(),
        backoffMs: o.notifyBackoffMs,
      },
      runs,
    );
    if (config.daemon.metrics) {
      d.metrics = await createMetrics();
      d.metrics.restore(runs);
    }
    if (config.daemon.http) await d.serveApi(config.daemon.http);
    else if (d.metrics) {
      d.listener = await serveMetrics(config.daemon.metrics!.listen, d.metrics, () => d.health()).catch((e: Error) => {
        throw new StrongboxError(
          'IO',
          `cannot listen on ${config.daemon.metrics!.listen} (daemon.metrics.listen): ${e.message}`,
          { cause: e },
        );
      });
      o.log.info(`metrics on http://${d.listener.address}/metrics, health on /healthz`);
    }
    d.runs = new Executor({
      config: () => d.cfg,
      choice: d.choice,
      clock: d.clock,
      log: o.log,
      history: () => d.history,
      notifier: d.notifier,
      metrics: d.metrics,
      stopping: () => d.stopping,
      scheduled: (key) => d.timetable.nextOf(key) !== null,
      onRun: o.onRun,
    });
    const jobs = jobsOf(config);
    d.timetable.setJobs(jobs, d.clock.now());
    const shutdown = shutdownApps(config.apps).map((a) => a.id);
    o.log.info(`daemon started: ${jobs.length} scheduled jobs for ${config.apps.length} apps`, {
      config: o.configPath,
      history: d.history,
      shutdown: shutdown.join(',') || undefined,
    });
    for (const j of jobs)
      o.log.debug(`job ${j.key}: "${j.cron}" ${j.timeZone}`, { next: iso(d.timetable.nextOf(j.key)) });
    // Not awaited: a repository that is slow to answer must not hold up the signal handlers and the timetable.
    d.track(d.catchUp(jobs, 'start'));
    if (o.tickMs !== 0) d.arm(o.tickMs ?? DEFAULT_TICK_MS);
    if (o.watchConfig ?? o.tickMs !== 0)
      d.watcher = watchFile(
        o.configPath,
        () => {
          void d.reload('the config file changed');
        },
        o.log,
      );
    return d;
  }

  get config(): Config {
    return this.cfg;
  }

  get history(): string {
    return historyPath(this.cfg, this.o.env);
  }

  /** Where the metrics listener (or the one HTTP listener of daemon.http) listens (HOST:PORT), when configured. */
  get metricsAddress(): string | undefined {
    return this.listener?.address;
  }

  /** The HTTP API, /healthz and /metrics on the one listener of `daemon.http`. */
  private async serveApi(http: HttpConfig): Promise<void> {
    this.api = createApi({
      config: () => this.cfg,
      choice: this.choice,
      authPath: authPathFor(this.o.configPath),
      history: () => this.history,
      clock: this.clock,
      log: this.o.log,
      nextRun: (app, p) => this.timetable.nextOf(jobKey(app, p)),
      queueBackup: (q) => {
        if (this.stopping) throw new StrongboxError('LOCKED', 'the daemon is shutting down: no new backups');
        let done!: (r: RunRecord) => void;
        const ended = new Promise<RunRecord>((resolve) => (done = resolve));
        const req = { app: q.app, periodicity: q.periodicity, trigger: 'api' as const, api: q };
        return this.runs.submit(q.app, req, done) ? ended : null;
      },
      queueTask: (key, repository, outer, run) => this.runs.submitTask(key, repository, outer, run),
      secure: !!http.tls,
      trustProxy: http.trustProxy,
    });
    monitoringRoutes(this.api.app, this.metrics, () => this.health());
    this.listener = await listen(this.api.app.fetch, http.listen, http.tls).catch((e: Error) => {
      throw new StrongboxError('IO', `cannot listen on ${http.listen} (daemon.http.listen): ${e.message}`, {
        cause: e,
      });
    });
    const base = `${this.listener.scheme}://${this.listener.address}`;
    this.o.log.info(`HTTP API on ${base}/api${this.metrics ? `, metrics on ${base}/metrics` : ''}, health on /healthz`);
  }

  private health(): Record<string, unknown> {
    const { waiting, running } = this.runs.size;
    return {
      startedAt: new Date(this.startedAt).toISOString(),
      jobs: this.timetable.jobs().length,
      waiting,
      running,
      stopping: this.stopping,
    };
  }

  /** Looks at the clock once: queues the jobs whose time came, and catches up after a clock jump. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    try {
      const now = this.clock.now();
      const mono = this.mono();
      const drift = now - this.last.wall - (mono - this.last.mono);
      this.last = { wall: now, mono };
      const due = this.timetable.due(now);
      for (const d of due) this.runs.enqueue(d.job, d.slot, 'schedule');
      if (drift > JUMP_MS) {
        this.o.log.warn(`the clock jumped ${Math.round(drift / 1000)} s ahead (the machine slept?): catching up`);
        await this.catchUp(this.timetable.jobs(), 'clock jump');
      } else if (drift < -JUMP_MS) {
        this.o.log.warn(`the clock went back ${Math.round(-drift / 1000)} s: slots already run are not run again`);
      }
      if (
        now - this.lastOverdueCheck >=
        parseDuration(this.cfg.daemon.overdueCheck, 'daemon.overdueCheck', { code: 'CONFIG' })
      )
        await this.checkOverdue();
    } finally {
      this.ticking = false;
    }
  }

  /** Resolves once no catch-up is being decided, no run waits or runs, and every notification is out. */
  async idle(): Promise<void> {
    while (this.surveys.size) await Promise.all([...this.surveys]);
    await this.runs.idle();
    await this.notifier.settled();
  }

  /** Looks for overdue periodicities: notifies each newly overdue one, and sets the metric. */
  async checkOverdue(): Promise<void> {
    this.lastOverdueCheck = this.clock.now();
    const jobs = this.timetable.jobs();
    const snaps = await snapshotsOf(
      this.cfg,
      this.choice,
      this.clock,
      jobs.map((j) => j.repository),
    );
    for (const [repo, v] of snaps)
      if (v instanceof Error)
        this.o.log.error(`overdue check: cannot list the snapshots of repository ${repo}: ${v.message}`);
    const findings = overdueFindings(this.cfg, jobs, snaps, this.clock.now(), this.startedAt, hostname());
    for (const f of findings) {
      this.metrics?.setOverdue(f.app, f.periodicity, f.isOverdue);
      if (f.isOverdue) this.o.log.warn(`${f.app}/${f.periodicity} is overdue`, { newest: f.newest ?? 'none' });
    }
    this.notifier.overdueChecked(findings);
    if (this.metrics && this.clock.now() - this.lastSizeCheck >= SIZE_CHECK_MS) {
      this.lastSizeCheck = this.clock.now();
      for (const [repo, v] of await sizesOf(this.cfg, this.choice, this.clock)) {
        if (v instanceof Error) this.o.log.warn(`cannot tell the size of repository ${repo}: ${v.message}`);
        else this.metrics.setRepositorySize(repo, v);
      }
    }
  }

  /** Reads the config again; an invalid one is refused (logged) and the running one kept. True when it changed. */
  async reload(why: string): Promise<boolean> {
    if (this.stopping) return false;
    let next: Config;
    try {
      next = (await loadConfig(this.o.configPath, this.o.env)).config;
    } catch (e) {
      this.o.log.error(`config reload (${why}) refused, keeping the running config: ${(e as Error).message}`);
      return false;
    }
    const before = new Set(this.timetable.jobs().map((j) => j.key));
    const old = this.cfg;
    this.cfg = next;
    const jobs = jobsOf(next);
    this.timetable.setJobs(jobs, this.clock.now());
    this.runs.setLimit(next.daemon.concurrency);
    const listening = (c: Config) => JSON.stringify([c.daemon.metrics, c.daemon.http]);
    if (listening(old) !== listening(next))
      this.o.log.warn('daemon.metrics or daemon.http changed: restart the daemon to apply it');
    this.o.log.info(`config reloaded (${why}): ${jobs.length} scheduled jobs for ${next.apps.length} apps`);
    await this.catchUp(
      jobs.filter((j) => !before.has(j.key)),
      'reload',
    );
    return true;
  }

  /**
   * Stops scheduling, cancels the runs in progress (the next start catches them up), takes a shutdown backup of
   * every app that lists `shutdown`, and resolves with null when each saved its snapshot, else the error to exit
   * with: INTERRUPTED when the deadline (daemon.shutdownDeadline) or `cancel()` cut them short, else the worst failure.
   */
  async shutdown(signal: string): Promise<StrongboxError | null> {
    this.stopping = true;
    this.disarm();
    this.runs.stopAll(`the daemon is shutting down (${signal})`);
    const apps = shutdownApps(this.cfg.apps);
    const { shutdownDeadline } = this.cfg.daemon;
    const deadlineMs = parseDuration(shutdownDeadline, 'daemon.shutdownDeadline', { code: 'CONFIG' });
    this.o.log.info(
      `${signal}: shutting down` +
        (apps.length ? `; shutdown backups of ${apps.map((a) => a.id).join(', ')} (deadline ${shutdownDeadline})` : ''),
    );
    const results: RunRecord[] = [];
    let late = false;
    const deadline = setTimeout(() => {
      late = true;
      this.o.log.error(`the shutdown deadline of ${shutdownDeadline} passed: cancelling the shutdown backups`);
      this.cancel();
    }, deadlineMs);
    for (const app of apps) this.runs.submit(app, shutdownRequest(app), (r) => results.push(r));
    await this.runs.idle();
    clearTimeout(deadline);
    await this.api?.runs.stop(new StrongboxError('INTERRUPTED', `cancelled: the daemon is shutting down (${signal})`));
    await this.notifier.settled();
    await this.listener?.close();
    const saved = results.filter((r) => r.outcome !== 'failed' && r.outcome !== 'cancelled').length;
    this.o.log.info(`daemon stopped: ${saved} of ${apps.length} shutdown backups saved`);
    return shutdownOutcome(results, late, shutdownDeadline);
  }

  /** Cancels every run in progress (a second signal while shutting down). */
  cancel(): void {
    this.runs.cancel('cancelled by a second signal');
  }

  private track(p: Promise<void>): void {
    const t: Promise<void> = p
      .catch((e: unknown) => this.o.log.error(`catch-up failed: ${(e as Error).message}`))
      .finally(() => this.surveys.delete(t));
    this.surveys.add(t);
  }

  /** Queues a catch-up run for each of `jobs` the repository's snapshots say missed its last slot. */
  private async catchUp(all: Job[], why: string): Promise<void> {
    const jobs: BackupJob[] = all.filter(isBackupJob);
    const snaps = await snapshotsOf(
      this.cfg,
      this.choice,
      this.clock,
      jobs.map((j) => j.repository),
    );
    const now = this.clock.now();
    for (const j of jobs) {
      let list = snaps.get(j.repository) ?? [];
      if (list instanceof Error) {
        this.o.log.error(
          `catch-up (${why}): cannot list the snapshots of repository ${j.repository}: ${list.message}; ` +
            `running ${j.key}`,
        );
        list = [];
      }
      const app = this.cfg.apps.find((a) => a.id === j.app);
      const c = app ? catchUpFor(j, countingFor(app, list), now) : null;
      if (!c) continue;
      this.o.log.info(`catch-up (${why}) of ${j.key}: ${c.reason}`);
      this.runs.enqueue(j, c.slot, 'catch-up');
    }
  }

  private arm(tickMs: number): void {
    const next = () => {
      const at = this.timetable.nextAt();
      const wait = at === null ? tickMs : Math.min(tickMs, Math.max(0, at - this.clock.now()) + 20);
      this.timer = setTimeout(() => {
        void this.tick().finally(() => {
          if (!this.stopping) next();
        });
      }, wait);
    };
    next();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}

function iso(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}
