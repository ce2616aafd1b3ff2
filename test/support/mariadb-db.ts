// MariaDB test databases: a fingerprint that says everything a database holds (table definitions with their
// AUTO_INCREMENT counters, CHECKSUM TABLE of the rows, views, routines, triggers, events), and the harness
// the source conformance suite runs with.
import type { DatabaseConfig } from '../../src/config/schema.js';
import { openSource } from '../../src/sources/index.js';
import type { SourceHarness } from '../conformance/source-suite.js';
import { MY, mySql, uniqueDb } from './servers.js';

export const myIdent = (s: string) => `\`${s.replace(/`/g, '``')}\``;
export const myLiteral = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The config block a user would write for database `database` on the test server. */
export function myConfig(database: string, extra: Partial<DatabaseConfig> = {}): DatabaseConfig {
  return {
    name: 'main',
    engine: 'mariadb',
    host: MY.host,
    port: MY.port,
    user: MY.user,
    database,
    dumpArgs: [],
    ...extra,
  } as DatabaseConfig;
}

export function myDrop(db: string): void {
  myQuery(`DROP DATABASE IF EXISTS ${myIdent(db)}`);
}

/** Runs SQL on the test server over a utf8mb4 connection (the client's default would turn emoji into errors or "?"). */
export const myQuery = (sql: string, db?: string): string => mySql(`SET NAMES utf8mb4;\n${sql}`, db);

const lines = (out: string) => out.split('\n').filter(Boolean);

/** Each base table's CHECKSUM TABLE value: equal rows give equal checksums under equal definitions. */
export function myChecksums(db: string): Record<string, string> {
  const tables = lines(
    myQuery(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = ${myLiteral(db)} AND table_type = 'BASE TABLE' ORDER BY 1`,
    ),
  );
  if (!tables.length) return {};
  const out = lines(myQuery(`CHECKSUM TABLE ${tables.map(myIdent).join(', ')} EXTENDED`, db));
  return Object.fromEntries(
    out.map((l) => {
      const i = l.lastIndexOf('\t');
      return [l.slice(db.length + 1, i), l.slice(i + 1)];
    }),
  );
}

export function myFingerprint(db: string): string {
  const lit = myLiteral(db);
  const objects = lines(
    myQuery(`SELECT table_type, table_name FROM information_schema.tables WHERE table_schema = ${lit} ORDER BY 2`),
  ).map((l) => l.split('\t'));
  const routines = lines(
    myQuery(
      `SELECT routine_type, routine_name FROM information_schema.routines WHERE routine_schema = ${lit} ORDER BY 2, 1`,
    ),
  ).map((l) => l.split('\t'));
  // SHOW CREATE gives each definition without the database name; its columns also hold sql_mode and character sets.
  const shows = [
    ...objects.map(([type, name]) => `SHOW CREATE ${type === 'VIEW' ? 'VIEW' : 'TABLE'} ${myIdent(name)};`),
    ...routines.map(([type, name]) => `SHOW CREATE ${type} ${myIdent(name)};`),
  ];
  const definitions = shows.length ? myQuery(shows.join('\n'), db) : '';
  const triggers =
    myQuery(`SELECT trigger_name, event_manipulation, event_object_table, action_order, action_timing, action_statement, sql_mode, definer
    FROM information_schema.triggers WHERE trigger_schema = ${lit} ORDER BY 1`);
  const events =
    myQuery(`SELECT event_name, definer, event_definition, event_type, execute_at, interval_value, interval_field, sql_mode, starts, ends, status, on_completion, event_comment
    FROM information_schema.events WHERE event_schema = ${lit} ORDER BY 1`);
  const checksums = Object.entries(myChecksums(db)).map(([t, c]) => `checksum ${t} ${c}`);
  return [definitions, triggers, events, ...checksums].join('\n');
}

export function mariadbHarness(): SourceHarness {
  return {
    engine: 'mariadb',
    format: 'mysqldump-sql',
    tool: /^(mariadb-dump|mysqldump)$/,
    rowCounts: 'estimate',
    server: true,
    open: (db) => openSource(myConfig(db), 'conformance'),
    unreachable() {
      const secret = 'my-secret-8c2e41';
      process.env.SB_TEST_MY_PASSWORD = secret;
      return {
        source: openSource(myConfig('shop', { port: 1, passwordEnv: 'SB_TEST_MY_PASSWORD' }), 'conformance'),
        secret,
      };
    },
    newTarget: () => `${uniqueDb('sbconf')} o'q "d"`,
    async seed(db) {
      myQuery(`CREATE DATABASE ${myIdent(db)}`);
      myQuery(
        `
        CREATE TABLE items (id INT PRIMARY KEY, body BLOB, note TEXT) CHARACTER SET utf8mb4;
        INSERT INTO items SELECT seq, UNHEX(REPEAT(MD5(seq), 128)), IF(seq % 3 = 0, NULL, CONCAT('note ', seq)) FROM seq_1_to_200;
        CREATE TABLE invoices (id INT AUTO_INCREMENT PRIMARY KEY, item INT, amount DECIMAL(10, 2), FOREIGN KEY (item) REFERENCES items (id));
        INSERT INTO invoices (item, amount) SELECT seq, seq * 1.25 FROM seq_1_to_50;
        CREATE VIEW item_notes AS SELECT id, note FROM items WHERE note IS NOT NULL;
        ANALYZE TABLE items, invoices;`,
        db,
      );
      return { items: 200, invoices: 50 };
    },
    async createEmpty(db) {
      myQuery(`CREATE DATABASE ${myIdent(db)}`);
    },
    async exec(db, sql) {
      myQuery(sql, db);
    },
    async fingerprint(db) {
      return myFingerprint(db);
    },
    async drop(db) {
      myDrop(db);
    },
    metaDatabase: (db) => db,
    // The client runs the dump statement by statement after DROP DATABASE: a failure midway leaves part of it.
    atomicRestore: false,
  };
}
