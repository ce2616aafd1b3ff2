// Catch-up and slots already taken (pure): a job is due at start, or after the clock jumped, when the repository
// holds no snapshot of its app and periodicity, or when its newest one is older than the job's last slot; a run
// about to start is skipped when a snapshot at or after its slot is there. The repository is the source of truth,
// so a restarted daemon, or a second host sharing the repository, does not take the same slot twice.
import type { SnapshotRef } from '../repository/snapshot.js';
import { sortNewestWritten } from '../repository/write-order.js';
import { aheadOf } from '../util/time.js';
import { type BackupJob, prevSlot } from './jobs.js';

export interface CatchUp {
  job: BackupJob;
  /** The missed slot the run stands for. */
  slot: number;
  /** Why, for the log: "no daily snapshot yet" or "the newest daily snapshot (…) is older than the slot …". */
  reason: string;
}

/** The catch-up run `job` needs at `now` given the repository's snapshots (any apps), or null. */
export function catchUpFor(job: BackupJob, snapshots: SnapshotRef[], now: number): CatchUp | null {
  const slot = prevSlot(job, now);
  if (slot === null) return null;
  const mine = snapshots.filter((s) => s.snapshot.app === job.app && s.snapshot.periodicity === job.periodicity);
  const newest = sortNewestWritten(mine, now)[0];
  if (!newest) return { job, slot, reason: `no ${job.periodicity} snapshot yet` };
  const t = Date.parse(newest.snapshot.time);
  // One dated ahead of this clock says nothing about the slot: not taken again (status names such clocks).
  if (t >= slot || aheadOf(t, now)) return null;
  return {
    job,
    slot,
    reason:
      `the newest ${job.periodicity} snapshot ${newest.id.slice(0, 8)} (${newest.snapshot.time}) ` +
      `is older than the slot at ${new Date(slot).toISOString()}`,
  };
}

/**
 * The newest written snapshot of `app` and `periodicity` among `snapshots` (those that count on this machine: see
 * countingFor) dated at or after `slot`: another host sharing the repository took that slot already.
 */
export function slotTakenBy(
  app: string,
  periodicity: string,
  snapshots: SnapshotRef[],
  slot: number,
  now: number,
): SnapshotRef | undefined {
  const taken = snapshots.filter(
    (s) => s.snapshot.app === app && s.snapshot.periodicity === periodicity && Date.parse(s.snapshot.time) >= slot,
  );
  return sortNewestWritten(taken, now)[0];
}
