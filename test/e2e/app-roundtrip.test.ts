// Whole-CLI round trips of an application: a SQLite database that another process keeps writing plus a file
// tree, backed up twice with `backup --app`, listed, restored elsewhere and in place (only with consent),
// dumped raw; `--all-apps`; and a PostgreSQL app restored into a new database named by a URL.
import { jsonOut } from './helpers.js';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { describeTree, diffTrees } from '../../src/util/treediff.js';
import { haveServer, PG, pgSql, uniqueDb } from '../support/servers.js';
import {
  FIXED_ROWS,
  type ListedSnapshot,
  pairsState,
  pgCreate,
  pgDrop,
  pgItems,
  sqlite,
  sqliteCreate,
  sqliteItems,
  startSqliteWriter,
  workspace,
  type Workspace,
  type Writer,
} from './app-fixture.js';
import { type Fixture, makeTree, mutateTree } from './tree-fixture.js';

interface BackupJson {
  id: string;
  app: string;
  components: { name: string; kind: string }[];
  summary: { dataAdded: number; files: number; databases: number; databaseBytes: number };
}

const SEED = 31337;
const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
const dbComponent = (s: ListedSnapshot) =>
  s.components.find((c) => c.kind === 'database') as Extract<
    ListedSnapshot['components'][number],
    { kind: 'database' }
  >;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an app with a SQLite database that another process keeps writing, and a file tree', () => {
  let ws: Workspace;
  let cfg: string;
  let web: string;
  let db: string;
  let fx: Fixture;
  let writer: Writer | null = null;
  const backups: BackupJson[] = [];
  let snaps: ListedSnapshot[];
  const elsewhere = () => join(ws.dir, 'elsewhere');

  beforeAll(async () => {
    ws = await workspace('sb-app-roundtrip-');
    web = join(ws.dir, 'srv', 'web');
    db = join(ws.dir, 'srv', 'data', 'site.db');
    await mkdir(web, { recursive: true });
    await mkdir(join(ws.dir, 'srv', 'data'));
    await mkdir(join(ws.dir, 'srv', 'docs'));
    fx = await makeTree(web, SEED);
    await writeFile(join(ws.dir, 'srv', 'docs', 'README.md'), '# docs\n');
    sqliteCreate(db, 16);
    cfg = await ws.config('strongbox.yaml', [
      {
        id: 'site',
        repository: 'main',
        files: [{ name: 'web', path: web }],
        databases: [{ name: 'main', engine: 'sqlite', path: db }],
      },
      { id: 'docs', repository: 'main', files: [{ name: 'docs', path: join(ws.dir, 'srv', 'docs') }] },
    ]);
  });
  afterAll(async () => {
    await writer?.stop();
    await ws?.cleanup();
  });

  it('backs up twice while the database is written: consistent copies, and the second backup adds little', async () => {
    writer = startSqliteWriter(db);
    try {
      await wait(300);
      backups.push(jsonOut((await ws.run(cfg, ['--json', 'backup', '--app', 'site'])).stdout) as BackupJson);
      await wait(300);
      backups.push(jsonOut((await ws.run(cfg, ['--json', 'backup', '--app', 'site'])).stdout) as BackupJson);
    } finally {
      await writer.stop();
      writer = null;
    }
    snaps = await ws.snapshots(cfg, 'site');
    expect(snaps.map((s) => s.id)).toEqual(backups.map((b) => b.id));
    const [first, second] = snaps.map((s) => dbComponent(s).tables!.pairs);
    expect(first).toBeGreaterThan(0); // the writer was writing before the first copy …
    expect(second).toBeGreaterThan(first); // … and between the two
    expect([first % 2, second % 2]).toEqual([0, 0]); // each copy holds whole transactions only
    // Only the chunks around the copy's header and its last pages (the new rows) are new; the rest is shared.
    expect(backups[1].summary.dataAdded).toBeLessThan(backups[1].summary.databaseBytes / 4);
    expect(backups[1].summary.databaseBytes).toBeGreaterThan(16 * 1024 * 1024);
  });

  it('snapshots --app lists each snapshot with its database and file tree components', async () => {
    for (const s of snaps) {
      expect(s.app).toBe('site');
      expect(s.components.map((c) => [c.name, c.kind])).toEqual([
        ['main', 'database'],
        ['web', 'files'],
      ]);
      expect(dbComponent(s)).toMatchObject({
        engine: 'sqlite',
        format: 'sqlite3-database',
        rowCounts: 'exact',
        tables: { items: FIXED_ROWS },
      });
    }
    const table = (await ws.run(cfg, ['snapshots', '--app', 'site'])).stdout;
    expect(table).toMatch(/db:main\(sqlite, [\d.]+ [KM]iB\) files:web/);
    expect(table).toMatch(/^2 snapshot\(s\)$/m);
  });

  it('restore --only files --target DIR gives the identical tree under DIR/<name>, and nothing else', async () => {
    await ws.run(cfg, ['restore', 'latest', '--app', 'site', '--only', 'files', '--target', elsewhere()]);
    expect(await readdir(elsewhere())).toEqual(['web']);
    expect(await diffTrees(web, join(elsewhere(), 'web'))).toEqual([]);
  });

  it('restore --only db --target-db PATH gives a consistent database: whole pairs only, the fixed rows unchanged', async () => {
    const other = join(ws.dir, 'other', 'copy.db');
    await ws.run(cfg, ['restore', 'latest', '--app', 'site', '--only', 'db', '--target-db', other]);
    expect(sqlite(other, 'PRAGMA integrity_check;')).toBe('ok');
    expect(pairsState(other)).toEqual({ rows: dbComponent(snaps[1]).tables!.pairs, tornBatches: 0 });
    expect(sqliteItems(other)).toBe(sqliteItems(db));
  });

  it('restoring into the configured, non-empty targets without --yes exits 1, names them, and changes nothing', async () => {
    const treeBefore = await describeTree(web);
    const dbBefore = { sha: await sha256(db), mtime: (await stat(db)).mtimeMs };
    const res = await ws.tryRun(cfg, ['restore', 'latest', '--app', 'site']);
    expect(res.code, res.stderr).toBe(ERROR_CODES.TARGET_NOT_EMPTY.exit);
    expect(res.stderr).toContain(`directory ${web}`);
    expect(res.stderr).toContain(`sqlite database ${db}`);
    expect(res.stderr).toMatch(/pass --yes to replace/);
    expect(await describeTree(web)).toEqual(treeBefore);
    expect({ sha: await sha256(db), mtime: (await stat(db)).mtimeMs }).toEqual(dbBefore);
  });

  it("with --yes the configured targets get the snapshot's contents back (changed and deleted files, lost rows)", async () => {
    await mutateTree(web, fx, SEED);
    sqlite(db, "DELETE FROM items WHERE id <= 100; INSERT INTO pairs VALUES (-1, 0, x'00');");
    await ws.run(cfg, ['restore', 'latest', '--app', 'site', '--yes']);
    const diffs = await diffTrees(join(elsewhere(), 'web'), web); // the same snapshot, restored to an empty directory
    expect(diffs.filter((d) => !d.startsWith('extra in'))).toEqual([]); // entries added since: see the next test
    expect(pairsState(db)).toEqual({ rows: dbComponent(snaps[1]).tables!.pairs, tornBatches: 0 });
    expect(sqliteItems(db).split('\n')).toHaveLength(FIXED_ROWS);
  });

  it('with --yes, files added to the tree since the snapshot are removed: the tree is exactly as backed up', async () => {
    expect(await diffTrees(join(elsewhere(), 'web'), web)).toEqual([]);
  });

  it('dump latest COMPONENT -o FILE writes exactly the recorded bytes, and never overwrites a file', async () => {
    const out = join(ws.dir, 'site.db.dump');
    const recorded = dbComponent(snaps[1]);
    const res = await ws.run(cfg, ['dump', 'latest', 'main', '--app', 'site', '-o', out]);
    expect(res.stderr).toContain(`sha256 ${recorded.sha256.slice(0, 16)}`);
    expect(await sha256(out)).toBe(recorded.sha256);
    expect((await stat(out)).size).toBe(recorded.size);
    expect(sqlite(out, 'PRAGMA integrity_check;')).toBe('ok');
    await writeFile(out, 'precious');
    const again = await ws.tryRun(cfg, ['dump', 'latest', 'main', '--app', 'site', '-o', out]);
    expect(again.code).toBe(ERROR_CODES.USAGE.exit);
    expect(again.stderr).toMatch(/exists; choose another file/);
    expect(await readFile(out, 'utf8')).toBe('precious');
    expect((await readdir(ws.dir)).filter((n) => n.includes('strongbox-partial'))).toEqual([]);
  });

  it('--all-apps backs up every app in the config, one snapshot each', async () => {
    const before = { site: (await ws.snapshots(cfg, 'site')).length, docs: (await ws.snapshots(cfg, 'docs')).length };
    await ws.run(cfg, ['backup', '--all-apps']);
    const site = await ws.snapshots(cfg, 'site');
    const docs = await ws.snapshots(cfg, 'docs');
    expect({ site: site.length, docs: docs.length }).toEqual({ site: before.site + 1, docs: before.docs + 1 });
    expect(docs.at(-1)!.components.map((c) => [c.name, c.kind])).toEqual([['docs', 'files']]);
    expect(site.at(-1)!.components.map((c) => [c.name, c.kind])).toEqual([
      ['main', 'database'],
      ['web', 'files'],
    ]);
  });
});

describe.skipIf(!haveServer('postgres'))('a PostgreSQL app restored with --target-db URL', () => {
  const db = uniqueDb('sb_rt_pg');
  const newDb = `${db}_new`;
  let ws: Workspace;
  let cfg: string;
  const url = () => `postgresql://${PG.user}@${PG.host}:${PG.port}/${newDb}`;
  const exists = (name: string) =>
    pgSql('postgres', `SELECT count(*) FROM pg_database WHERE datname = '${name}'`) === '1';

  beforeAll(async () => {
    pgCreate(db);
    ws = await workspace('sb-app-roundtrip-pg-');
    cfg = await ws.config('strongbox.yaml', [
      {
        id: 'shop',
        repository: 'main',
        databases: [{ name: 'main', engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database: db }],
      },
    ]);
    await ws.run(cfg, ['backup', '--app', 'shop']);
  });
  afterAll(async () => {
    pgDrop(db, newDb);
    await ws?.cleanup();
  });

  it('creates the database the URL names and restores into it', async () => {
    expect(exists(newDb)).toBe(false);
    const res = await ws.run(cfg, ['restore', 'latest', '--app', 'shop', '--target-db', url()]);
    expect(res.stderr).toContain(`postgres database "${newDb}" on ${PG.host}:${PG.port}`);
    expect(exists(newDb)).toBe(true);
    expect(pgItems(newDb)).toBe(pgItems(db));
  });

  it('a second restore there needs --yes, and then puts back what the snapshot holds', async () => {
    pgSql(newDb, 'DELETE FROM items WHERE id <= 100; CREATE TABLE stray (x int);');
    const refused = await ws.tryRun(cfg, ['restore', 'latest', '--app', 'shop', '--target-db', url()]);
    expect(refused.code, refused.stderr).toBe(ERROR_CODES.TARGET_NOT_EMPTY.exit);
    expect(refused.stderr).toContain(`postgres database "${newDb}" on ${PG.host}:${PG.port} already holds data`);
    expect(pgSql(newDb, 'SELECT count(*) FROM items')).toBe(String(FIXED_ROWS - 100));
    await ws.run(cfg, ['restore', 'latest', '--app', 'shop', '--target-db', url(), '--yes']);
    expect(pgItems(newDb)).toBe(pgItems(db));
  });

  it('with --yes, tables created since the snapshot are gone: the database is exactly as backed up', () => {
    expect(pgSql(newDb, "SELECT count(*) FROM pg_class WHERE relname = 'stray'")).toBe('0');
  });
});
