// SQLite source against the real sqlite3: the source conformance suite, then a consistent copy while another
// process keeps writing, restored by atomic replacement into a different file, and the failures a user meets.
import { spawn, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteSource } from '../../src/sources/sqlite/sqlite.js';
import { tempDir } from '../e2e/helpers.js';
import { sourceConformanceSuite } from '../conformance/source-suite.js';
import { sqliteHarness } from '../support/sqlite-db.js';

const sql = (db: string, q: string) => execFileSync('sqlite3', ['-batch', db, q], { encoding: 'utf8' }).trim();

sourceConformanceSuite('sqlite', sqliteHarness());

describe('sqlite source', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir('sb-sqlite-');
  });
  afterAll(async () => tmp?.cleanup());

  it('copies a database consistently while another process writes to it, and restores it into another file', async () => {
    const db = join(tmp.path, 'app.db');
    sql(
      db,
      "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, pair INTEGER, body BLOB, note TEXT); INSERT INTO t(pair, body, note) VALUES (0, randomblob(1000000), 'ünïcode 🚀'), (0, x'00ff', NULL);",
    );
    // The writer adds rows two at a time in one transaction: a consistent copy always holds an even count.
    const writer = spawn('sqlite3', ['-batch', db], { stdio: ['pipe', 'ignore', 'pipe'] });
    writer.stdin.on('error', () => {}); // killed at the end while the feeder may still write
    let stop = false;
    const feed = (async () => {
      for (let i = 1; !stop; i++) {
        const ok = writer.stdin.write(
          `PRAGMA busy_timeout=5000; BEGIN; INSERT INTO t(pair, body) VALUES (${i}, randomblob(20000)); INSERT INTO t(pair, body) VALUES (${i}, randomblob(20000)); COMMIT;\n`,
        );
        if (!ok) await new Promise((r) => writer.stdin.once('drain', r));
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      writer.stdin.end();
    })();
    await new Promise((r) => setTimeout(r, 300));
    const src = sqliteSource(db, 'app example-site, database app');
    const dumps: Buffer[][] = [];
    for (let k = 0; k < 3; k++) {
      const d = await src.dump();
      expect(d.meta).toMatchObject({ engine: 'sqlite', format: 'sqlite3-database', database: 'app.db' });
      const parts: Buffer[] = [];
      for await (const b of d.stream) parts.push(b);
      dumps.push(parts);
    }
    stop = true;
    await feed;
    const closed = new Promise((r) => writer.on('close', r));
    writer.kill('SIGKILL'); // committed transactions are in the WAL; the copies are what is tested
    await closed;
    for (const [k, parts] of dumps.entries()) {
      const target = join(tmp.path, `restored-${k}.db`);
      await sqliteSource(target).restore(
        (async function* () {
          yield* parts;
        })(),
        target,
      );
      expect(sql(target, 'PRAGMA integrity_check;')).toBe('ok');
      const count = Number(sql(target, 'SELECT count(*) FROM t;'));
      expect(count % 2).toBe(0);
      expect(count).toBeGreaterThanOrEqual(2);
      expect(sql(target, 'SELECT note, length(body) FROM t WHERE id = 1;')).toBe('ünïcode 🚀|1000000');
      expect(sql(target, 'SELECT hex(body) FROM t WHERE id = 2;')).toBe('00FF');
    }
  });

  it('restore replaces an existing database atomically and drops its stale write-ahead log', async () => {
    const a = join(tmp.path, 'a.db');
    const b = join(tmp.path, 'b.db');
    sql(a, "CREATE TABLE x(v TEXT); INSERT INTO x VALUES ('from a');");
    sql(b, "CREATE TABLE x(v TEXT); INSERT INTO x VALUES ('old b');");
    await writeFile(`${b}-wal`, 'not a wal that belongs to the new file');
    const d = await sqliteSource(a).dump();
    await sqliteSource(b).restore(d.stream, b);
    expect(sql(b, 'SELECT v FROM x;')).toBe('from a');
  });

  it('a restore of bytes that are not a database fails and leaves the target untouched', async () => {
    const c = join(tmp.path, 'c.db');
    sql(c, "CREATE TABLE x(v TEXT); INSERT INTO x VALUES ('keep me');");
    await expect(
      sqliteSource(c).restore(
        (async function* () {
          yield Buffer.alloc(8192, 7);
        })(),
        c,
      ),
    ).rejects.toThrow(/sqlite3 exited with status|integrity_check/);
    expect(sql(c, 'SELECT v FROM x;')).toBe('keep me');
  });

  it('a missing database file is an error naming it', async () => {
    await expect(sqliteSource('/nonexistent/app.db', 'app shop, database sessions').dump()).rejects.toThrow(
      /app shop, database sessions: database file \/nonexistent\/app\.db does not exist/,
    );
  });
});
