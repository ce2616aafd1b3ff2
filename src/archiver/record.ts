// Writing the snapshot objects of one backup run: the fields every snapshot carries, one object per
// periodicity label (several with "all"), saved after all the data they reference. Plain and app backups share it.
import { hostname } from 'node:os';
import type { Repository } from '../repository/repository.js';
import {
  type Component,
  labelled,
  type Periodicity,
  type Snapshot,
  type SnapshotSummary,
} from '../repository/snapshot.js';
import { safeUser } from '../util/user.js';
import { VERSION } from '../version.js';

export interface SnapshotRecord {
  /** Record the snapshot at this time (ms since epoch) instead of now: such a snapshot gets no `seq`. */
  time?: number;
  host?: string;
  app?: string;
  paths: string[];
  tags?: string[];
  parent: string | null;
  components: Component[];
  summary: SnapshotSummary;
  /** Paths that could not be read: the snapshot is marked incomplete. */
  errors: { path: string; message: string }[];
  /** Default "manual"; "all" records one snapshot per time-based periodicity. */
  periodicity?: Periodicity | 'all';
  note?: string;
}

export interface RecordedSnapshots {
  /** The first snapshot recorded (the only one unless the periodicity is "all"). */
  id: string;
  snapshot: Snapshot;
  saved: { id: string; periodicity: Periodicity }[];
}

export async function recordSnapshots(repo: Repository, r: SnapshotRecord): Promise<RecordedSnapshots> {
  // Taken last, so it counts the snapshots other backups saved while this one ran. A snapshot given its time
  // (--time: an import) is placed in history by that time instead, like one written before seq existed.
  const seq = r.time === undefined ? await repo.snapshots.nextSeq() : undefined;
  const base: Snapshot = {
    version: 1,
    time: new Date(r.time ?? repo.clock.now()).toISOString(),
    ...(seq !== undefined ? { seq } : {}),
    host: r.host ?? hostname(),
    username: safeUser(),
    ...(r.app !== undefined ? { app: r.app } : {}),
    paths: r.paths,
    tags: r.tags ?? [],
    parent: r.parent,
    program: `strongbox ${VERSION}`,
    components: r.components,
    summary: r.summary,
  };
  if (r.errors.length) base.incomplete = { errors: r.errors };
  const all = labelled(base, r.periodicity ?? 'manual', r.note);
  const saved: RecordedSnapshots['saved'] = [];
  for (const s of all) saved.push({ id: await repo.snapshots.save(s), periodicity: s.periodicity! });
  return { id: saved[0].id, snapshot: all[0], saved };
}
