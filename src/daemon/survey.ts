// What the repositories hold, for the daemon's decisions: the snapshots of each repository its jobs use (one
// listing per repository, through the operations layer), and from them the overdue check (status's rules).
import type { Clock } from '../clock.js';
import type { AppConfig, Config } from '../config/schema.js';
import { withContext } from '../ops/context.js';
import { repoStats } from '../ops/inspect.js';
import { listSnapshots } from '../ops/snapshots.js';
import { appRepo, type RepoChoice } from '../ops/target.js';
import type { SnapshotRef } from '../repository/snapshot.js';
import { appStatus } from '../status/status.js';
import { isBackupJob, type Job } from './jobs.js';

/**
 * The snapshots that count for an app on this machine: with `only` (its parts are backed up on different
 * machines), those holding this machine's part, so the other machine's backups do not stand in for ours.
 */
export function countingFor(app: Pick<AppConfig, 'only'>, list: SnapshotRef[]): SnapshotRef[] {
  if (!app.only) return list;
  const kinds = app.only === 'db' ? ['database'] : ['files', 'bucket'];
  return list.filter((s) => s.snapshot.components.some((c) => kinds.includes(c.kind)));
}

/** Each repository's snapshots, or the error that kept them from being listed. */
export async function snapshotsOf(
  cfg: Config,
  choice: RepoChoice,
  clock: Clock,
  repositories: string[],
  signal?: AbortSignal,
): Promise<Map<string, SnapshotRef[] | Error>> {
  const out = new Map<string, SnapshotRef[] | Error>();
  for (const repo of new Set(repositories)) {
    const app = cfg.apps.find((a) => a.repository === repo);
    if (!app) continue;
    try {
      const spec = appRepo(choice, cfg, app);
      out.set(repo, (await withContext({ clock, signal }, (ctx) => listSnapshots(spec, {}, ctx))).snapshots);
    } catch (e) {
      out.set(repo, e as Error);
    }
  }
  return out;
}

export interface OverdueFinding {
  app: string;
  periodicity: string;
  host: string;
  isOverdue: boolean;
  newest: string | null;
  ageMs: number | null;
  allowedMs: number;
}

/**
 * For each scheduled job: whether its newest snapshot is older than interval + grace (as `status`), or missing
 * for longer than that since `since` (the daemon's start: a new app is not overdue before its first chance).
 */
export function overdueFindings(
  cfg: Config,
  jobs: Job[],
  snapshots: Map<string, SnapshotRef[] | Error>,
  now: number,
  since: number,
  host: string,
): OverdueFinding[] {
  const out: OverdueFinding[] = [];
  for (const app of cfg.apps) {
    const list = snapshots.get(app.repository);
    if (!list || list instanceof Error) continue;
    const st = appStatus(app, countingFor(app, list), now);
    for (const j of jobs.filter(isBackupJob).filter((x) => x.app === app.id)) {
      const p = st.periodicities.find((x) => x.periodicity === j.periodicity);
      if (!p?.maxAgeMs) continue;
      out.push({
        app: app.id,
        periodicity: j.periodicity,
        host,
        isOverdue: p.state === 'overdue' || (p.state === 'missing' && now - since > p.maxAgeMs),
        newest: p.newest?.time ?? null,
        ageMs: p.newest?.ageMs ?? null,
        allowedMs: p.maxAgeMs,
      });
    }
  }
  return out;
}

/** What each repository's packs take in storage (it loads the index: the daemon asks at most hourly). */
export async function sizesOf(cfg: Config, choice: RepoChoice, clock: Clock): Promise<Map<string, number | Error>> {
  const out = new Map<string, number | Error>();
  for (const repo of new Set(cfg.apps.map((a) => a.repository))) {
    const app = cfg.apps.find((a) => a.repository === repo)!;
    try {
      const spec = appRepo(choice, cfg, app);
      out.set(repo, (await withContext({ clock }, (ctx) => repoStats(spec, ctx))).storedBytes);
    } catch (e) {
      out.set(repo, e as Error);
    }
  }
  return out;
}
