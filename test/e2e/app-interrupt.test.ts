// An interrupted restore never leaves half a database: SIGTERM at several moments of a replacing
// PostgreSQL restore (strongbox kills the restore tools before their input ends, so the transaction rolls
// back) leaves the target either exactly as it was or exactly as the snapshot has it — never a mix.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgFingerprint, pgIdent } from '../support/postgres-db.js';
import { haveServer, MY, mySql, PG, pgSql, uniqueDb } from '../support/servers.js';
import { CLI, PASSWORD } from './helpers.js';
import {
  MY_TOOLS,
  myCreate,
  myDrop,
  myItems,
  sqliteCreate,
  toolDir,
  workspace,
  type Workspace,
} from './app-fixture.js';

const skip = !haveServer('postgres');

/** Whether process `pid` still runs (a zombie waiting to be reaped has ended). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Runs strongbox with `args`, sends SIGTERM once `marker` exists (a slowed tool creates it when it starts),
 * and returns its exit status and stderr.
 */
async function sigtermWhen(
  marker: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env, STRONGBOX_PASSWORD: PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const closed = new Promise<number | null>((r) => child.on('close', r));
  for (let i = 0; i < 300 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
  expect(existsSync(marker), `${marker} appeared: the slowed tool started`).toBe(true);
  child.kill('SIGTERM');
  return { code: await closed, stderr };
}

describe.skipIf(skip)('SIGTERM during restore --app --yes into a PostgreSQL database that holds data', () => {
  const db = uniqueDb('sb_interrupt');
  let ws: Workspace;
  let cfg: string;
  let backedUp: string;
  let changed: string;
  const change = () =>
    pgSql(
      db,
      "UPDATE items SET name = 'changed' WHERE id % 7 = 0; CREATE TABLE IF NOT EXISTS stray (x int); INSERT INTO stray VALUES (1);",
    );

  beforeAll(async () => {
    ws = await workspace('sb-interrupt-');
    pgSql('postgres', `CREATE DATABASE ${pgIdent(db)}`);
    // Big enough that the restore takes a while: 200,000 rows and a 40 MB value.
    pgSql(
      db,
      `CREATE TABLE items (id int PRIMARY KEY, name text, payload text);
      INSERT INTO items SELECT i, 'item ' || i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 200000) i;
      CREATE TABLE blobs (id int PRIMARY KEY, data bytea);
      INSERT INTO blobs SELECT 1, decode(string_agg(md5(i::text), ''), 'hex') FROM generate_series(1, 2500000) i;`,
    );
    cfg = await ws.config('pg.yaml', [
      {
        id: 'shop',
        repository: 'main',
        databases: [{ name: 'main', engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database: db }],
      },
    ]);
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

  it.each([150, 400, 800, 1300, 2000])(
    'killed after %i ms: the database is wholly old or wholly restored, and the lock is gone',
    async (delay) => {
      const child = spawn(process.execPath, [CLI, '-c', cfg, 'restore', 'latest', '--app', 'shop', '--yes'], {
        env: { ...process.env, STRONGBOX_PASSWORD: PASSWORD },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
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
    },
  );
});

// MySQL/MariaDB cannot replace a database in one transaction: between the drop and the end of the load the
// safety copy strongbox took first is the only copy of what the target held, so an interruption keeps it.
describe.skipIf(!haveServer('mariadb'))('SIGTERM while a MariaDB database is being replaced', () => {
  const db = uniqueDb('sb_myinterrupt');
  let ws: Workspace;
  let cfg: string;
  let marker: string;
  const before = "INSERT INTO items VALUES (9001, 'only in the target', 'x')";

  beforeAll(async () => {
    ws = await workspace('sb-myinterrupt-');
    myCreate(db);
    marker = join(ws.dir, 'load-started');
    // The load (the client reading the dump, --binary-mode) waits, so the kill lands after the drop.
    const bin = await toolDir(join(ws.dir, 'bin'), MY_TOOLS, {
      mariadb: `case "$*" in *--binary-mode*) if [ ! -e '${marker}' ]; then touch '${marker}'; sleep 20; fi;; esac\nexec /usr/bin/mariadb "$@"`,
    });
    cfg = await ws.config('my.yaml', [
      {
        id: 'forum',
        repository: 'main',
        databases: [
          { name: 'main', engine: 'mariadb', host: MY.host, port: MY.port, user: MY.user, database: db, binDir: bin },
        ],
      },
    ]);
    await ws.run(cfg, ['backup', '--app', 'forum']);
    mySql(before, db);
  }, 120_000);

  afterAll(async () => {
    myDrop(db);
    await ws?.cleanup();
  });

  it('exits 130, keeps the copy of what the target held, and says where it is and how to load it', async () => {
    const previous = myItems(db);
    const { code, stderr } = await sigtermWhen(marker, ['-c', cfg, 'restore', 'latest', '--app', 'forum', '--yes']);
    expect(code, stderr).toBe(130);
    const m =
      /its previous contents are in (\S+) \(to put them back: mariadb \S+ < \S+, after dropping and creating the database again\)/.exec(
        stderr,
      );
    expect(m, stderr).not.toBeNull();
    const copy = m![1];
    try {
      // Dropped and not yet loaded: the copy is all there is of what the target held.
      expect(mySql(`SELECT count(*) FROM information_schema.tables WHERE table_schema = '${db}'`)).toBe('0');
      mySql(`DROP DATABASE \`${db}\`; CREATE DATABASE \`${db}\``);
      execFileSync('mariadb', ['-h', MY.host, '-P', String(MY.port), '-u', MY.user, db], { input: readFileSync(copy) });
      expect(myItems(db)).toBe(previous);
    } finally {
      rmSync(dirname(copy), { recursive: true, force: true });
    }
  });
});

// "The after hook always runs": also when a service stop or shutdown sends SIGTERM mid-backup, after a before
// hook put the site into maintenance mode.
describe('SIGTERM during an app backup', () => {
  let ws: Workspace;
  let cfg: string;
  let env: NodeJS.ProcessEnv;
  let marker: string;
  let hookLog: string;
  let bgPid: string;

  beforeAll(async () => {
    ws = await workspace('sb-hook-interrupt-');
    const db = join(ws.dir, 'app.db');
    sqliteCreate(db);
    marker = join(ws.dir, 'dump-started');
    hookLog = join(ws.dir, 'hooks.log');
    bgPid = join(ws.dir, 'background.pid');
    // The dump (VACUUM INTO) waits, so the signal lands while it runs. It also starts a process of its own in the
    // background, detached from its output, as a wrapper script (docker exec, ssh) may: the cancel must end it too.
    const bin = await toolDir(join(ws.dir, 'bin'), [], {
      sqlite3:
        `case "$*" in *VACUUM*) sleep 120 </dev/null >/dev/null 2>&1 & echo $! > '${bgPid}'; touch '${marker}'; ` +
        `sleep 20;; esac\nexec /usr/bin/sqlite3 "$@"`,
    });
    env = { STRONGBOX_SQLITE3: join(bin, 'sqlite3') };
    const record = `echo "$STRONGBOX_HOOK outcome=\${STRONGBOX_OUTCOME:-none}" >> '${hookLog}'`;
    cfg = await ws.config('hooks.yaml', [
      {
        id: 'blog',
        repository: 'main',
        databases: [{ name: 'main', engine: 'sqlite', path: db }],
        hooks: { before: [record], after: ['exit 3', record] },
      },
    ]);
  });
  afterAll(async () => ws?.cleanup());

  it('runs every after hook, told failure, before exiting 130; no snapshot is written and the lock is gone', async () => {
    const { code, stderr } = await sigtermWhen(marker, ['-c', cfg, 'backup', '--app', 'blog'], env);
    expect(code, stderr).toBe(130);
    expect(readFileSync(hookLog, 'utf8').trim().split('\n')).toEqual(['before outcome=none', 'after outcome=failure']);
    // Every process the tool started is gone (the tool runs in a process group of its own, killed whole).
    const pid = Number(readFileSync(bgPid, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(running(pid), `the dump tool's background process ${pid} outlived the cancel`).toBe(false);
    expect(await ws.snapshots(cfg, 'blog')).toEqual([]);
    expect((await ws.run(cfg, ['unlock'])).stdout).toMatch(/removed 0 lock/);
  });
});
