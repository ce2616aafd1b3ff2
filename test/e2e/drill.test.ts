// `strongbox drill`: the app's newest snapshot restored into a scratch directory and scratch databases, checked
// (files verified, dump verified and loaded, rows counted against the dump's record, smoke queries) and removed
// again — on SQLite, PostgreSQL and MariaDB apps; a tampered dump, or a smoke query that does not match, fails it.
// Each drill run by hand goes to the run history, where `strongbox runs` shows it.
import { chown, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveServer, MY, mySql, PG, pgSql, uniqueDb } from '../support/servers.js';
import { myCreate, myDrop, pgCreate, pgDrop, sqliteCreate, workspace, type Workspace } from './app-fixture.js';
import { fileBlobs, flipMiddle } from './damage.js';
import { jsonOut, tempDir } from './helpers.js';

// The drills here write the run history under this directory, not under the home directory of whoever runs them.
let state: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  state = await tempDir('sb-drill-state-');
  process.env.STATE_DIRECTORY = state.path;
});
afterAll(async () => state?.cleanup());

interface DrillJson {
  outcome: string;
  snapshot: string;
  checks: { component: string; check: string; ok: boolean; detail: string }[];
}

async function siteWith(
  ws: Workspace,
  database: Record<string, unknown>,
  smoke: unknown[] = [],
  servers: Record<string, string> = {},
): Promise<string> {
  const web = join(ws.dir, 'web');
  await mkdir(web, { recursive: true });
  await writeFile(join(web, 'index.html'), '<h1>site</h1>\n');
  await mkdir(join(ws.dir, 'drills'), { recursive: true });
  return ws.config('strongbox.yaml', [
    {
      id: 'site',
      repository: 'main',
      files: [{ name: 'web', path: web }],
      databases: [{ name: 'main', ...database }],
      drill: { directory: join(ws.dir, 'drills'), smoke, servers },
    },
  ]);
}

/** The checks of a drill as `component check ok` lines. */
const checkList = (checks: { component: string; check: string; ok: boolean }[]) =>
  checks.map((c) => `${c.component} ${c.check} ${c.ok}`);
const ALL_PASSED = ['web restore true', 'main restore true', 'main rows true', 'main smoke true'];

const ITEMS = { database: 'main', sql: 'SELECT count(*) FROM items', expect: '^3000$' };

describe('a drill of an SQLite app', () => {
  let ws: Workspace;
  let cfg: string;
  beforeAll(async () => {
    ws = await workspace('sb-drill-sqlite-');
    sqliteCreate(join(ws.dir, 'site.db'));
    cfg = await siteWith(ws, { engine: 'sqlite', path: join(ws.dir, 'site.db') }, [ITEMS]);
    await ws.run(cfg, ['backup', '--app', 'site', '--periodicity', 'daily']);
  });
  afterAll(async () => ws?.cleanup());

  it('passes: files verified, dump loaded, rows as recorded, smoke query matched; nothing scratch is left', async () => {
    const r = jsonOut<DrillJson>((await ws.run(cfg, ['--json', 'drill', '--app', 'site'])).stdout);
    expect(r.outcome).toBe('ok');
    expect(checkList(r.checks)).toEqual(ALL_PASSED);
    expect(r.checks.find((c) => c.check === 'rows')!.detail).toMatch(/^3 tables, 3000 rows, as recorded$/);
    expect(await readdir(join(ws.dir, 'drills'))).toEqual([]);
    const text = await ws.run(cfg, ['drill', '--app', 'site', '--periodicity', 'daily']);
    expect(text.stdout).toMatch(/^drill of app site from snapshot [0-9a-f]{8}: passed \(4 of 4 checks passed\)$/m);
  });

  it('fails (exit 1) when the smoke query does not give what is expected, naming it', async () => {
    const bad = await siteWith(ws, { engine: 'sqlite', path: join(ws.dir, 'site.db') }, [{ ...ITEMS, expect: '^42$' }]);
    const r = await ws.run(bad, ['drill', '--app', 'site'], 1);
    expect(r.stderr).toMatch(
      /drill of app site failed: main smoke: smoke query returned "3000", not matching \/\^42\$\//,
    );
    expect(await readdir(join(ws.dir, 'drills'))).toEqual([]);
  });

  it('a restore that fails outright is a failed check: the other checks still run and everything scratch goes', async () => {
    // An sqlite3 that fails the restore's integrity check (and only that), as a broken tool on the host would.
    const tool = join(ws.dir, 'sqlite3-failing');
    await writeFile(
      tool,
      '#!/bin/sh\ncase "$*" in *integrity_check*) echo "Error: disk I/O error" >&2; exit 1;; esac\nexec sqlite3 "$@"\n',
      { mode: 0o755 },
    );
    const r = await ws.run(cfg, ['--json', 'drill', '--app', 'site'], 1, { STRONGBOX_SQLITE3: tool });
    const summary = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((l) => l.type === 'summary');
    expect(checkList(summary.checks)).toEqual(['web restore true', 'main restore false']);
    expect(summary.checks[1].detail).toMatch(/^restore failed: .*disk I\/O error/);
    expect(await readdir(join(ws.dir, 'drills'))).toEqual([]);
  });

  it('fails (exit 1) when the dump was tampered with: it is not loaded, and the scratch places are removed', async () => {
    const [blob] = (await fileBlobs(ws.repo)).get('db:main')!;
    await flipMiddle(ws.repo, blob);
    const r = await ws.run(cfg, ['--json', 'drill', '--app', 'site'], 1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'summary')).toMatchObject({
      outcome: 'failed',
      checks: [
        { component: 'web', ok: true },
        { component: 'main', check: 'restore', ok: false },
      ],
    });
    expect(lines.at(-1)).toMatchObject({ type: 'error', code: 'VERIFY_FAILED', exit: 1 });
    expect(r.stderr).toMatch(/drill of app site failed: main restore: not loaded: /);
    expect(await readdir(join(ws.dir, 'drills'))).toEqual([]);
  });
});

describe('drills run by hand, in the run history', () => {
  let ws: Workspace;
  afterAll(async () => ws?.cleanup());

  it('strongbox runs lists each: passed, failed naming the check, and one that could not run', async () => {
    ws = await workspace('sb-drill-history-');
    sqliteCreate(join(ws.dir, 'site.db'));
    const cfg = await siteWith(ws, { engine: 'sqlite', path: join(ws.dir, 'site.db') }, [ITEMS]);
    await ws.run(cfg, ['backup', '--app', 'site', '--periodicity', 'daily']);
    // The daemon's state directory, owned by the daemon's user (when the test can make it so: as root).
    const dir = join(ws.dir, 'state');
    await mkdir(dir);
    if (process.getuid?.() === 0) await chown(dir, 65534, 65534);
    const env = { STATE_DIRECTORY: dir };

    await ws.run(cfg, ['drill', '--app', 'site'], 0, env);
    // The same config (siteWith's file), its smoke query now expecting what the table does not hold.
    await siteWith(ws, { engine: 'sqlite', path: join(ws.dir, 'site.db') }, [{ ...ITEMS, expect: '^42$' }]);
    await ws.run(cfg, ['drill', '--app', 'site'], 1, env);
    const none = await ws.run(cfg, ['drill', '--app', 'site', '--periodicity', 'weekly'], 1, env);
    expect(none.stderr).toMatch(/matches 'latest'/);

    const runs = jsonOut((await ws.run(cfg, ['--json', 'runs'], 0, env)).stdout) as Record<string, any>[];
    expect(runs).toMatchObject([
      { op: 'drill', app: 'site', repository: 'main', trigger: 'cli', outcome: 'ok', detail: { checks: 4, failed: 0 } },
      {
        op: 'drill',
        trigger: 'cli',
        outcome: 'failed',
        detail: { checks: 4, failed: 1 },
        error: { code: 'VERIFY_FAILED' },
      },
      { op: 'drill', trigger: 'cli', outcome: 'failed', error: { code: 'NOT_FOUND' } },
    ]);
    expect(runs[1].error.message).toMatch(/^drill of app site failed:\nmain smoke: smoke query returned "3000"/);
    const text = await ws.run(cfg, ['runs'], 0, env);
    expect(text.stdout).toMatch(/ site +drill +cli +ok /);
    // Written by root, the new history file belongs to the directory's owner, so that the daemon can append to it.
    expect((await stat(join(dir, 'runs.jsonl'))).uid).toBe((await stat(dir)).uid);
  });
});

describe.skipIf(!haveServer('postgres'))('a drill of a PostgreSQL app', () => {
  const db = uniqueDb('sb_drill_pg');
  let ws: Workspace;
  let cfg: string;
  beforeAll(async () => {
    ws = await workspace('sb-drill-pg-');
    pgCreate(db);
    cfg = await siteWith(ws, { engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database: db }, [
      ITEMS,
    ]);
    await ws.run(cfg, ['backup', '--app', 'site']);
  });
  afterAll(async () => {
    pgDrop(db);
    await ws?.cleanup();
  });

  it('passes into a scratch database on the same server, which is dropped afterwards', async () => {
    const r = jsonOut<DrillJson>((await ws.run(cfg, ['--json', 'drill', '--app', 'site'])).stdout);
    expect(checkList(r.checks)).toEqual(ALL_PASSED);
    expect(r.checks[1].detail).toMatch(
      new RegExp(`loaded into postgres database "${db}_sbdrill_[0-9a-f]{8}" on 127\\.0\\.0\\.1:5432`),
    );
    expect(r.checks[2].detail).toMatch(/^1 tables, 3000 rows \(the dump recorded estimates: tables compared\)$/);
    expect(pgSql('postgres', `SELECT count(*) FROM pg_database WHERE datname LIKE '${db}_sbdrill_%'`)).toBe('0');
  });

  it('goes to the server drill.servers names for the database (a URL), and drops the scratch copy there', async () => {
    const other = await siteWith(
      ws,
      { engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database: db },
      [ITEMS],
      { main: `postgresql://${PG.user}@${PG.host}:${PG.port}` },
    );
    const r = jsonOut<DrillJson>((await ws.run(other, ['--json', 'drill', '--app', 'site'])).stdout);
    expect(r.outcome).toBe('ok');
    expect(checkList(r.checks)).toEqual(ALL_PASSED);
    expect(pgSql('postgres', `SELECT count(*) FROM pg_database WHERE datname LIKE '${db}_sbdrill_%'`)).toBe('0');
  });

  it('fails when the dump was tampered with, and leaves no scratch database', async () => {
    await flipMiddle(ws.repo, (await fileBlobs(ws.repo)).get('db:main')![0]);
    expect((await ws.run(cfg, ['drill', '--app', 'site'], 1)).stderr).toMatch(
      /drill of app site failed: main restore: not loaded: /,
    );
    expect(pgSql('postgres', `SELECT count(*) FROM pg_database WHERE datname LIKE '${db}_sbdrill_%'`)).toBe('0');
  });
});

describe.skipIf(!haveServer('mariadb'))('a drill of a MariaDB app', () => {
  const db = uniqueDb('sb_drill_my');
  let ws: Workspace;
  let cfg: string;
  beforeAll(async () => {
    ws = await workspace('sb-drill-my-');
    myCreate(db);
    cfg = await siteWith(ws, { engine: 'mariadb', host: MY.host, port: MY.port, user: MY.user, database: db }, [ITEMS]);
    await ws.run(cfg, ['backup', '--app', 'site']);
  });
  afterAll(async () => {
    myDrop(db);
    await ws?.cleanup();
  });

  it('passes into a scratch database on the same server, which is dropped afterwards', async () => {
    const r = jsonOut<DrillJson>((await ws.run(cfg, ['--json', 'drill', '--app', 'site'])).stdout);
    expect(checkList(r.checks)).toEqual(ALL_PASSED);
    expect(mySql(`SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE '${db}\\_sbdrill\\_%'`)).toBe(
      '0',
    );
  });

  it('fails when the dump was tampered with, and leaves no scratch database', async () => {
    await flipMiddle(ws.repo, (await fileBlobs(ws.repo)).get('db:main')![0]);
    expect((await ws.run(cfg, ['drill', '--app', 'site'], 1)).stderr).toMatch(
      /drill of app site failed: main restore: not loaded: /,
    );
    expect(mySql(`SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE '${db}\\_sbdrill\\_%'`)).toBe(
      '0',
    );
  });
});
