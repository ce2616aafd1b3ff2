// Retention policies: the rules (borg prune's, plus bimonthly), their order, durations for `within`, and
// the defaults for scheduled, on-demand and shutdown snapshots.
import { parseDuration } from '../util/duration.js';
import type { BucketRule } from './buckets.js';

export interface Policy {
  /** Keep everything younger than this duration ("30d", "12h", "2w", "1mo" = 31 days, "1y" = 365 days). */
  within?: string;
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  bimonthly?: number;
  yearly?: number;
}

/** The order rules are applied in; a snapshot kept by an earlier rule is not counted by a later one. */
export const RULE_ORDER: ('within' | BucketRule)[] = [
  'within',
  'last',
  'hourly',
  'daily',
  'weekly',
  'monthly',
  'bimonthly',
  'yearly',
];

/** A `within` duration in milliseconds (the one duration grammar: 30d, 12h, 2w, 6mo, 1y). */
export function withinMs(s: string): number {
  return parseDuration(s, 'keep-within', { positive: true });
}

export function isEmptyPolicy(p: Policy): boolean {
  return RULE_ORDER.every((r) => (r === 'within' ? !p.within : !p[r]));
}

export function describePolicy(p: Policy): string {
  return (
    RULE_ORDER.filter((r) => (r === 'within' ? p.within : p[r]))
      .map((r) => (r === 'within' ? `within ${p.within}` : `${r} ${p[r]}`))
      .join(', ') || 'nothing'
  );
}

/** The seed's grandfather-father-son policy for scheduled snapshots; hourly and bimonthly only when taken. */
export function defaultScheduledPolicy(takes: { hourly: boolean; bimonthly: boolean }): Policy {
  return {
    daily: 7,
    weekly: 4,
    monthly: 12,
    ...(takes.hourly ? { hourly: 24 } : {}),
    ...(takes.bimonthly ? { bimonthly: 6 } : {}),
  };
}

/** On-demand snapshots: everything younger than 30 days, and of the older ones the 3 newest. */
export const DEFAULT_ON_DEMAND: Policy = { within: '30d', last: 3 };
export const DEFAULT_SHUTDOWN: Policy = { last: 5 };
