// Hosts whose clock is ahead, seen from the repository: a snapshot's claimed time against the time its
// storage wrote it (where the backend gives that). Pure; `status` reports what it finds as problems.
import type { SnapshotRef } from '../repository/snapshot.js';
import { sortNewestWritten } from '../repository/write-order.js';
import { aheadOf } from '../util/time.js';

export interface ClockSkew {
  host: string;
  /** The host's newest written snapshot with a storage time, and both times. */
  id: string;
  time: string;
  storedAt: string;
  /** Claimed time minus storage time (ms): how far the host's clock was ahead. */
  aheadMs: number;
}

/**
 * For each host, its newest written snapshot whose storage time is known, when its claimed time is more than
 * the tolerance ahead of it. Only "ahead" is reported: a time behind the storage's is also what a `--time`
 * import of an old date looks like, and a clock that is behind makes `status` report overdue snapshots anyway.
 */
export function clockSkews(snapshots: SnapshotRef[], now: number): ClockSkew[] {
  const seen = new Set<string>();
  const out: ClockSkew[] = [];
  for (const s of sortNewestWritten(snapshots, now)) {
    if (s.storedAt === undefined || seen.has(s.snapshot.host)) continue;
    seen.add(s.snapshot.host);
    const ahead = aheadOf(Date.parse(s.snapshot.time), s.storedAt);
    if (ahead) {
      const storedAt = new Date(s.storedAt).toISOString();
      out.push({ host: s.snapshot.host, id: s.id, time: s.snapshot.time, storedAt, aheadMs: ahead });
    }
  }
  return out;
}
