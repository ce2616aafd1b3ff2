// Snapshot objects: what one backup recorded (format doc, "Snapshots"), and how a user names one
// ("latest", a unique ID prefix).
import { StrongboxError } from '../errors.js';

export interface FilesComponent {
  name: string;
  kind: 'files';
  tree: string;
  paths: string[];
  /**
   * The exclude patterns the tree was taken with (excludes, offloaded folders, embedded databases): what a
   * replacing restore must leave in place, whatever the config says by then. Absent in older snapshots.
   */
  excludes?: string[];
}

/** What a database source says about its dump (recorded in the snapshot with the dump's blobs). */
export interface DumpMeta {
  engine: string;
  /** Dump format, e.g. "sqlite3-database", "pg_dump-custom" or "mysqldump-sql". */
  format: string;
  tool: string;
  toolVersion: string;
  serverVersion?: string;
  database: string;
  /** Rows per table, where the engine gives them cheaply. */
  tables?: Record<string, number>;
  /** "exact" when counted in the dumped state, "estimate" when taken from the server's statistics. */
  rowCounts?: 'exact' | 'estimate';
  /**
   * The database's own defaults, which its dump does not carry: a database the restore has to create gets
   * them (PostgreSQL: encoding, collate, ctype; MySQL/MariaDB: character set, collation).
   */
  defaults?: Record<string, string>;
}

/** A database dump stored as a byte stream (format doc, "Snapshots"). */
export interface DatabaseComponent extends DumpMeta {
  name: string;
  kind: 'database';
  /** Data blob IDs of the dump, in order. */
  content: string[];
  size: number;
  sha256: string;
  durationMs: number;
}

/**
 * The objects of a bucket (or of a prefix in one), backed up as a tree: one file node per object, keys split at "/"
 * into directories, the exact key and the S3 attributes in the node's `object` (format doc, "Bucket components").
 */
export interface BucketComponent {
  name: string;
  kind: 'bucket';
  tree: string;
  /** The bucket and prefix the objects came from (no credentials), e.g. s3:https://host/bucket/prefix. */
  location: string;
  objects: number;
  /** Total bytes of the objects. */
  size: number;
  /** Patterns over keys (relative to the prefix) that the backup left out: a replacing restore never deletes them. */
  excludes?: string[];
}

export type Component = FilesComponent | DatabaseComponent | BucketComponent;

/** Every component that holds a tree (file trees and buckets): what check, prune and repair walk. */
export function treeComponents(s: Snapshot): (FilesComponent | BucketComponent)[] {
  return s.components.filter(
    (c): c is FilesComponent | BucketComponent =>
      (c.kind === 'files' || c.kind === 'bucket') && typeof c.tree === 'string',
  );
}

export function bucketComponents(s: Snapshot): BucketComponent[] {
  return s.components.filter((c): c is BucketComponent => c.kind === 'bucket');
}

export interface SnapshotSummary {
  files: number;
  dirs: number;
  bytes: number;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dataBlobs: number;
  treeBlobs: number;
  dataAdded: number;
  dataAddedPacked: number;
  durationMs: number;
  /** Database dumps in this snapshot and their total size (app snapshots). */
  databases?: number;
  databaseBytes?: number;
}

/** How often a snapshot is taken; "shutdown" when a server goes away, "manual" on demand. */
export const PERIODICITIES = ['hourly', 'daily', 'weekly', 'monthly', 'bimonthly', 'shutdown', 'manual'] as const;
export type Periodicity = (typeof PERIODICITIES)[number];
/** The time-based periodicities, which `--periodicity all` takes at once. */
export const TIME_PERIODICITIES: Periodicity[] = ['hourly', 'daily', 'weekly', 'monthly', 'bimonthly'];
export type Trigger = 'scheduled' | 'on-demand' | 'shutdown';

/** The trigger a backup of this periodicity records. */
export function triggerOf(p: Periodicity): Trigger {
  return p === 'manual' ? 'on-demand' : p === 'shutdown' ? 'shutdown' : 'scheduled';
}

/** The trigger a snapshot recorded; a snapshot from before triggers were recorded was taken on demand. */
export function recordedTrigger(s: Snapshot): Trigger {
  return s.trigger ?? 'on-demand';
}

/**
 * The snapshot objects one backup run records: one for a periodicity, or with "all" one per time-based
 * periodicity, sharing every component (only the label differs, so they cost a few hundred bytes each).
 */
export function labelled(base: Snapshot, periodicity: Periodicity | 'all', note?: string): Snapshot[] {
  const ps = periodicity === 'all' ? TIME_PERIODICITIES : [periodicity];
  return ps.map((p) => ({ ...base, periodicity: p, trigger: triggerOf(p), ...(note !== undefined ? { note } : {}) }));
}

export function parsePeriodicity(v: string, allowAll: boolean): Periodicity | 'all' {
  if ((PERIODICITIES as readonly string[]).includes(v) || (allowAll && v === 'all')) return v as Periodicity | 'all';
  throw new StrongboxError(
    'USAGE',
    `--periodicity ${v}: use one of ${PERIODICITIES.join(', ')}${allowAll ? ', all' : ''}`,
  );
}

export interface Snapshot {
  version: 1;
  /** What the snapshot claims; a wrong clock or --time can make it anything (see `seq`). */
  time: string;
  /**
   * Write order: 1 + the highest `seq` among the snapshots its writer could see (format doc, "Time and
   * `seq`"). Absent in snapshots given their time with --time and in those written before it existed (count as 0).
   */
  seq?: number;
  host: string;
  username: string;
  /** The application this snapshot belongs to (app backups only). */
  app?: string;
  periodicity?: Periodicity;
  trigger?: Trigger;
  /** A note given with an on-demand backup. */
  note?: string;
  paths: string[];
  tags: string[];
  parent: string | null;
  program: string;
  components: Component[];
  summary?: SnapshotSummary;
  incomplete?: { errors: { path: string; message: string }[] };
  /** Set by `repair snapshots`: when, which snapshot this replaces, and what it left out. */
  repaired?: { time: string; original: string; removed: string[] };
  /** Set by `copy` on the copy it writes: the source repository's config ID and the original snapshot's ID. */
  copiedFrom?: { repository: string; snapshot: string };
}

export interface SnapshotRef {
  id: string;
  snapshot: Snapshot;
  /** When the storage wrote the object (ms), where the backend says: to spot a writer whose clock is off. */
  storedAt?: number;
}

export function filesComponent(s: Snapshot): FilesComponent | undefined {
  return s.components.find((c): c is FilesComponent => c.kind === 'files');
}

export function filesComponents(s: Snapshot): FilesComponent[] {
  return s.components.filter((c): c is FilesComponent => c.kind === 'files');
}

export function databaseComponents(s: Snapshot): DatabaseComponent[] {
  return s.components.filter((c): c is DatabaseComponent => c.kind === 'database');
}

export function samePaths(a: string[], b: string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** What `snapshots`, `latest` and `forget` select by; every given field must match. */
export interface SnapshotFilter {
  app?: string;
  periodicity?: Periodicity;
  /** The snapshot must carry every one of these tags. */
  tags?: string[];
  /** ms since the epoch, inclusive. */
  since?: number;
  until?: number;
}

export function matchesFilter(s: Snapshot, f: SnapshotFilter): boolean {
  const t = Date.parse(s.time);
  return (
    (f.app === undefined || s.app === f.app) &&
    (f.periodicity === undefined || (s.periodicity ?? 'manual') === f.periodicity) &&
    (f.tags ?? []).every((tag) => s.tags.includes(tag)) &&
    (f.since === undefined || t >= f.since) &&
    (f.until === undefined || t <= f.until)
  );
}
