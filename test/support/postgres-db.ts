// PostgreSQL test databases: a fingerprint that says everything a database holds (schema, every table's
// rows, sequence positions, large objects), and the harness the source conformance suite runs with.
import { execFileSync } from 'node:child_process';
import type { DatabaseConfig } from '../../src/config/schema.js';
import { openSource } from '../../src/sources/index.js';
import type { SourceHarness } from '../conformance/source-suite.js';
import { PG, pgSql, uniqueDb } from './servers.js';

export const pgIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
export const pgLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** A libpq connection string naming database `db` (quoted: names here hold spaces and quotes). */
const pgConninfo = (db: string) => `dbname='${db.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The config block a user would write for database `database` on the test server. */
export function pgConfig(database: string, extra: Partial<DatabaseConfig> = {}): DatabaseConfig {
  return {
    name: 'main',
    engine: 'postgres',
    host: PG.host,
    port: PG.port,
    user: PG.user,
    database,
    dumpArgs: [],
    ...extra,
  } as DatabaseConfig;
}

export function pgDrop(db: string): void {
  pgSql('postgres', `DROP DATABASE IF EXISTS ${pgIdent(db)} WITH (FORCE)`);
}

/** `pg_dump --schema-only` without its comments and the random \restrict key newer versions print. */
export function pgSchema(db: string): string {
  const out = execFileSync(
    'pg_dump',
    ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '--schema-only', '--dbname', pgConninfo(db)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return out
    .split('\n')
    .filter((l) => l && !l.startsWith('--') && !/^\\(un)?restrict /.test(l))
    .join('\n');
}

/** md5 of every table's rows in a fixed order (tables, partitioned tables and materialized views of all user schemas). */
export function pgTableDigests(db: string): Record<string, string> {
  const names = pgSql(
    db,
    `SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_' ORDER BY 1`,
  )
    .split('\n')
    .filter(Boolean);
  if (!names.length) return {};
  const q = names
    .map((t) => `SELECT ${pgLiteral(t)}, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ${t} t`)
    .join(' UNION ALL ');
  return Object.fromEntries(
    pgSql(db, `${q};`)
      .split('\n')
      .map((l) => l.split('\t')),
  );
}

/** Every sequence's position: "schema.name last_value is_called". */
export function pgSequences(db: string): string[] {
  const names = pgSql(db, "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences ORDER BY 1")
    .split('\n')
    .filter(Boolean);
  return names.map((s) => `${s} ${pgSql(db, `SELECT last_value, is_called FROM ${s}`).replace('\t', ' ')}`);
}

/** Every large object: "oid md5". */
export function pgLargeObjects(db: string): string[] {
  return pgSql(db, "SELECT oid || ' ' || md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY oid")
    .split('\n')
    .filter(Boolean);
}

export function pgFingerprint(db: string): string {
  const tables = Object.entries(pgTableDigests(db)).map(([t, md5]) => `${t} ${md5}`);
  return [pgSchema(db), ...tables, ...pgSequences(db), ...pgLargeObjects(db)].join('\n');
}

export function postgresHarness(): SourceHarness {
  return {
    engine: 'postgres',
    format: 'pg_dump-custom',
    tool: /^pg_dump$/,
    rowCounts: 'estimate',
    server: true,
    open: (db) => openSource(pgConfig(db), 'conformance'),
    unreachable() {
      const secret = 'pg-secret-3b1d9f';
      process.env.SB_TEST_PG_PASSWORD = secret;
      return {
        source: openSource(pgConfig('shop', { port: 1, passwordEnv: 'SB_TEST_PG_PASSWORD' }), 'conformance'),
        secret,
      };
    },
    newTarget: () => `${uniqueDb('sbconf')} o'q "d"`,
    async seed(db) {
      pgSql('postgres', `CREATE DATABASE ${pgIdent(db)}`);
      pgSql(
        db,
        `
        CREATE SCHEMA billing;
        CREATE TABLE items (id integer PRIMARY KEY, body bytea, note text);
        INSERT INTO items SELECT i, decode(repeat(md5(i::text), 128), 'hex'), CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || i END
          FROM generate_series(1, 200) i;
        CREATE TABLE billing.invoices (id serial PRIMARY KEY, item integer REFERENCES public.items, amount numeric(10, 2));
        INSERT INTO billing.invoices (item, amount) SELECT i, i * 1.25 FROM generate_series(1, 50) i;
        CREATE VIEW item_notes AS SELECT id, note FROM items WHERE note IS NOT NULL;`,
      );
      return { 'public.items': 200, 'billing.invoices': 50 };
    },
    async createEmpty(db) {
      pgSql('postgres', `CREATE DATABASE ${pgIdent(db)}`);
    },
    async exec(db, sql) {
      pgSql(db, sql);
    },
    async fingerprint(db) {
      return pgFingerprint(db);
    },
    async drop(db) {
      pgDrop(db);
    },
    metaDatabase: (db) => db,
    atomicRestore: true,
  };
}
