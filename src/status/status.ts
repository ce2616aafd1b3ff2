// Health of an application's backups (pure): for each periodicity, the newest snapshot, its age against
// the periodicity's interval plus a grace margin, and its size and dedup figures. A monitoring system calls
// `strongbox status`, whose exit status is non-zero when this says unhealthy.
import type { AppConfig } from '../config/schema.js';
import { type Periodicity, PERIODICITIES, type SnapshotRef } from '../repository/snapshot.js';
import { parseDuration } from '../util/duration.js';

const HOUR = 3_600_000;
export const INTERVAL_MS: Partial<Record<Periodicity, number>> = {
  hourly: HOUR, daily: 24 * HOUR, weekly: 7 * 24 * HOUR, monthly: 31 * 24 * HOUR, bimonthly: 62 * 24 * HOUR,
};

export type State = 'ok' | 'overdue' | 'missing' | 'incomplete' | 'info';

export interface PeriodicityStatus {
  periodicity: Periodicity;
  /** Configured in the app's `periodicities`: only these can be overdue. */
  scheduled: boolean;
  state: State;
  /** Allowed age: interval + grace (scheduled periodicities only). */
  maxAgeMs?: number;
  count: number;
  newest?: {
    id: string;
    time: string;
    ageMs: number;
    incomplete: boolean;
    /** Bytes the snapshot holds (files and dumps), what it added, and what that took in storage. */
    bytes: number;
    added: number;
    stored: number;
  };
}

export interface AppStatus {
  app: string;
  healthy: boolean;
  periodicities: PeriodicityStatus[];
  problems: string[];
}

/** A grace duration in the one duration grammar ("30min", "6h", "2d"). */
export function parseGrace(s: string): number {
  return parseDuration(s, 'status.grace', { code: 'CONFIG' });
}

export function graceMs(p: Periodicity, configured?: string): number {
  if (configured) return parseGrace(configured);
  const i = INTERVAL_MS[p] ?? 0;
  return p === 'hourly' ? i / 2 : i / 4;
}

export function appStatus(app: Pick<AppConfig, 'id' | 'periodicities' | 'status'>, snapshots: SnapshotRef[], now: number): AppStatus {
  const mine = snapshots.filter((s) => s.snapshot.app === app.id);
  const out: AppStatus = { app: app.id, healthy: true, periodicities: [], problems: [] };
  for (const p of PERIODICITIES) {
    const scheduled = app.periodicities.includes(p as (typeof app.periodicities)[number]);
    const list = mine.filter((s) => (s.snapshot.periodicity ?? 'manual') === p).sort((a, b) => Date.parse(b.snapshot.time) - Date.parse(a.snapshot.time));
    if (!scheduled && !list.length) continue;
    const st: PeriodicityStatus = { periodicity: p, scheduled, state: scheduled ? 'ok' : 'info', count: list.length };
    if (scheduled) st.maxAgeMs = INTERVAL_MS[p]! + graceMs(p, app.status.grace);
    const n = list[0];
    if (n) {
      const s = n.snapshot.summary;
      st.newest = {
        id: n.id, time: n.snapshot.time, ageMs: now - Date.parse(n.snapshot.time), incomplete: !!n.snapshot.incomplete,
        bytes: (s?.bytes ?? 0) + (s?.databaseBytes ?? 0), added: s?.dataAdded ?? 0, stored: s?.dataAddedPacked ?? 0,
      };
    }
    if (scheduled && !n) {
      st.state = 'missing';
      out.problems.push(`app ${app.id}: no ${p} snapshot yet`);
    } else if (scheduled && st.newest!.ageMs > st.maxAgeMs!) {
      st.state = 'overdue';
      out.problems.push(`app ${app.id}: the newest ${p} snapshot is ${hours(st.newest!.ageMs)} old (allowed ${hours(st.maxAgeMs!)})`);
    }
    if (st.newest?.incomplete) {
      // Shown for every periodicity; unhealthy only for the scheduled ones (a monitored job's last run).
      st.state = 'incomplete';
      if (scheduled) out.problems.push(`app ${app.id}: the newest ${p} snapshot ${n!.id.slice(0, 8)} is incomplete (some files could not be read)`);
    }
    out.periodicities.push(st);
  }
  out.healthy = out.problems.length === 0;
  return out;
}

/** "3d 4h", "5h 12m", "42m": an age for people. */
export function hours(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
