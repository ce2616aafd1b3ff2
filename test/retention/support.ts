// Helpers for the retention specifications: snapshot series at readable times, and the plan read back as
// (time, label) rows so expectations can be written as tables.
import type { Decision, Item } from '../../src/retention/plan.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** ms of an ISO time; without an offset it is UTC ("2024-03-01T02:00" = 02:00 UTC). */
export function at(iso: string): number {
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${iso}`);
  return ms;
}

/** `count` snapshots `step` ms apart from `first`, with IDs s0000, s0001, … in time order. */
export function series(first: string, step: number, count: number, prefix = 's'): Item[] {
  const start = at(first);
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${String(i).padStart(4, '0')}`,
    time: start + i * step,
  }));
}

/** Snapshots at the given times, IDs in time order. */
export function snapshots(...times: string[]): Item[] {
  return times.map((t, i) => ({ id: `s${String(i).padStart(4, '0')}`, time: at(t) }));
}

/** "2024-03-01T02:00:00Z", as written in the expectations. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Wall-clock time in a zone, "2024-03-31 01:30:00". */
export function localTime(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
}

/** The kept snapshots, newest first, as [UTC time, label]. */
export function kept(plan: Decision[]): [string, string][] {
  return plan.filter((d) => d.keep).map((d) => [isoUtc(d.time), d.label]);
}

/** How many snapshots each rule keeps. */
export function countByRule(plan: Decision[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of plan) if (d.keep) counts[d.rule!] = (counts[d.rule!] ?? 0) + 1;
  return counts;
}
