// SQLite test databases for the source conformance suite: files with awkward names in a private temporary
// directory, seeded and fingerprinted (`.dump`) with the sqlite3 shell.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { openSource } from '../../src/sources/index.js';
import type { SourceHarness } from '../conformance/source-suite.js';

const sqlite = (db: string, sql: string) =>
  execFileSync('sqlite3', ['-batch', '-bail', db], { input: sql, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
const open = (path: string) => openSource({ name: 'main', engine: 'sqlite', path }, 'conformance');

export function sqliteHarness(): SourceHarness {
  const dir = mkdtempSync(join(tmpdir(), 'sb-sqlite-conf-'));
  let n = 0;
  return {
    engine: 'sqlite',
    format: 'sqlite3-database',
    tool: /^sqlite3 VACUUM INTO$/,
    rowCounts: 'exact',
    server: false,
    open,
    unreachable: () => ({ source: open(join(dir, 'no such directory', 'app.db')) }),
    newTarget: () => join(dir, `db ${++n} o'q "d".sqlite`),
    async seed(db) {
      sqlite(
        db,
        `
        CREATE TABLE items (id INTEGER PRIMARY KEY, body BLOB, note TEXT);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200)
          INSERT INTO items SELECT i, CAST(printf('%.4096c', char(65 + i % 26)) AS BLOB), CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || i END FROM s;
        CREATE TABLE invoices (id INTEGER PRIMARY KEY AUTOINCREMENT, item INTEGER REFERENCES items (id), amount NUMERIC);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 50)
          INSERT INTO invoices (item, amount) SELECT i, i * 1.25 FROM s;
        CREATE VIEW item_notes AS SELECT id, note FROM items WHERE note IS NOT NULL;`,
      );
      return { items: 200, invoices: 50 };
    },
    createEmpty: (db) => writeFile(db, ''),
    async exec(db, sql) {
      sqlite(db, sql);
    },
    async fingerprint(db) {
      return sqlite(db, '.dump');
    },
    async drop(db) {
      for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(`${db}${suffix}`, { force: true });
    },
    metaDatabase: (db) => basename(db),
    atomicRestore: true,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
