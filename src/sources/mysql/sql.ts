// The SQL the MySQL/MariaDB source runs, by name: constants for fixed statements, small builders for those
// that take a name or a value, always quoted here with `ident` or `literal`.

/** An SQL string literal (backslashes are escapes in MySQL strings, so they are doubled too). */
export const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** A quoted SQL identifier. */
export const ident = (s: string) => `\`${s.replace(/`/g, '``')}\``;

/** Sets how long a statement waits for a metadata lock, in seconds (a session's first statement). */
export const setLockWaitTimeout = (seconds: number) => `SET SESSION lock_wait_timeout = ${seconds}`;

/** Asks the server's version string. */
export const SERVER_VERSION = 'SELECT VERSION()';

/** Asks every base table of database `db` with its estimated row count, by name. */
export const tableRowEstimates = (db: string) =>
  'SELECT table_name, COALESCE(table_rows, 0) FROM information_schema.tables ' +
  `WHERE table_schema = ${literal(db)} AND table_type = 'BASE TABLE' ORDER BY 1`;

/** Asks the exact row count of each of `tables` of database `db`, one row (name, count) each. */
export const exactRowCounts = (db: string, tables: string[]) =>
  tables.map((t) => `SELECT ${literal(t)}, count(*) FROM ${ident(db)}.${ident(t)}`).join(' UNION ALL ');

/** Asks database `db`'s default character set and collation (no row: missing, or not visible to this user). */
export const databaseDefaults = (db: string) =>
  'SELECT default_character_set_name, default_collation_name ' +
  `FROM information_schema.schemata WHERE schema_name = ${literal(db)}`;

/** Asks whether database `db` exists (0 or 1), and how many tables, routines and events it holds. */
export const databaseState = (db: string) =>
  `SELECT (SELECT count(*) FROM information_schema.schemata WHERE schema_name = ${literal(db)}),\n      ` +
  `(SELECT count(*) FROM information_schema.tables WHERE table_schema = ${literal(db)}) ` +
  `+ (SELECT count(*) FROM information_schema.routines WHERE routine_schema = ${literal(db)})\n      ` +
  `+ (SELECT count(*) FROM information_schema.events WHERE event_schema = ${literal(db)})`;

/** Asks whether this server has `collation` for `characterSet` (a count). */
export const collationExists = (collation: string, characterSet: string) =>
  'SELECT count(*) FROM information_schema.collations ' +
  `WHERE collation_name = ${literal(collation)} AND character_set_name = ${literal(characterSet)}`;

/** Asks whether this server has `characterSet` (a count). */
export const characterSetExists = (characterSet: string) =>
  `SELECT count(*) FROM information_schema.character_sets WHERE character_set_name = ${literal(characterSet)}`;

/** The character set of a database created without recorded or previous defaults. */
export const DEFAULT_CHARSET = 'CHARACTER SET utf8mb4';

/**
 * `CHARACTER SET x COLLATE y` from recorded database defaults, or null when there are none (or odd names).
 * The names go in unquoted, so only plain ones are taken.
 */
export function charsetClause(d: Record<string, string> | undefined): string | null {
  const name = /^[A-Za-z0-9_]+$/;
  if (!d?.characterSet || !name.test(d.characterSet)) return null;
  return `CHARACTER SET ${d.characterSet}${d.collation && name.test(d.collation) ? ` COLLATE ${d.collation}` : ''}`;
}

/** Creates database `db` with `charset` (a `charsetClause`). */
export const createDatabase = (db: string, charset: string) => `CREATE DATABASE ${ident(db)} ${charset}`;

/** Drops database `db` (it must exist) and creates it again, empty, with `charset`. */
export const dropAndCreate = (db: string, charset: string) =>
  `DROP DATABASE ${ident(db)}; ${createDatabase(db, charset)}`;

/** Drops database `db` if it exists and creates it again, empty, with `charset`. */
export const dropIfExistsAndCreate = (db: string, charset: string) =>
  `DROP DATABASE IF EXISTS ${ident(db)}; ${createDatabase(db, charset)}`;

/** Drops database `db` if it exists. */
export const dropDatabase = (db: string) => `DROP DATABASE IF EXISTS ${ident(db)}`;
