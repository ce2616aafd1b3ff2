// Health of an application's backups (pure): for each periodicity, the newest snapshot, its age against
// the periodicity's interval plus a grace margin, and its size and dedup figures. A monitoring system calls
// `strongbox status`, whose exit status is non-zero when this says unhealthy.
import type { AppConfig } from '../config/schema.js';
import { type Periodicity, PERIODICITIES, type SnapshotRef } from '../repository/snapshot.js';
import { sortNewestWritten } from '../repository/write-order.js';
import { formatAge, parseDuration } from '../util/duration.js';
import { aheadOf } from '../util/time.js';
import { type ClockSkew, clockSkews } from './skew.js';

const HOUR = 3_600_000;
export const INTERVAL_MS: Partial<Record<Periodicity, number>> = {
  hourly: HOUR,
  daily: 24 * HOUR,
  weekly: 7 * 24 * HOUR,
  monthly: 31 * 24 * HOUR,
  bimonthly: 62 * 24 * HOUR,
};

/** `ahead`: the newest snapshot is dated ahead of this host's clock, so its age says nothing. */
export type State = 'ok' | 'overdue' | 'missing' | 'incomplete' | 'ahead' | 'info';

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
  /** Hosts whose newest snapshot claims a time ahead of when the storage wrote it (clock ahead); absent when none. */
  clocks?: ClockSkew[];
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

export function appStatus(
  app: Pick<AppConfig, 'id' | 'periodicities' | 'status'>,
  snapshots: SnapshotRef[],
  now: number,
): AppStatus {
  const mine = snapshots.filter((s) => s.snapshot.app === app.id);
  const clocks = clockSkews(mine, now);
  const out: AppStatus = {
    app: app.id,
    healthy: true,
    periodicities: [],
    ...(clocks.length ? { clocks } : {}),
    problems: [],
  };
  for (const p of PERIODICITIES) {
    // A shutdown backup is listed too, but it has no interval: it cannot be overdue.
    const scheduled =
      INTERVAL_MS[p] !== undefined && app.periodicities.includes(p as (typeof app.periodicities)[number]);
    // The newest written, not the latest claimed time: one dated in the future must not stand for the last run.
    const list = sortNewestWritten(
      mine.filter((s) => (s.snapshot.periodicity ?? 'manual') === p),
      now,
    );
    if (!scheduled && !list.length) continue;
    const st: PeriodicityStatus = { periodicity: p, scheduled, state: scheduled ? 'ok' : 'info', count: list.length };
    if (scheduled) st.maxAgeMs = INTERVAL_MS[p]! + graceMs(p, app.status.grace);
    const n = list[0];
    if (n) {
      const s = n.snapshot.summary;
      st.newest = {
        id: n.id,
        time: n.snapshot.time,
        ageMs: now - Date.parse(n.snapshot.time),
        incomplete: !!n.snapshot.incomplete,
        bytes: (s?.bytes ?? 0) + (s?.databaseBytes ?? 0),
        added: s?.dataAdded ?? 0,
        stored: s?.dataAddedPacked ?? 0,
      };
    }
    if (scheduled && !n) {
      st.state = 'missing';
      out.problems.push(`app ${app.id}: no ${p} snapshot yet`);
    } else if (n && aheadOf(Date.parse(n.snapshot.time), now)) {
      st.state = 'ahead';
      if (scheduled) {
        out.problems.push(
          `app ${app.id}: the newest ${p} snapshot ${n.id.slice(0, 8)} of host ${n.snapshot.host} is dated ${n.snapshot.time}, ` +
            `${formatAge(-st.newest!.ageMs)} ahead of this host's clock, so whether it is overdue cannot be told (check the clocks)`,
        );
      }
    } else if (scheduled && st.newest!.ageMs > st.maxAgeMs!) {
      st.state = 'overdue';
      out.problems.push(
        `app ${app.id}: the newest ${p} snapshot is ${formatAge(st.newest!.ageMs)} old (allowed ${formatAge(st.maxAgeMs!)})`,
      );
    }
    if (st.newest?.incomplete) {
      // Shown for every periodicity; unhealthy only for the scheduled ones (a monitored job's last run).
      st.state = 'incomplete';
      if (scheduled)
        out.problems.push(
          `app ${app.id}: the newest ${p} snapshot ${n!.id.slice(0, 8)} is incomplete (some files could not be read)`,
        );
    }
    out.periodicities.push(st);
  }
  for (const c of clocks) {
    out.problems.push(
      `app ${app.id}: host ${c.host}'s clock looks ${formatAge(c.aheadMs)} ahead: its snapshot ${c.id.slice(0, 8)} is dated ${c.time}, ` +
        `but the repository's storage wrote it at ${c.storedAt} (fix that host's clock; snapshots it dates ahead look newer than they are)`,
    );
  }
  out.healthy = out.problems.length === 0;
  return out;
}
