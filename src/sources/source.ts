// The contract every database source implements (SQLite, PostgreSQL, MySQL/MariaDB): a dump as a byte
// stream with metadata, and a restore from such a stream. One conformance suite runs against each.

export interface DumpMeta {
  engine: string;
  /** Dump format, e.g. "sqlite3-database" or "pg_dump-custom". */
  format: string;
  tool: string;
  toolVersion: string;
  serverVersion?: string;
  database: string;
}

export interface Dump {
  /** The dump bytes; reading it to the end runs the dump. It throws if the dump tool fails. */
  stream: AsyncIterable<Buffer>;
  meta: DumpMeta;
}

export interface Source {
  readonly engine: string;
  /** Starts a consistent dump; the caller must read `stream` to its end (or stop it by breaking out). */
  dump(): Promise<Dump>;
  /** Restores a dump produced by `dump` into `target` (a path or a database name, per engine). */
  restore(input: AsyncIterable<Buffer>, target: string): Promise<void>;
}
