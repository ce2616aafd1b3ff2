// The daemon's jobs (pure): one per app and time-based periodicity it lists, with its cron expression, time zone
// and random delay from the config or the defaults, and when such a job's slots fall (croner does the calendar).
import { Cron } from 'croner';
import type { AppConfig, Config, ScheduleConfig } from '../config/schema.js';
import { parseDuration } from '../util/duration.js';

export type TimePeriodicity = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'bimonthly';
export const TIME_ORDER: TimePeriodicity[] = ['hourly', 'daily', 'weekly', 'monthly', 'bimonthly'];

/** The toolkit's crontab: hourly at minute 2, daily 02:30, Sunday 03:30, the 1st at 04:30, odd months' 1st at 05:30. */
export const DEFAULT_CRON: Record<TimePeriodicity, string> = {
  hourly: '2 * * * *',
  daily: '30 2 * * *',
  weekly: '30 3 * * 0',
  monthly: '30 4 1 * *',
  bimonthly: '30 5 1 1,3,5,7,9,11 *',
};

interface JobBase {
  /** "app/periodicity" or "repository/op": one job of a kind runs or waits at a time. */
  key: string;
  /** The repository's name in the config: the daemon's queues are per repository. */
  repository: string;
  cron: string;
  timeZone: string;
  /** The largest random delay after a slot (0: none). */
  randomDelayMs: number;
}

export interface BackupJob extends JobBase {
  kind: 'backup';
  app: string;
  periodicity: TimePeriodicity;
}

/**
 * Upkeep of one repository: prune, a structure check, a check reading the next of `parts` parts of the data, or
 * a restore drill of one of its apps.
 */
export interface RepoJob extends JobBase {
  kind: 'prune' | 'check' | 'read-data' | 'drill';
  parts?: number;
  /** The app a drill is of. */
  app?: string;
}

export type Job = BackupJob | RepoJob;

export function isBackupJob(j: Job): j is BackupJob {
  return j.kind === 'backup';
}

export function jobKey(app: string, periodicity: string): string {
  return `${app}/${periodicity}`;
}

/** Every app's scheduled backups, in config order and periodicity order, then each repository's upkeep. */
export function jobsOf(cfg: Config): Job[] {
  const globalDelay = cfg.daemon.randomDelay;
  const backups = cfg.apps.flatMap((app) =>
    TIME_ORDER.filter((p) => app.periodicities.includes(p)).map((p) => jobOf(app, p, globalDelay)),
  );
  return [...backups, ...repoJobs(cfg)];
}

/** The housekeeping jobs of every repository an app uses (none without `daemon.housekeeping`). */
function repoJobs(cfg: Config): RepoJob[] {
  const h = cfg.daemon.housekeeping;
  if (!h) return [];
  const repos = [...new Set(cfg.apps.map((a) => a.repository))];
  const base = (repository: string, kind: RepoJob['kind'], cron: string) => ({
    key: `${repository}/${kind}`,
    repository,
    kind,
    cron,
    timeZone: h.timeZone,
    randomDelayMs: 0,
  });
  return repos
    .flatMap((r) => [
      ...(h.prune !== false ? [base(r, 'prune', h.prune)] : []),
      ...(h.check !== false ? [base(r, 'check', h.check)] : []),
      ...(h.readData !== false ? [{ ...base(r, 'read-data', h.readData.cron), parts: h.readData.parts }] : []),
    ])
    .concat(
      h.drill === false
        ? []
        : cfg.apps.map((a) => ({ ...base(a.repository, 'drill', h.drill as string), key: `${a.id}/drill`, app: a.id })),
    );
}

function jobOf(app: AppConfig, p: TimePeriodicity, globalDelay: string | undefined): BackupJob {
  const s: ScheduleConfig = app.schedule;
  const spec = s[p];
  const cron = spec === undefined ? DEFAULT_CRON[p] : typeof spec === 'string' ? spec : spec.cron;
  const timeZone = (typeof spec === 'object' ? spec.timeZone : undefined) ?? s.timeZone ?? app.retention.timeZone;
  const delay = s.randomDelay ?? globalDelay;
  const randomDelayMs =
    delay === undefined ? 0 : parseDuration(delay, `apps.${app.id}.schedule.randomDelay`, { code: 'CONFIG' });
  return {
    kind: 'backup',
    key: jobKey(app.id, p),
    app: app.id,
    repository: app.repository,
    periodicity: p,
    cron,
    timeZone,
    randomDelayMs,
  };
}

/** Two jobs fall on the same times (a reload keeps such a job's next time). */
export function sameTiming(a: Job, b: Job): boolean {
  return a.cron === b.cron && a.timeZone === b.timeZone && a.randomDelayMs === b.randomDelayMs && a.kind === b.kind;
}

const crons = new Map<string, Cron>();

function cronOf(job: Pick<Job, 'cron' | 'timeZone'>): Cron {
  const k = `${job.cron}\0${job.timeZone}`;
  let c = crons.get(k);
  if (!c) {
    c = new Cron(job.cron, { paused: true, mode: '5-part', timezone: job.timeZone });
    crons.set(k, c);
  }
  return c;
}

/** The job's first slot strictly after `after` (ms), or null when its expression has none. */
export function nextSlot(job: Pick<Job, 'cron' | 'timeZone'>, after: number): number | null {
  return cronOf(job).nextRun(new Date(after))?.getTime() ?? null;
}

/** The job's last slot at or before `at` (ms), or null when there is none. */
export function prevSlot(job: Pick<Job, 'cron' | 'timeZone'>, at: number): number | null {
  // croner counts a run earlier in the same second as the reference: 1 ms later makes `at` itself one.
  return (
    cronOf(job)
      .previousRuns(1, new Date(at + 1))[0]
      ?.getTime() ?? null
  );
}

/** What a job takes: its periodicity (a backup) or its kind (prune, check, read-data). */
export function jobLabel(j: Job): string {
  return j.kind === 'backup' ? j.periodicity : j.kind;
}
