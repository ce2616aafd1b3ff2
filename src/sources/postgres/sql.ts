// The SQL the PostgreSQL source runs, by name: constants for fixed statements, small builders for those that
// take a name or a value, always quoted here with `ident` or `literal`.

/** An SQL string literal (standard_conforming_strings: only the quote is doubled). */
export const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** A quoted SQL identifier. */
export const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Matches the namespace `n` of a user schema: not the system catalogs, TOAST or temporary schemas. */
const USER_SCHEMAS =
  "n.nspname NOT IN ('pg_catalog', 'information_schema') " + "AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp'";

/** Asks the server's version string ("15.4 (Debian 15.4-1)"). */
export const SERVER_VERSION = "SELECT current_setting('server_version')";

/** Asks the server's version as a number (150004). */
export const SERVER_VERSION_NUM = 'SHOW server_version_num';

/**
 * Asks the current database's encoding, collate and ctype and, from PostgreSQL 15 (`serverMajor`), its locale
 * provider and locale; 17 renamed the locale column.
 */
export function databaseDefaults(serverMajor: number): string {
  const provider =
    serverMajor >= 17
      ? ", datlocprovider, COALESCE(datlocale, '')"
      : serverMajor >= 15
        ? ", datlocprovider, COALESCE(daticulocale, '')"
        : '';
  return (
    `SELECT pg_encoding_to_char(encoding), datcollate, datctype${provider} ` +
    'FROM pg_database WHERE datname = current_database()'
  );
}

/** Asks every user table ("schema.table") with its estimated row count, by name. */
export const TABLE_ROW_ESTIMATES =
  "SELECT n.nspname || '.' || c.relname, COALESCE(s.n_live_tup, 0) FROM pg_class c " +
  'JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid ' +
  `WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS} ORDER BY 1`;

/** Asks every user table's schema and name, in the order of TABLE_ROW_ESTIMATES. */
export const TABLE_NAMES =
  'SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ' +
  `WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS} ORDER BY n.nspname || '.' || c.relname`;

/** Asks the exact row count of each table, named "schema.table" as TABLE_ROW_ESTIMATES names it. */
export const exactRowCounts = (tables: [string, string][]) =>
  tables
    .map(([schema, table]) => `SELECT ${literal(`${schema}.${table}`)}, count(*) FROM ${ident(schema)}.${ident(table)}`)
    .join(' UNION ALL ');

/** Asks whether database `db` exists (a count, 0 or 1). */
export const databaseExists = (db: string) => `SELECT count(*) FROM pg_database WHERE datname = ${literal(db)}`;

/** Asks how many user relations, large objects and functions the current database holds. */
export const USER_OBJECT_COUNT =
  'SELECT (SELECT count(*) FROM pg_class c ' +
  'JOIN pg_namespace n ON n.oid = c.relnamespace ' +
  `WHERE ${USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f'))
        + (SELECT count(*) FROM pg_largeobject_metadata)
        + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_SCHEMAS})`;

/** A new database's settings; each is left out when not given. */
export interface DatabaseSettings {
  encoding?: string;
  collate?: string;
  ctype?: string;
  /** Only for a server that knows the option (15+). */
  provider?: string;
  /** The ICU or builtin locale; ignored for other providers. */
  locale?: string;
}

/** The settings clauses of a CREATE DATABASE, each value quoted. */
export function databaseOptions(s: DatabaseSettings): string[] {
  return [
    s.encoding && `ENCODING ${literal(s.encoding)}`,
    s.collate && `LC_COLLATE ${literal(s.collate)}`,
    s.ctype && `LC_CTYPE ${literal(s.ctype)}`,
    s.provider && `LOCALE_PROVIDER ${literal(s.provider)}`,
    s.provider && s.locale && s.provider === 'icu' && `ICU_LOCALE ${literal(s.locale)}`,
    s.provider && s.locale && s.provider === 'builtin' && `BUILTIN_LOCALE ${literal(s.locale)}`,
  ].filter((o): o is string => Boolean(o));
}

/** Creates database `db` from template0 (nothing of the site's own from template1) with `options`. */
export const createFromTemplate0 = (db: string, options: string[]) =>
  `CREATE DATABASE ${ident(db)} TEMPLATE template0 ${options.join(' ')}`;

/** Drops database `db` if it exists. */
export const dropDatabase = (db: string) => `DROP DATABASE IF EXISTS ${ident(db)}`;

/** Ends every server session whose application_name is `name`. */
export const terminateSessions = (name: string) =>
  `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${literal(name)}`;

/** Empties a database of everything a dump can hold except what extensions own (run in the restore's transaction). */
export const CLEAR_DATABASE = `DO $strongbox$
DECLARE r record;
BEGIN
  FOR r IN SELECT n.oid FROM pg_namespace n WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname !~ '^pg_'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e') LOOP
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE oid = r.oid) THEN EXECUTE format('DROP SCHEMA %s CASCADE', r.oid::regnamespace); END IF;
  END LOOP;
  FOR r IN SELECT c.oid, c.relkind FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') LOOP
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = r.oid) THEN
      EXECUTE format('DROP %s %s CASCADE', CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
        WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.oid::regclass);
    END IF;
  END LOOP;
  FOR r IN SELECT p.oid, p.prokind FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') LOOP
    IF EXISTS (SELECT 1 FROM pg_proc WHERE oid = r.oid) THEN
      EXECUTE format('DROP %s %s CASCADE', CASE r.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, r.oid::regprocedure);
    END IF;
  END LOOP;
  FOR r IN SELECT t.oid, t.typtype FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'c', 'd', 'r')
      AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') LOOP
    IF EXISTS (SELECT 1 FROM pg_type WHERE oid = r.oid) THEN
      EXECUTE format('DROP %s %s CASCADE', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.oid::regtype);
    END IF;
  END LOOP;
  PERFORM pg_catalog.lo_unlink(l.oid) FROM pg_catalog.pg_largeobject_metadata l;
END $strongbox$`;
