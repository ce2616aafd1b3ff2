// An interrupted restore never leaves half a database: SIGTERM at several moments of a replacing
// PostgreSQL restore (strongbox kills the restore tools before their input ends, so the transaction rolls
// back) leaves the target either exactly as it was or exactly as the snapshot has it — never a mix.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgFingerprint, pgIdent } from '../support/postgres-db.js';
import { haveServer, PG, pgSql, uniqueDb } from '../support/servers.js';
import { CLI, PASSWORD } from './helpers.js';
import { workspace, type Workspace } from './app-fixture.js';

const skip = !haveServer('postgres');

describe.skipIf(skip)('SIGTERM during restore --app --yes into a PostgreSQL database that holds data', () => {
  const db = uniqueDb('sb_interrupt');
  let ws: Workspace;
  let cfg: string;
  let backedUp: string;
  let changed: string;
  const change = () => pgSql(db, "UPDATE items SET name = 'changed' WHERE id % 7 = 0; CREATE TABLE IF NOT EXISTS stray (x int); INSERT INTO stray VALUES (1);");

  beforeAll(async () => {
    ws = await workspace('sb-interrupt-');
    pgSql('postgres', `CREATE DATABASE ${pgIdent(db)}`);
    // Big enough that the restore takes a while: 200,000 rows and a 40 MB value.
    pgSql(db, `CREATE TABLE items (id int PRIMARY KEY, name text, payload text);
      INSERT INTO items SELECT i, 'item ' || i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 200000) i;
      CREATE TABLE blobs (id int PRIMARY KEY, data bytea);
      INSERT INTO blobs SELECT 1, decode(string_agg(md5(i::text), ''), 'hex') FROM generate_series(1, 2500000) i;`);
    cfg = await ws.config('pg.yaml', [{ id: 'shop', repository: 'main', databases: [{ name: 'main', engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database: db }] }]);
    await ws.run(cfg, ['backup', '--app', 'shop']);
    backedUp = pgFingerprint(db);
    change();
    changed = pgFingerprint(db);
    expect(changed).not.toBe(backedUp);
  }, 180_000);

  afterAll(async () => {
    pgSql('postgres', `DROP DATABASE IF EXISTS ${pgIdent(db)}`);
    await ws?.cleanup();
  });

  it.each([150, 400, 800, 1300, 2000])('killed after %i ms: the database is wholly old or wholly restored, and the lock is gone', async (delay) => {
    const child = spawn(process.execPath, [CLI, '-c', cfg, 'restore', 'latest', '--app', 'shop', '--yes'], {
      env: { ...process.env, STRONGBOX_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const closed = new Promise<number | null>((r) => child.on('close', r));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGTERM'); // a no-op when the restore already finished
    const code = await closed;
    // null: killed before strongbox had even installed its signal handler (nothing started yet).
    expect([0, 130, null], stderr).toContain(code);
    const now = pgFingerprint(db);
    expect([changed, backedUp], `state after a kill at ${delay} ms (exit ${code})`).toContain(now);
    if (now === backedUp) change();
    const locks = await ws.run(cfg, ['unlock']);
    expect(locks.stdout).toMatch(/removed 0 lock/);
  });
});
