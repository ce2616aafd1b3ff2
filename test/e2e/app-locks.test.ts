// A dump or restore blocked by a lock the application holds fails after lockTimeoutSeconds with a clear
// message, instead of hanging (and holding the repository lock that prune waits for).
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveServer, PG, pgSql, uniqueDb } from '../support/servers.js';
import { pgCreate, pgDrop, pgItems, workspace, type Workspace } from './app-fixture.js';

const skip = !haveServer('postgres');

/** Ends the lock holder: killing psql alone would leave its server session asleep, still holding the lock. */
function release(holder: ChildProcess, db: string): void {
  holder.kill('SIGKILL');
  pgSql(
    'postgres',
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`,
  );
}

/** A session that takes an ACCESS EXCLUSIVE lock on `items` and keeps it until released. */
async function holdLock(db: string): Promise<ChildProcess> {
  const p = spawn('psql', ['-X', '-q', '-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', db], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  p.stdin.write('BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120);\n');
  for (let i = 0; i < 100; i++) {
    if (
      pgSql(
        'postgres',
        `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = '${db}' AND l.mode = 'AccessExclusiveLock' AND l.granted`,
      ) !== '0'
    )
      return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the lock was never taken');
}

describe.skipIf(skip)('an application holding a lock on a table', () => {
  const db = uniqueDb('sb_locked');
  let ws: Workspace;
  let cfg: string;
  beforeAll(async () => {
    ws = await workspace('sb-locks-');
    pgCreate(db);
    cfg = await ws.config('pg.yaml', [
      {
        id: 'shop',
        repository: 'main',
        databases: [
          {
            name: 'main',
            engine: 'postgres',
            host: PG.host,
            port: PG.port,
            user: PG.user,
            database: db,
            lockTimeoutSeconds: 2,
          },
        ],
      },
    ]);
    await ws.run(cfg, ['backup', '--app', 'shop']);
  });
  afterAll(async () => {
    pgDrop(db);
    await ws?.cleanup();
  });

  it('makes the dump fail after the lock timeout (exit 4, naming app and database), and no snapshot is written', async () => {
    const before = await ws.snapshots(cfg, 'shop');
    const holder = await holdLock(db);
    try {
      const started = Date.now();
      const res = await ws.tryRun(cfg, ['backup', '--app', 'shop']);
      expect(res.code, res.stderr).toBe(4);
      expect(res.stderr).toMatch(/app shop, database main: pg_dump exited with status 1: .*(lock|timeout)/i);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await ws.snapshots(cfg, 'shop')).toEqual(before);
    } finally {
      release(holder, db);
    }
  });

  it('makes a replacing restore fail after the lock timeout, leaving the database as it was', async () => {
    pgSql(db, "UPDATE items SET name = 'changed' WHERE id <= 5");
    const rows = pgItems(db);
    const holder = await holdLock(db);
    try {
      const res = await ws.tryRun(cfg, ['restore', 'latest', '--app', 'shop', '--yes']);
      expect(res.code, res.stderr).toBe(4);
      expect(res.stderr).toMatch(/lock timeout/i);
    } finally {
      release(holder, db);
    }
    expect(pgItems(db)).toBe(rows);
    expect(
      pgSql(
        'postgres',
        `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND application_name LIKE 'strongbox-restore-%'`,
      ),
    ).toBe('0');
  });
});
