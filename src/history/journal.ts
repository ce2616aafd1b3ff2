// The run history: every backup the daemon ran (what, when, outcome, duration, bytes, a summary of its events, the
// error), one JSON line each, appended and fsync'd so a crash loses at most the line being written. `strongbox
// runs` and the HTTP API read it. Format: docs/design/run-history.md.
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdir, open, readFile } from 'node:fs/promises';
import { StrongboxError } from '../errors.js';
import type { Periodicity } from '../repository/snapshot.js';

export const HISTORY_VERSION = 1;

/**
 * Why a run happened: its slot came, it makes up for a missed slot, the daemon was being stopped, or someone asked
 * for it over the HTTP API (then `user` says who).
 */
export type RunTrigger = 'schedule' | 'catch-up' | 'shutdown' | 'api';
/** `skipped`: a scheduled or catch-up run found its slot taken already (another host sharing the repository). */
export type RunOutcome = 'ok' | 'incomplete' | 'hook-failed' | 'failed' | 'cancelled' | 'skipped';

export interface RunRecord {
  v: typeof HISTORY_VERSION;
  /** Unique per run (random). */
  id: string;
  app: string;
  periodicity: Periodicity;
  trigger: RunTrigger;
  /** The slot a scheduled or catch-up run stands for (ISO 8601). */
  slot?: string;
  host: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  /** The snapshot saved (absent when none was). */
  snapshot?: string;
  /** Mirrors (locations) that missed objects of this backup: degraded until a sync. */
  degraded?: string[];
  /** Bytes the snapshot holds (files and dumps), what the run added, and what that took in storage. */
  bytes?: { total: number; added: number; stored: number };
  /** How many warnings the run reported, and the first few. */
  events: { warnings: number; firstWarnings: string[] };
  error?: { code: string; message: string };
  /** Why a `skipped` run did not back up: the snapshot that took its slot. */
  reason?: string;
  /** Who asked for it (trigger `api`): a user name, or `token:NAME`. */
  user?: string;
}

/**
 * Upkeep the daemon did (a forget after an app's backup, a prune, check or drill), or an operation asked for over the
 * HTTP API (those and a restore).
 */
export interface HousekeepingRecord {
  v: typeof HISTORY_VERSION;
  id: string;
  op: 'forget' | 'prune' | 'check' | 'drill' | 'sync' | 'restore' | 'download';
  /** The repository's name in the config. */
  repository: string;
  /** The app whose snapshots a forget applied retention to, or that a drill restored. */
  app?: string;
  /** `cli`: a drill run by hand (`strongbox drill`). */
  trigger: 'schedule' | 'after-backup' | 'api' | 'cli';
  slot?: string;
  host: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** `failed` also when a check found errors. */
  outcome: 'ok' | 'failed' | 'cancelled';
  /** What it did, in numbers (snapshots removed, bytes reclaimed, packs read, part n/m, errors found). */
  detail?: Record<string, number | string>;
  error?: { code: string; message: string };
  /** Who asked for it (trigger `api`). */
  user?: string;
}

export type HistoryRecord = RunRecord | HousekeepingRecord;

export function isHousekeeping(r: HistoryRecord): r is HousekeepingRecord {
  return 'op' in r && r.op !== undefined;
}

/**
 * Where the history lives unless `daemon.history` says: systemd's $STATE_DIRECTORY (StateDirectory=strongbox),
 * else $XDG_STATE_HOME/strongbox, else ~/.local/state/strongbox.
 */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.STATE_DIRECTORY?.split(':')[0];
  if (state) return join(state, 'runs.jsonl');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'strongbox', 'runs.jsonl');
}

/** Appends one record and waits until it is on disk. */
export async function appendRun(path: string, run: HistoryRecord): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const f = await open(path, 'a', 0o600);
    try {
      await f.write(`${JSON.stringify(run)}\n`);
      await f.datasync();
    } finally {
      await f.close();
    }
  } catch (e) {
    throw new StrongboxError('IO', `cannot write the run history ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export interface RunQuery {
  app?: string;
  /** The newest this many (default all). */
  limit?: number;
}

/** The backup runs, oldest first (see readHistory). */
export async function readRuns(path: string, q: RunQuery = {}): Promise<{ runs: RunRecord[]; skipped: number }> {
  const { records, skipped } = await readHistory(path, { app: q.app });
  const runs = records.filter((r): r is RunRecord => !isHousekeeping(r));
  return { runs: q.limit !== undefined ? runs.slice(-q.limit) : runs, skipped };
}

/**
 * Every record, oldest first (with `app`, those of the app: its backups and forgets; with `limit`, the newest
 * that many). A line that does not parse (a crash cut the last one short) is left out and counted in `skipped`;
 * a missing file is an empty history.
 */
export async function readHistory(
  path: string,
  q: RunQuery = {},
): Promise<{ records: HistoryRecord[]; skipped: number }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: 0 };
    throw new StrongboxError('IO', `cannot read the run history ${path}: ${(e as Error).message}`, { cause: e });
  }
  const records: HistoryRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = parseLine(line);
    if (!r) skipped++;
    else if (q.app === undefined || r.app === q.app) records.push(r);
  }
  return { records: q.limit !== undefined ? records.slice(-q.limit) : records, skipped };
}

function parseLine(line: string): HistoryRecord | null {
  try {
    const r = JSON.parse(line) as HistoryRecord;
    const named = isHousekeeping(r) ? typeof r.repository === 'string' : typeof r.app === 'string';
    return r && typeof r === 'object' && r.v === HISTORY_VERSION && named && typeof r.startedAt === 'string' ? r : null;
  } catch {
    return null;
  }
}
