// App backups that fail, at the operations level: a database that cannot be dumped (server down, wrong credentials,
// dump tool missing, dump killed mid-stream) fails the backup with a SOURCE error naming app, component and cause,
// writes no snapshot and leaves earlier snapshots whole; before hooks can veto a backup (HOOK), after hooks always
// hear the outcome. The CLI's exit statuses and stderr text stay in test/e2e/app-errors.test.ts.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, configSchema } from '../../src/config/schema.js';
import { exitStatusFor, isStrongboxError, StrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { type AppBackupsResult, backupApps } from '../../src/ops/backup-app.js';
import { checkRepo } from '../../src/ops/check.js';
import { type OpContext, withContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restoreAppSnapshot } from '../../src/ops/restore-app.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import type { SnapshotRef } from '../../src/repository/snapshot.js';
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
} from '../e2e/app-fixture.js';
import { tempDir } from '../e2e/helpers.js';
import { haveServer, MY, mySql, PG, uniqueDb } from '../support/servers.js';

process.env.SB_APP_ERRORS_PW = 'app-errors-test';

/** Every warning event of the operations run so far. */
const warnings: OpEvent[] = [];
const run = <T>(op: (ctx: OpContext) => Promise<T>): Promise<T> =>
  withContext({ emit: (e: OpEvent) => void (e.type === 'warning' && warnings.push(e)) }, op);

/** Runs `fn` with `env` added to the process environment (dump tools and hooks inherit it), then restores it. */
async function withEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

interface Workspace {
  dir: string;
  spec: RepoSpec;
  /** A config whose `main` repository is this workspace's, with these apps. */
  config: (apps: unknown[]) => Config;
  /** Backs up the app `id` of `cfg` (alone, as `backup --app` does). */
  backup: (cfg: Config, id: string) => Promise<AppBackupsResult>;
  /** Backs up the app `id` of `cfg`, which must fail; its error. */
  failure: (cfg: Config, id: string) => Promise<StrongboxError>;
  /** The app's snapshots, oldest first. */
  snapshots: (app: string) => Promise<SnapshotRef[]>;
  cleanup: () => Promise<void>;
}

/** A temp directory holding a freshly initialised local repository. */
async function workspace(prefix: string): Promise<Workspace> {
  const tmp = await tempDir(prefix);
  const spec: RepoSpec = { location: join(tmp.path, 'repo'), password: { env: 'SB_APP_ERRORS_PW' } };
  await run((ctx) => initRepository(spec, ctx));
  const backup = (cfg: Config, id: string) =>
    run((ctx) => backupApps({}, cfg, { apps: cfg.apps.filter((a) => a.id === id) }, ctx));
  return {
    dir: tmp.path,
    spec,
    config: (apps) =>
      configSchema.parse({
        repositories: { main: { location: spec.location, passwordEnv: 'SB_APP_ERRORS_PW' } },
        apps,
      }),
    backup,
    async failure(cfg, id) {
      const err = await backup(cfg, id).then(
        (r) => new Error(`the backup did not fail: ${r.outcome}`),
        (e: unknown) => e,
      );
      if (!(err instanceof StrongboxError)) throw err;
      return err;
    },
    async snapshots(app) {
      const { snapshots } = await run((ctx) => listSnapshots(spec, { app }, ctx));
      return snapshots.sort((a, b) => a.snapshot.time.localeCompare(b.snapshot.time));
    },
    cleanup: tmp.cleanup,
  };
}

const ids = (snaps: SnapshotRef[]) => snaps.map((s) => s.id);

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
  base: (db: string) => Record<string, unknown>;
  create: (db: string) => void;
  drop: (...dbs: string[]) => void;
  items: (db: string) => string;
  breakages: Breakage[];
}

const MY_USER = uniqueDb('sb_ops_err_user'); // has a password; the test gives it a wrong one
const KILL_AFTER = 200_000; // bytes of dump before the dump tool dies; the fixture dumps are larger

const ENGINES: Engine[] = [
  {
    engine: 'postgres',
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

/** An app `shop` with one database `main` and one file tree `web`; its after hook appends to after.log. */
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
  const enabled = haveServer(e.engine);
  let ws: Workspace;
  let good: Config;
  let goodId: string;
  const db = uniqueDb(`sb_ops_err_${e.engine}`);
  const copy = `${db}_copy`;
  const afterLog = () => readFile(join(ws.dir, 'after.log'), 'utf8').then((s) => s.trim().split('\n'));

  beforeAll(async () => {
    if (!enabled) return;
    e.create(db);
    ws = await workspace(`sb-ops-app-errors-${e.engine}-`);
    await mkdir(join(ws.dir, 'web'));
    await writeFile(join(ws.dir, 'web', 'index.html'), '<h1>shop</h1>\n');
    good = ws.config([shopApp(ws, e.base(db))]);
    expect((await ws.backup(good, 'shop')).outcome).toBe('ok');
    goodId = (await ws.snapshots('shop'))[0].id;
  });
  afterAll(async () => {
    if (!enabled) return;
    e.drop(db, copy);
    for (const b of e.breakages) b.teardown?.();
    await ws?.cleanup();
  });

  it.skipIf(!enabled).each(e.breakages)(
    'when $what: a SOURCE error (exit 4) naming app and database and why, no snapshot, the after hook told failure',
    async (b) => {
      const cfg = ws.config([shopApp(ws, { ...e.base(db), ...(await b.config(ws.dir, db)) })]);
      const before = await ws.snapshots('shop');
      const err = await withEnv(b.env ?? {}, () => ws.failure(cfg, 'shop'));
      expect(err.code, err.message).toBe('SOURCE');
      expect(exitStatusFor(err)).toBe(4);
      expect(err.message).toMatch(/^app shop, database main: /);
      expect(err.message).toMatch(b.why);
      expect(ids(await ws.snapshots('shop'))).toEqual(ids(before));
      expect((await afterLog()).at(-1)).toBe('after shop failure');
    },
  );

  it.skipIf(!enabled)(
    'after all those failures the earlier snapshot is whole: a full check passes and it restores',
    async () => {
      const check = await run((ctx) => checkRepo(ws.spec, { readData: { kind: 'all' } }, ctx));
      expect(check.errors).toEqual([]);
      expect(check.outcome).toBe('ok');
      expect(check.snapshots).toBe(1);
      const app = good.apps[0];
      const r = await run((ctx) =>
        restoreAppSnapshot({}, good, { app, snapshot: goodId, only: 'db', targetDb: copy }, ctx),
      );
      expect(r.outcome).toBe('ok');
      expect(e.items(copy)).toBe(e.items(db));
      expect(e.items(copy).split('\n')).toHaveLength(FIXED_ROWS);
      const [dump] = (await ws.snapshots('shop'))[0].snapshot.components.filter((c) => c.kind === 'database');
      expect(dump.kind === 'database' && dump.size).toBeGreaterThan(KILL_AFTER); // so the killed tool really died mid-stream
    },
  );
});

describe('hooks around an app backup', () => {
  let ws: Workspace;
  let calls: string; // every sqlite3 invocation, one line each: proves whether a dump was started
  let savedSqlite: string | undefined;
  const log = (name: string) =>
    readFile(join(ws.dir, name), 'utf8').then(
      (s) => s.trim().split('\n'),
      () => [],
    );
  const app = (hooks: { before?: string[]; after?: string[] }, dbPath = join(ws.dir, 'app.db')) =>
    ws.config([
      {
        id: 'blog',
        repository: 'main',
        files: [{ name: 'web', path: join(ws.dir, 'web') }],
        databases: [{ name: 'main', engine: 'sqlite', path: dbPath }],
        hooks,
      },
    ]);
  const record = (file: string) =>
    `echo "$STRONGBOX_HOOK app=$STRONGBOX_APP outcome=\${STRONGBOX_OUTCOME:-none}" >> '${join(ws.dir, file)}'`;
  const missingDb = /^app blog, database main: database file .*missing\.db does not exist/;

  beforeAll(async () => {
    ws = await workspace('sb-ops-app-hooks-');
    await mkdir(join(ws.dir, 'web'));
    await writeFile(join(ws.dir, 'web', 'post.md'), '# hello\n');
    sqliteCreate(join(ws.dir, 'app.db'));
    calls = join(ws.dir, 'sqlite3-calls.log');
    const bin = await toolDir(join(ws.dir, 'bin'), [], { sqlite3: recordsCalls('sqlite3', calls) });
    savedSqlite = process.env.STRONGBOX_SQLITE3;
    process.env.STRONGBOX_SQLITE3 = join(bin, 'sqlite3');
  });
  afterAll(async () => {
    if (savedSqlite === undefined) delete process.env.STRONGBOX_SQLITE3;
    else process.env.STRONGBOX_SQLITE3 = savedSqlite;
    await ws?.cleanup();
  });

  it('a failing before hook aborts the backup: a HOOK error (exit 5) naming the hook and its output; later hooks, the dump and the snapshot never happen', async () => {
    const cfg = app({
      before: [
        `echo first >> '${join(ws.dir, 'before.log')}'`,
        'echo "maintenance mode is stuck" >&2; exit 3',
        `echo third >> '${join(ws.dir, 'before.log')}'`,
      ],
    });
    const err = await ws.failure(cfg, 'blog');
    expect(err.code, err.message).toBe('HOOK');
    expect(exitStatusFor(err)).toBe(5);
    expect(err.message).toMatch(
      /^app blog: before hook "echo "maintenance mode is stuck" >&2; exit 3" exited with status 3: maintenance mode is stuck/,
    );
    expect(await log('before.log')).toEqual(['first']);
    expect(existsSync(calls)).toBe(false);
    expect(await ws.snapshots('blog')).toEqual([]);
  });

  it('when a before hook fails, the after hooks still run (an earlier before hook may have put the site into maintenance), told failure', async () => {
    const cfg = app({ before: [record('veto-after.log'), 'exit 7'], after: [record('veto-after.log')] });
    const err = await ws.failure(cfg, 'blog');
    expect(err.code, err.message).toBe('HOOK');
    expect(await log('veto-after.log')).toEqual(['before app=blog outcome=none', 'after app=blog outcome=failure']);
    expect(await ws.snapshots('blog')).toEqual([]);
  });

  it('after hooks run after a successful backup and are told the app, the phase and STRONGBOX_OUTCOME=success', async () => {
    const r = await ws.backup(app({ before: [record('ok.log')], after: [record('ok.log')] }), 'blog');
    expect(r.outcome).toBe('ok');
    expect(r.error).toBeNull();
    expect(await log('ok.log')).toEqual(['before app=blog outcome=none', 'after app=blog outcome=success']);
    expect(existsSync(calls)).toBe(true); // the dump ran, through the recording sqlite3
  });

  it("after hooks also run when the dump fails, told STRONGBOX_OUTCOME=failure; the error is the dump's (SOURCE, exit 4)", async () => {
    const cfg = app({ after: [record('nodb.log')] }, join(ws.dir, 'missing.db'));
    const before = await ws.snapshots('blog');
    const err = await ws.failure(cfg, 'blog');
    expect(err.code, err.message).toBe('SOURCE');
    expect(exitStatusFor(err)).toBe(4);
    expect(err.message).toMatch(missingDb);
    expect(await log('nodb.log')).toEqual(['after app=blog outcome=failure']);
    expect(ids(await ws.snapshots('blog'))).toEqual(ids(before));
  });

  it('a failing after hook after a successful backup keeps the snapshot but the outcome is hook-failed (exit 5), naming the hook', async () => {
    const cfg = app({ after: ['echo "cannot leave maintenance mode" >&2; exit 9'] });
    const before = await ws.snapshots('blog');
    const r = await ws.backup(cfg, 'blog');
    expect(r.outcome).toBe('hook-failed');
    expect(r.apps[0].outcome).toBe('hook-failed');
    const saved = r.apps[0].result!.id;
    expect(r.error?.code).toBe('HOOK');
    expect(exitStatusFor(r.error)).toBe(5);
    expect(r.error!.message).toMatch(
      new RegExp(
        `^snapshot ${saved.slice(0, 8)} was saved, but app blog: after hook .* exited with status 9: cannot leave maintenance mode`,
      ),
    );
    const after = await ws.snapshots('blog');
    expect(after).toHaveLength(before.length + 1);
    expect(ids(after)).toContain(saved);
  });

  it('a failing after hook does not keep the later after hooks from running (the one that leaves maintenance mode); all failures are named', async () => {
    const cfg = app({
      after: ['echo "notify failed" >&2; exit 3', record('after-all.log'), 'echo "cache warm-up failed" >&2; exit 4'],
    });
    const r = await ws.backup(cfg, 'blog');
    expect(r.outcome).toBe('hook-failed');
    expect(r.error?.code).toBe('HOOK');
    expect(await log('after-all.log')).toEqual(['after app=blog outcome=success']);
    expect(r.apps[0].error!.message).toMatch(
      /^2 after hooks failed: app blog: after hook .* exited with status 3: notify failed; app blog: after hook .* exited with status 4: cache warm-up failed/,
    );
    expect(r.error!.message).toContain(r.apps[0].error!.message);
  });

  it("a failing after hook after a failed dump does not hide the dump's failure: SOURCE (exit 4), the hook failure is a warning", async () => {
    const cfg = app({ after: ['echo "hook broke too" >&2; exit 9'] }, join(ws.dir, 'missing.db'));
    const seen = warnings.length;
    const err = await ws.failure(cfg, 'blog');
    expect(err.code, err.message).toBe('SOURCE');
    expect(err.message).toMatch(missingDb);
    const warned = warnings.slice(seen);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ type: 'warning', app: 'blog' });
    expect(warned[0].type === 'warning' && warned[0].message).toMatch(
      /^app blog: after hook .* exited with status 9: hook broke too/,
    );
  });
});

describe('backing up every app when one fails', () => {
  let ws: Workspace;
  afterAll(async () => ws?.cleanup());

  it("backs up the others, reports the failed app and why, and the outcome's error is the failure's (SOURCE, exit 4)", async () => {
    ws = await workspace('sb-ops-app-all-');
    await mkdir(join(ws.dir, 'web'));
    await writeFile(join(ws.dir, 'web', 'index.html'), 'ok\n');
    const cfg = ws.config([
      {
        id: 'broken',
        repository: 'main',
        databases: [{ name: 'main', engine: 'sqlite', path: join(ws.dir, 'missing.db') }],
      },
      { id: 'fine', repository: 'main', files: [{ name: 'web', path: join(ws.dir, 'web') }] },
    ]);
    const seen = warnings.length;
    const r = await run((ctx) => backupApps({}, cfg, { apps: cfg.apps }, ctx));
    expect(r.outcome).toBe('failed');
    expect(r.apps.map((a) => [a.app, a.outcome])).toEqual([
      ['broken', 'failed'],
      ['fine', 'ok'],
    ]);
    expect(r.apps[0].error?.code).toBe('SOURCE');
    expect(r.apps[0].error!.message).toMatch(/^app broken, database main: database file .*missing\.db does not exist/);
    expect(r.error?.code).toBe('SOURCE');
    expect(exitStatusFor(r.error)).toBe(4);
    expect(r.error!.message).toBe('1 of 2 app backups failed: broken');
    const warned = warnings.slice(seen).filter((w) => w.type === 'warning' && w.app === 'broken');
    expect(warned.map((w) => w.type === 'warning' && w.message)).toEqual([
      expect.stringMatching(/^backup failed: app broken, database main: database file .*missing\.db does not exist/),
    ]);
    expect(await ws.snapshots('broken')).toEqual([]);
    const fine = await ws.snapshots('fine');
    expect(fine.map((s) => s.snapshot.components.map((c) => c.name))).toEqual([['web']]);
    expect(ids(fine)).toEqual([r.apps[1].result!.id]);
  });
});

describe('a file tree whose configured path is a symbolic link', () => {
  let ws: Workspace;
  afterAll(async () => ws?.cleanup());

  it('is refused (USAGE, exit 2) with what it points to and what to configure, before any hook or dump; no snapshot is written', async () => {
    ws = await workspace('sb-ops-app-symlink-');
    const release = join(ws.dir, 'releases', '42');
    await mkdir(release, { recursive: true });
    await writeFile(join(release, 'index.php'), 'release 42\n');
    await symlink(release, join(ws.dir, 'current'));
    const marker = join(ws.dir, 'hook-ran');
    const cfg = ws.config([
      {
        id: 'shop',
        repository: 'main',
        files: [{ name: 'web', path: join(ws.dir, 'current') }],
        hooks: { before: [`touch '${marker}'`] },
      },
    ]);
    const err = await ws.failure(cfg, 'shop');
    expect(isStrongboxError(err, 'USAGE'), err.message).toBe(true);
    expect(exitStatusFor(err)).toBe(2);
    expect(err.message).toContain(
      `app shop, files web: ${join(ws.dir, 'current')} is a symbolic link (to ${release}), which would be backed up as the link alone`,
    );
    expect(err.message).toMatch(/set path to a real directory/);
    expect(await ws.snapshots('shop')).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });
});
