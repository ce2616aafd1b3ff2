// The order snapshots were written in, which a wrong clock cannot upset: the per-repository sequence number
// first, the claimed time only within one number (format doc, "Time and `seq`").
import { formatAge } from '../util/duration.js';
import { aheadOf } from '../util/time.js';
import type { SnapshotRef } from './snapshot.js';

/** What write order looks at: `time` in ms since the epoch, `seq` as recorded (absent in older snapshots). */
export interface Written {
  id: string;
  time: number;
  seq?: number;
}

/**
 * Negative when `a` was written after `b`. Higher `seq` first (absent counts as 0: written before any
 * snapshot that has one); within one `seq` (concurrent writers, older snapshots), a snapshot dated more
 * than the tolerance ahead of `now` comes after those that are not, then the later time, then the larger ID.
 */
export function compareWritten(a: Written, b: Written, now: number): number {
  const seq = (b.seq ?? 0) - (a.seq ?? 0);
  if (seq !== 0) return seq;
  const future = Number(aheadOf(a.time, now) > 0) - Number(aheadOf(b.time, now) > 0);
  if (future !== 0) return future;
  return b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The sequence number a new snapshot gets: 1 + the highest among the snapshots its writer can see. */
export function nextSeq(seen: { seq?: number }[]): number {
  return 1 + seen.reduce((m, s) => Math.max(m, s.seq ?? 0), 0);
}

export interface AheadWarning {
  ref: SnapshotRef;
  warning: string;
}

/**
 * The newest written of `list` (any order) and a warning for each of its snapshots dated more than the
 * tolerance ahead of `now`, saying whether it was chosen (it was written last) or which one was.
 */
export function newestWritten(list: SnapshotRef[], now: number): { chosen?: SnapshotRef; ahead: AheadWarning[] } {
  const sorted = sortNewestWritten(list, now);
  const chosen = sorted[0];
  const ahead = sorted.filter((s) => aheadOf(Date.parse(s.snapshot.time), now));
  return { chosen, ahead: ahead.map((ref) => ({ ref, warning: futureWarning(ref, now, chosen) })) };
}

/** Newest written first: `seq`, then the claimed time, with `now` the reader's clock. */
export function sortNewestWritten(list: SnapshotRef[], now: number): SnapshotRef[] {
  return [...list].sort((a, b) => compareWritten(written(a), written(b), now));
}

/** What write order looks at in a snapshot. */
export function written(s: SnapshotRef): Written {
  return { id: s.id, time: Date.parse(s.snapshot.time), seq: s.snapshot.seq };
}

/** "snapshot 1a2b3c4d of host web-1 is dated 9999-12-31T23:59:59.000Z, 7974y 12d ahead of this host's clock". */
function aheadText(s: SnapshotRef, now: number): string {
  const t = Date.parse(s.snapshot.time);
  return (
    `snapshot ${s.id.slice(0, 8)} of host ${s.snapshot.host} is dated ${new Date(t).toISOString()}, ` +
    `${formatAge(t - now)} ahead of this host's clock`
  );
}

const CHECK = "check that host's clock, or whether the time was given with --time";

function futureWarning(s: SnapshotRef, now: number, chosen: SnapshotRef | undefined): string {
  const tail =
    chosen?.id === s.id
      ? `; it was written last${s.snapshot.seq !== undefined ? ` (seq ${s.snapshot.seq})` : ''}, so it is used` +
        ' as the newest'
      : `; snapshot ${chosen?.id.slice(0, 8)} was written after it and is used as the newest`;
  return `${aheadText(s, now)}${tail} (${CHECK})`;
}

/** The warning forget gives for a snapshot dated ahead of `now`: retention buckets go by that time. */
export function retentionWarning(s: SnapshotRef, now: number): string {
  return (
    `${aheadText(s, now)}; retention places it by that time, and keeps the snapshot written last in any case` +
    ` (${CHECK})`
  );
}
