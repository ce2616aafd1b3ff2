// The SQL the SQLite source runs through the sqlite3 shell, by name: constants for fixed statements, small
// builders for those that take a name or a path, always quoted here with `ident` or `literal`.

/** An SQL string literal. */
export const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** A quoted SQL identifier. */
export const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Asks the names of the database's own tables (not SQLite's internal ones), sorted. */
export const TABLE_NAMES =
  "SELECT name FROM sqlite_schema WHERE type = 'table' " + "AND name NOT LIKE 'sqlite_%' ORDER BY name;";

/** Asks the exact row count of each table in `tables`, one row (name, count) each. */
export const rowCounts = (tables: string[]) =>
  `${tables.map((n) => `SELECT ${literal(n)}, count(*) FROM ${ident(n)}`).join(' UNION ALL ')};`;

/** Copies the database, consistently, into a new file at `path` (waiting up to 10 s for a writer's lock). */
export const vacuumInto = (path: string) => `PRAGMA busy_timeout=10000; VACUUM INTO ${literal(path)};`;

/** Checks the whole database file; answers `ok` when it is sound. */
export const INTEGRITY_CHECK = 'PRAGMA integrity_check;';
