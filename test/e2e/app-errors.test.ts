// App backups that cannot dump a database (server down, wrong credentials, dump tool missing, dump killed
// mid-stream) fail with exit status 4, say which app and component failed and why, write no snapshot and
// leave earlier snapshots whole; before hooks can veto a backup (exit 5), after hooks always hear the outcome.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { haveServer, MY, mySql, PG, uniqueDb } from '../support/servers.js';
import {
  closedPort,
  FIXED_ROWS,
  killedMidStream,
  MY_TOOLS,
  myCreate,
  myDrop,
  myItems,
  PG_TOOLS,
  pgCreate,
  pgDrop,
  pgItems,
  recordsCalls,
  sqliteCreate,
  toolDir,
  workspace,
  type Workspace,
} from './app-fixture.js';
import { sbOk } from './helpers.js';

const SOURCE = ERROR_CODES.SOURCE.exit;
const HOOK = ERROR_CODES.HOOK.exit;

/** How to break a database's dump: extra config for it, extra environment, and what the message must say. */
interface Breakage {
  what: string;
  /** Database config overriding the working one (may set up what it needs, e.g. a login). */
  config: (dir: string, db: string) => Promise<Record<string, unknown>>;
  env?: NodeJS.ProcessEnv;
  why: RegExp;
  teardown?: () => void;
}

interface Engine {
  engine: 'postgres' | 'mariadb';
  server: 'postgres' | 'mariadb';
  base: (db: string) => Record<string, unknown>;
  create: (db: string) => void;
  drop: (...dbs: string[]) => void;
  items: (db: string) => string;
  breakages: Breakage[];
}

const MY_USER = uniqueDb('sb_err_user'); // has a password; the test gives it a wrong one
const KILL_AFTER = 200_000; // bytes of dump before the dump tool dies; the fixture dumps are larger

const ENGINES: Engine[] = [
  {
    engine: 'postgres',
    server: 'postgres',
    base: (db) => ({ engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database: db }),
    create: pgCreate,
    drop: pgDrop,
    items: pgItems,
    breakages: [
      {
        what: 'the role does not exist',
        config: async () => ({ user: 'strongbox_no_such_role' }),
        why: /role "strongbox_no_such_role" does not exist/,
      },
      { what: 'the server is down', config: async () => ({ port: await closedPort() }), why: /Connection refused/ },
      {
        what: 'binDir holds no tools',
        config: async (dir) => ({ binDir: await toolDir(join(dir, 'bin-empty'), []) }),
        why: /bin-empty\/pg_dump does not exist/,
      },
      {
        what: 'the dump tool is killed mid-stream',
        config: async (dir) => ({
          binDir: await toolDir(join(dir, 'bin-killed'), PG_TOOLS, { pg_dump: killedMidStream('pg_dump', KILL_AFTER) }),
        }),
        why: /pg_dump was killed by SIGKILL/,
      },
      {
        what: 'pg_dump is older than the server',
        config: async (dir) => ({
          binDir: await toolDir(join(dir, 'bin-old'), PG_TOOLS, { pg_dump: 'echo "pg_dump (PostgreSQL) 13.12"' }),
        }),
        why: /pg_dump 13\.12 is older than the server \(PostgreSQL 15[.0-9]*\) and cannot dump it; install postgresql-client-15/,
      },
    ],
  },
  {
    engine: 'mariadb',
    server: 'mariadb',
    base: (db) => ({ engine: 'mariadb', host: MY.host, port: MY.port, user: MY.user, database: db }),
    create: myCreate,
    drop: myDrop,
    items: myItems,
    breakages: [
      {
        what: 'the password is wrong',
        config: async (_dir, db) => {
          mySql(
            `CREATE USER '${MY_USER}'@'%' IDENTIFIED BY '${randomBytes(18).toString('hex')}'; GRANT ALL ON \`${db}\`.* TO '${MY_USER}'@'%';`,
          );
          return { user: MY_USER, passwordEnv: 'SHOP_DB_PASSWORD' };
        },
        env: { SHOP_DB_PASSWORD: 'not-the-password' },
        why: new RegExp(`Access denied for user '${MY_USER}'`),
        teardown: () => mySql(`DROP USER IF EXISTS '${MY_USER}'@'%'`),
      },
      {
        what: 'the server is down',
        config: async () => ({ port: await closedPort() }),
        why: /Can't connect to server on '127\.0\.0\.1'/,
      },
      {
        what: 'binDir holds no tools',
        config: async (dir) => ({ binDir: await toolDir(join(dir, 'bin-empty'), []) }),
        why: /neither mariadb nor mysql is installed/,
      },
      {
        what: 'the dump tool is killed mid-stream',
        config: async (dir) => ({
          binDir: await toolDir(join(dir, 'bin-killed'), MY_TOOLS, {
            'mariadb-dump': killedMidStream('mariadb-dump', KILL_AFTER),
          }),
        }),
        why: /mariadb-dump was killed by SIGKILL/,
      },
    ],
  },
];

/** An app `shop` with one database `main` and one file tree `web`; its after hook appends to `afterLog`. */
function shopApp(ws: Workspace, db: Record<string, unknown>): unknown {
  return {
    id: 'shop',
    repository: 'main',
    files: [{ name: 'web', path: join(ws.dir, 'web') }],
    databases: [{ name: 'main', ...db }],
    hooks: { after: [`echo "$STRONGBOX_HOOK $STRONGBOX_APP $STRONGBOX_OUTCOME" >> '${join(ws.dir, 'after.log')}'`] },
  };
}

describe.each(ENGINES)('an app whose $engine database cannot be dumped', (e) => {
  const enabled = haveServer(e.server);
  let ws: Workspace;
  let good: string;
  let goodId: string;
  const db = uniqueDb(`sb_err_${e.engine}`);
  const copy = `${db}_copy`;
  const afterLog = () => readFile(join(ws.dir, 'after.log'), 'utf8').then((s) => s.trim().split('\n'));

  beforeAll(async () => {
    if (!enabled) return;
    e.create(db);
    ws = await workspace(`sb-app-errors-${e.engine}-`);
    await mkdir(join(ws.dir, 'web'));
    await writeFile(join(ws.dir, 'web', 'index.html'), '<h1>shop</h1>\n');
    good = await ws.config('good.yaml', [shopApp(ws, e.base(db))]);
    await ws.run(good, ['backup', '--app', 'shop']);
    goodId = (await ws.snapshots(good, 'shop'))[0].id;
  });
  afterAll(async () => {
    if (!enabled) return;
    e.drop(db, copy);
    for (const b of e.breakages) b.teardown?.();
    await ws?.cleanup();
  });

  it.skipIf(!enabled).each(e.breakages)(
    'when $what: exit 4, the message names app and database and says why, no snapshot is written',
    async (b) => {
      const cfg = await ws.config(`broken-${e.breakages.indexOf(b)}.yaml`, [
        shopApp(ws, { ...e.base(db), ...(await b.config(ws.dir, db)) }),
      ]);
      const before = await ws.snapshots(good, 'shop');
      const res = await ws.tryRun(cfg, ['backup', '--app', 'shop'], b.env);
      expect(res.code, res.stderr).toBe(SOURCE);
      expect(res.stderr).toMatch(/strongbox: app shop, database main: /);
      expect(res.stderr).toMatch(b.why);
      expect((await ws.snapshots(good, 'shop')).map((s) => s.id)).toEqual(before.map((s) => s.id));
      expect((await afterLog()).at(-1)).toBe('after shop failure');
    },
  );

  it.skipIf(!enabled)(
    'after all those failures the earlier snapshot is whole: check --read-data passes and it restores',
    async () => {
      await sbOk(['-r', ws.repo, 'check', '--read-data']);
      await ws.run(good, ['restore', goodId, '--app', 'shop', '--only', 'db', '--target-db', copy]);
      expect(e.items(copy)).toBe(e.items(db));
      expect(e.items(copy).split('\n')).toHaveLength(FIXED_ROWS);
      const [dump] = (await ws.snapshots(good, 'shop'))[0].components.filter((c) => c.kind === 'database');
      expect(dump.kind === 'database' && dump.size).toBeGreaterThan(KILL_AFTER); // so the killed tool really died mid-stream
    },
  );
});

describe('hooks around an app backup', () => {
  let ws: Workspace;
  let calls: string; // every sqlite3 invocation, one line each: proves whether a dump was started
  let env: NodeJS.ProcessEnv;
  const log = (name: string) =>
    readFile(join(ws.dir, name), 'utf8').then(
      (s) => s.trim().split('\n'),
      () => [],
    );
  const app = (hooks: { before?: string[]; after?: string[] }, dbPath = join(ws.dir, 'app.db')) => ({
    id: 'blog',
    repository: 'main',
    files: [{ name: 'web', path: join(ws.dir, 'web') }],
    databases: [{ name: 'main', engine: 'sqlite', path: dbPath }],
    hooks,
  });
  const record = (file: string) =>
    `echo "$STRONGBOX_HOOK app=$STRONGBOX_APP outcome=\${STRONGBOX_OUTCOME:-none}" >> '${join(ws.dir, file)}'`;

  beforeAll(async () => {
    ws = await workspace('sb-app-hooks-');
    await mkdir(join(ws.dir, 'web'));
    await writeFile(join(ws.dir, 'web', 'post.md'), '# hello\n');
    sqliteCreate(join(ws.dir, 'app.db'));
    calls = join(ws.dir, 'sqlite3-calls.log');
    const bin = await toolDir(join(ws.dir, 'bin'), [], { sqlite3: recordsCalls('sqlite3', calls) });
    env = { STRONGBOX_SQLITE3: join(bin, 'sqlite3') };
  });
  afterAll(async () => ws?.cleanup());

  it('a failing before hook aborts the backup: exit 5, the hook and its output are named, later hooks, the dump and the snapshot never happen', async () => {
    const cfg = await ws.config('veto.yaml', [
      app({
        before: [
          `echo first >> '${join(ws.dir, 'before.log')}'`,
          'echo "maintenance mode is stuck" >&2; exit 3',
          `echo third >> '${join(ws.dir, 'before.log')}'`,
        ],
      }),
    ]);
    const res = await ws.tryRun(cfg, ['backup', '--app', 'blog'], env);
    expect(res.code, res.stderr).toBe(HOOK);
    expect(res.stderr).toMatch(
      /app blog: before hook "echo "maintenance mode is stuck" >&2; exit 3" exited with status 3: maintenance mode is stuck/,
    );
    expect(await log('before.log')).toEqual(['first']);
    expect(existsSync(calls)).toBe(false);
    expect(await ws.snapshots(cfg, 'blog')).toEqual([]);
  });

  it('when a before hook fails, the after hooks still run (an earlier before hook may have put the site into maintenance), told failure', async () => {
    const cfg = await ws.config('veto-after.yaml', [
      app({
        before: [record('veto-after.log'), 'exit 7'],
        after: [record('veto-after.log')],
      }),
    ]);
    const res = await ws.tryRun(cfg, ['backup', '--app', 'blog'], env);
    expect(res.code, res.stderr).toBe(HOOK);
    expect(await log('veto-after.log')).toEqual(['before app=blog outcome=none', 'after app=blog outcome=failure']);
    expect(await ws.snapshots(cfg, 'blog')).toEqual([]);
  });

  it('after hooks run after a successful backup and are told the app, the phase and STRONGBOX_OUTCOME=success', async () => {
    const cfg = await ws.config('ok.yaml', [app({ before: [record('ok.log')], after: [record('ok.log')] })]);
    await ws.run(cfg, ['backup', '--app', 'blog'], 0, env);
    expect(await log('ok.log')).toEqual(['before app=blog outcome=none', 'after app=blog outcome=success']);
    expect(existsSync(calls)).toBe(true); // the dump ran, through the recording sqlite3
  });

  it("after hooks also run when the dump fails, told STRONGBOX_OUTCOME=failure; the exit status is the dump's (4)", async () => {
    const cfg = await ws.config('nodb.yaml', [app({ after: [record('nodb.log')] }, join(ws.dir, 'missing.db'))]);
    const before = await ws.snapshots(cfg, 'blog');
    const res = await ws.tryRun(cfg, ['backup', '--app', 'blog'], env);
    expect(res.code, res.stderr).toBe(SOURCE);
    expect(res.stderr).toMatch(/app blog, database main: database file .*missing\.db does not exist/);
    expect(await log('nodb.log')).toEqual(['after app=blog outcome=failure']);
    expect(await ws.snapshots(cfg, 'blog')).toEqual(before);
  });

  it('a failing after hook after a successful backup keeps the snapshot but exits 5, naming the hook', async () => {
    const cfg = await ws.config('after-fails.yaml', [
      app({ after: ['echo "cannot leave maintenance mode" >&2; exit 9'] }),
    ]);
    const before = await ws.snapshots(cfg, 'blog');
    const res = await ws.tryRun(cfg, ['backup', '--app', 'blog'], env);
    expect(res.code, res.stderr).toBe(HOOK);
    expect(res.stderr).toMatch(
      /snapshot [0-9a-f]{8} was saved, but app blog: after hook .* exited with status 9: cannot leave maintenance mode/,
    );
    expect(await ws.snapshots(cfg, 'blog')).toHaveLength(before.length + 1);
  });

  it('a failing after hook does not keep the later after hooks from running (the one that leaves maintenance mode); all failures are named', async () => {
    const cfg = await ws.config('after-all.yaml', [
      app({
        after: ['echo "notify failed" >&2; exit 3', record('after-all.log'), 'echo "cache warm-up failed" >&2; exit 4'],
      }),
    ]);
    const res = await ws.tryRun(cfg, ['backup', '--app', 'blog'], env);
    expect(res.code, res.stderr).toBe(HOOK);
    expect(await log('after-all.log')).toEqual(['after app=blog outcome=success']);
    expect(res.stderr).toMatch(
      /2 after hooks failed: app blog: after hook .* exited with status 3: notify failed; app blog: after hook .* exited with status 4: cache warm-up failed/,
    );
  });

  it("a failing after hook after a failed dump does not hide the dump's failure: exit 4, the hook failure is a warning", async () => {
    const cfg = await ws.config('both-fail.yaml', [
      app({ after: ['echo "hook broke too" >&2; exit 9'] }, join(ws.dir, 'missing.db')),
    ]);
    const res = await ws.tryRun(cfg, ['backup', '--app', 'blog'], env);
    expect(res.code, res.stderr).toBe(SOURCE);
    expect(res.stderr).toMatch(/warning: blog: app blog: after hook .* exited with status 9: hook broke too/);
    expect(res.stderr).toMatch(/strongbox: app blog, database main: database file .*missing\.db does not exist/);
  });
});

describe('backup --all-apps when one app fails', () => {
  let ws: Workspace;
  afterAll(async () => ws?.cleanup());

  it("backs up the others, names the failed app and why, and exits with the failure's status (4)", async () => {
    ws = await workspace('sb-app-all-');
    await mkdir(join(ws.dir, 'web'));
    await writeFile(join(ws.dir, 'web', 'index.html'), 'ok\n');
    const cfg = await ws.config('strongbox.yaml', [
      {
        id: 'broken',
        repository: 'main',
        databases: [{ name: 'main', engine: 'sqlite', path: join(ws.dir, 'missing.db') }],
      },
      { id: 'fine', repository: 'main', files: [{ name: 'web', path: join(ws.dir, 'web') }] },
    ]);
    const res = await ws.tryRun(cfg, ['backup', '--all-apps']);
    expect(res.code, res.stderr).toBe(SOURCE);
    expect(res.stderr).toMatch(/backup failed: app broken, database main: database file .*missing\.db does not exist/);
    expect(res.stderr).toMatch(/1 of 2 app backups failed: broken/);
    expect(await ws.snapshots(cfg, 'broken')).toEqual([]);
    expect((await ws.snapshots(cfg, 'fine')).map((s) => s.components.map((c) => c.name))).toEqual([['web']]);
  });
});

describe('a file tree whose configured path is a symbolic link', () => {
  let ws: Workspace;
  afterAll(async () => ws?.cleanup());

  it('is refused (exit 2) with what it points to and what to configure, before any hook or dump; no snapshot is written', async () => {
    ws = await workspace('sb-app-symlink-');
    const release = join(ws.dir, 'releases', '42');
    await mkdir(release, { recursive: true });
    await writeFile(join(release, 'index.php'), 'release 42\n');
    await symlink(release, join(ws.dir, 'current'));
    const marker = join(ws.dir, 'hook-ran');
    const cfg = await ws.config('link.yaml', [
      {
        id: 'shop',
        repository: 'main',
        files: [{ name: 'web', path: join(ws.dir, 'current') }],
        hooks: { before: [`touch '${marker}'`] },
      },
    ]);
    const res = await ws.tryRun(cfg, ['backup', '--app', 'shop']);
    expect(res.code, res.stderr).toBe(ERROR_CODES.USAGE.exit);
    expect(res.stderr).toContain(
      `app shop, files web: ${join(ws.dir, 'current')} is a symbolic link (to ${release}), which would be backed up as the link alone`,
    );
    expect(res.stderr).toMatch(/set path to a real directory/);
    expect(await ws.snapshots(cfg, 'shop')).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });
});
