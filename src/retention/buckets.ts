// Calendar buckets for retention rules, in a configured time zone: hour, day, ISO week, month, two-month
// period (Jan–Feb, Mar–Apr, …), year — the strftime patterns `borg prune` uses, plus bimonthly.

export type BucketRule = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'bimonthly' | 'yearly';

interface Local {
  y: number;
  m: number;
  d: number;
  h: number;
  min: number;
  s: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function local(ms: number, timeZone: string): Local {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year, m: p.month, d: p.day, h: p.hour, min: p.minute, s: p.second };
}

/** ISO 8601 week-numbering year and week of a calendar date (as strftime's %G-%V). */
export function isoWeek(y: number, m: number, d: number): { year: number; week: number } {
  const date = Date.UTC(y, m - 1, d);
  const dow = (new Date(date).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = date + (3 - dow) * 86_400_000;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return { year, week };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The bucket a time falls in for a rule; two times share a bucket when these strings are equal. */
export function bucketOf(rule: BucketRule, ms: number, timeZone: string): string {
  const t = local(ms, timeZone);
  switch (rule) {
    case 'last':
      return `${t.y}-${pad(t.m)}-${pad(t.d)} ${pad(t.h)}:${pad(t.min)}:${pad(t.s)}`;
    case 'hourly':
      return `${t.y}-${pad(t.m)}-${pad(t.d)} ${pad(t.h)}`;
    case 'daily':
      return `${t.y}-${pad(t.m)}-${pad(t.d)}`;
    case 'weekly': {
      const w = isoWeek(t.y, t.m, t.d);
      return `${w.year}-W${pad(w.week)}`;
    }
    case 'monthly':
      return `${t.y}-${pad(t.m)}`;
    case 'bimonthly':
      return `${t.y}-B${Math.floor((t.m - 1) / 2) + 1}`;
    case 'yearly':
      return `${t.y}`;
  }
}

/** Throws a RangeError for a time zone name Intl does not know. */
export function checkTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone });
}
