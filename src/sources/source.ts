// The contract every database source implements (SQLite, PostgreSQL, MySQL/MariaDB): a dump as a byte
// stream with metadata, and a restore from such a stream into a named target. One conformance suite runs against each.
import type { DumpMeta } from '../repository/snapshot.js';

export type { DumpMeta };

export interface Dump {
  /** The dump bytes; reading it to the end runs the dump. It throws if the dump tool fails. */
  stream: AsyncIterable<Buffer>;
  meta: DumpMeta;
}

/** What a restore target holds now: restoring over `non-empty` needs the user's consent. */
export type TargetState = 'missing' | 'empty' | 'non-empty';

export interface Source {
  readonly engine: string;
  /** Names the app and component in every message ("app shop, database main"). */
  readonly label: string;
  /** The configured database (name, or path for SQLite): the default restore target. */
  readonly defaultTarget: string;
  /** Starts a consistent dump; the caller must read `stream` to its end (or stop it by breaking out). */
  dump(): Promise<Dump>;
  /** Whether `target` (a database name on the configured server, or a path for SQLite) exists and holds data. */
  targetState(target: string): Promise<TargetState>;
  /**
   * Restores a dump produced by `dump` into `target`, creating it when missing and replacing what it holds.
   * The caller has checked consent; `input` is read to its end or the restore fails. `meta` is the dump's
   * recorded metadata (when known): a created database gets its `defaults`.
   */
  restore(input: AsyncIterable<Buffer>, target: string, meta?: DumpMeta): Promise<void>;
  /** A printable description of `target` (no secrets), e.g. "postgres database shop_copy on 127.0.0.1:5432". */
  describeTarget(target: string): string;
  /** For a restore drill: the exact number of rows of every table of `target`, named as the dump's `tables` name them. */
  countRows(target: string): Promise<Record<string, number>>;
  /** For a restore drill's smoke test: runs `sql` on `target` and returns its output (rows of tab-separated values). */
  query(target: string, sql: string): Promise<string>;
  /** For a restore drill: removes `target` (a scratch database) entirely; nothing when it does not exist. */
  drop(target: string): Promise<void>;
}
