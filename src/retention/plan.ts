// The retention engine: a pure function from (snapshots, policy, now, time zone) to a plan saying, for every
// snapshot, whether it is kept and by which rule — its current label ("daily 3/7", "weekly 1/4",
// "within 30d"). Rule semantics are borg prune's; the newest snapshot written in a group, and the newest
// written of each periodicity in it, are never removed (write order, not the claimed time: write-order.ts).
import { compareWritten } from '../repository/write-order.js';
import { type BucketRule, bucketOf } from './buckets.js';
import { type Policy, RULE_ORDER, withinMs } from './policy.js';

export interface Item {
  id: string;
  /** ms since the epoch. */
  time: number;
  /** The periodicity it was taken as: the newest of each is kept, so status always sees each job's last run. */
  periodicity?: string;
  /** The snapshot's write-order number (absent in older snapshots): decides which one is "newest". */
  seq?: number;
}

export interface Decision {
  id: string;
  time: number;
  keep: boolean;
  /** The rule that keeps it: a bucket rule, "within", or "newest" (kept only because it is the newest). */
  rule?: BucketRule | 'within' | 'newest';
  /** Its place among the rule's keeps (1 = newest), and the rule's count. */
  n?: number;
  of?: number;
  /** Kept as the oldest snapshot because the rule found fewer buckets than it may keep. */
  oldest?: boolean;
  label: string;
}

/** Newest first; equal times are ordered by ID so the plan is deterministic. */
function newestFirst(items: Item[]): Item[] {
  return [...items].sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

export function planRetention(items: Item[], policy: Policy, now: number, timeZone = 'UTC'): Decision[] {
  const sorted = newestFirst(items);
  const kept = new Map<string, Omit<Decision, 'id' | 'time' | 'keep'>>();
  for (const rule of RULE_ORDER) {
    if (rule === 'within') {
      if (!policy.within) continue;
      const since = now - withinMs(policy.within);
      let n = 0;
      for (const s of sorted)
        if (s.time > since && !kept.has(s.id)) kept.set(s.id, { rule, n: ++n, label: `within ${policy.within}` });
      continue;
    }
    const count = policy[rule] ?? 0;
    if (count <= 0) continue;
    let last: string | null = null;
    let n = 0;
    let stoppedEarly = false;
    for (const s of sorted) {
      const bucket = bucketOf(rule, s.time, timeZone);
      if (bucket === last) continue;
      last = bucket;
      // A bucket whose newest snapshot an earlier rule keeps is not counted again (borg's relabelling).
      if (kept.has(s.id)) continue;
      kept.set(s.id, { rule, n: ++n, of: count, label: `${rule} ${n}/${count}` });
      if (n === count) {
        stoppedEarly = true;
        break;
      }
    }
    // Too few buckets: the oldest snapshot is kept too, so a young history is never thinned to nothing.
    const oldest = sorted[sorted.length - 1];
    if (!stoppedEarly && oldest && n < count && !kept.has(oldest.id)) {
      kept.set(oldest.id, { rule, n: ++n, of: count, oldest: true, label: `${rule} ${n}/${count} (oldest)` });
    }
  }
  // The buckets go by the claimed time, but "newest" is the newest written: a snapshot claiming a later
  // time (a wrong clock, a mistyped --time) must not cost the one really taken last.
  const byWrite = [...sorted].sort((a, b) => compareWritten(a, b, now));
  if (byWrite.length && !kept.has(byWrite[0].id)) kept.set(byWrite[0].id, { rule: 'newest', label: 'newest' });
  const seen = new Set<string>();
  for (const s of byWrite) {
    if (s.periodicity === undefined || seen.has(s.periodicity)) continue;
    seen.add(s.periodicity);
    if (!kept.has(s.id)) kept.set(s.id, { rule: 'newest', label: `newest ${s.periodicity}` });
  }
  return sorted.map((s) => {
    const k = kept.get(s.id);
    return k ? { id: s.id, time: s.time, keep: true, ...k } : { id: s.id, time: s.time, keep: false, label: 'remove' };
  });
}
