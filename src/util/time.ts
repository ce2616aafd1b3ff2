// Dates given on the command line (--time, --since, --until): one strict ISO 8601 grammar with four-digit
// years 1970–9999 (no sign, no expanded years), and the rule that a snapshot may not claim a time ahead of its
// writer's clock.
import { StrongboxError } from '../errors.js';

/** How far a snapshot's time may be ahead of a clock before it counts as "in the future" (clocks drift). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(10000, 0, 1) - 1;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/i;
const EXAMPLE = 'use e.g. 2026-11-22 or 2026-11-22T10:00:00Z (years 1970–9999)';

/**
 * A date or date-time as `flag` gives it, in ms since the epoch. Date.parse alone would read "-5000-01-01"
 * as year 5000, accept "+275760-09-13" and roll "2025-02-30" over to March; those are refused, naming the flag.
 * As with Date.parse, a date alone is UTC midnight and a date-time without an offset is local time.
 */
export function parseDateTime(text: string, flag: string): number {
  const t = text.trim();
  const m = ISO.exec(t);
  const bad = (why: string) => new StrongboxError('USAGE', `${flag} ${text}: ${why}; ${EXAMPLE}`);
  if (!m) throw bad('not a date/time');
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) throw bad('no such day');
  const [hh, mm, ss] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (hh > 23 || mm > 59 || ss > 59) throw bad('no such time of day');
  const ms = Date.parse(t.replace(' ', 'T'));
  if (Number.isNaN(ms)) throw bad('not a date/time');
  checkRange(ms, `${flag} ${text}`);
  return ms;
}

function checkRange(ms: number, what: string): void {
  if (!(ms >= MIN_MS && ms <= MAX_MS)) {
    throw new StrongboxError('USAGE', `${what}: a date must lie in the years 1970–9999`);
  }
}

/**
 * Refuses a snapshot time (ms) outside 1970–9999, or more than FUTURE_TOLERANCE_MS ahead of the writer's
 * clock unless `allowFuture`: such a snapshot would claim to be newer than every real one written after it.
 */
export function checkSnapshotTime(ms: number, now: number, allowFuture = false): void {
  const iso = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
  const what = `snapshot time ${iso}`;
  checkRange(ms, what);
  if (!allowFuture && aheadOf(ms, now)) {
    const clock = new Date(now).toISOString();
    throw new StrongboxError(
      'USAGE',
      `${what} is in the future (this host's clock says ${clock}); ` +
        'give a time that has passed, or add --allow-future if this one is meant',
    );
  }
}

/** How far `ms` is ahead of `now` when that is more than the tolerance, else 0. */
export function aheadOf(ms: number, now: number): number {
  return ms - now > FUTURE_TOLERANCE_MS ? ms - now : 0;
}
