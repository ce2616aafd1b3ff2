// The one duration grammar, shared by every option and config field that takes a span of time (lock waits,
// retention `within`, status grace, timeouts): a number and a unit, optionally several ("1d12h").
import { type ErrorCode, StrongboxError } from '../errors.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/**
 * Units, each meaning one thing. `mo` is 31 days and `y` 365 days (borg's month and year, so retention
 * buckets agree with borg); `H` is accepted for hours because borg writes it. A bare `m` is refused: it
 * would mean minutes to some readers and months to others.
 */
export const DURATION_UNITS: Record<string, number> = {
  s: SECOND,
  min: 60 * SECOND,
  h: HOUR,
  H: HOUR,
  d: DAY,
  w: 7 * DAY,
  mo: 31 * DAY,
  y: 365 * DAY,
};

export const DURATION_HELP =
  'a number and a unit: s, min, h, d, w, mo (31 days) or y (365 days), e.g. 90s, 10min, 6h, 30d, 1d12h';

const PART = /(\d+)(min|mo|s|h|H|d|w|y)/y;

/** The duration in milliseconds, or null when `text` is not one. */
export function tryParseDuration(text: string): number | null {
  const s = text.trim();
  if (!s) return null;
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== at) return null;
    ms += Number(m[1]) * DURATION_UNITS[m[2]];
  }
  return Number.isSafeInteger(ms) ? ms : null;
}

/**
 * Parses a duration for `what` (a flag or a config field, named in the error). With `positive`, zero is refused
 * too. Errors are USAGE (a flag) unless `code` says CONFIG.
 */
export function parseDuration(text: string, what: string, opts: { positive?: boolean; code?: ErrorCode } = {}): number {
  const ms = tryParseDuration(text);
  const code = opts.code ?? 'USAGE';
  if (ms === null) {
    const hint = /^\d+m$/.test(text.trim())
      ? ` ("m" is ambiguous: write ${text.trim()}in for minutes or ${text.trim()}o for months)`
      : '';
    throw new StrongboxError(code, `${what} "${text}" is not a duration${hint}: use ${DURATION_HELP}`);
  }
  if (opts.positive && ms <= 0) throw new StrongboxError(code, `${what} "${text}" must be longer than zero`);
  return ms;
}

/** A duration in the grammar's own words, largest units first ("1d12h", "10min", "0s"). */
export function formatDuration(ms: number): string {
  const order: [string, number][] = [
    ['y', DURATION_UNITS.y],
    ['d', DAY],
    ['h', HOUR],
    ['min', 60 * SECOND],
    ['s', SECOND],
  ];
  let rest = Math.round(ms / SECOND) * SECOND;
  const parts: string[] = [];
  for (const [u, n] of order) {
    if (rest >= n) {
      parts.push(`${Math.floor(rest / n)}${u}`);
      rest %= n;
    }
  }
  return parts.join('') || '0s';
}

/**
 * A span for people, rounded to the minute, in its two largest units: "42m", "5h 12m", "3d 4h", "7974y 12d"
 * (an age in `status`, how far a snapshot is dated ahead of a clock). Not the grammar: see formatDuration.
 */
export function formatAge(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  if (d < 365) return `${d}d ${h % 24}h`;
  return `${Math.floor(d / 365)}y ${d % 365}d`;
}
