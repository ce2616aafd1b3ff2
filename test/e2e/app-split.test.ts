// An app whose parts live on different machines (issue 12, item 8): the web server's config says `only: files`,
// the database server's `only: db`; each backs up its part into the shared repository. `restore latest --app`
// then combines the newest database snapshot and the newest files snapshot and says which two it used; with
// --periodicity, the newest of that periodicity. A snapshot holding the whole app wins unless both parts were
// written after it (the app was split since, or the whole one was an old manual backup).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlite, sqliteCreate, workspace, type Workspace } from './app-fixture.js';
import { jsonOut } from './helpers.js';

describe('an app backed up by two machines (only: files / only: db)', () => {
  let ws: Workspace;
  let web: string;
  let db: string;
  let webCfg: string;
  let dbCfg: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ws = await workspace('sb-app-split-');
    web = join(ws.dir, 'web');
    db = join(ws.dir, 'site.db');
    await mkdir(web);
    sqliteCreate(db);
    const app = (only: string) => ({
      id: 'site',
      repository: 'main',
      only,
      files: [{ name: 'web', path: web }],
      databases: [{ name: 'main', engine: 'sqlite', path: db }],
    });
    webCfg = await ws.config('web.yaml', [app('files')]);
    dbCfg = await ws.config('db.yaml', [app('db')]);
    const backup = async (cfg: string, p: string) =>
      jsonOut((await ws.run(cfg, ['--json', 'backup', '--app', 'site', '--periodicity', p])).stdout).id as string;
    await writeFile(join(web, 'index.html'), 'daily files\n');
    ids.filesDaily = await backup(webCfg, 'daily');
    sqlite(db, "INSERT INTO items VALUES (900001, 'daily', 'x');");
    ids.dbDaily = await backup(dbCfg, 'daily');
    await writeFile(join(web, 'index.html'), 'hourly files\n');
    ids.filesHourly = await backup(webCfg, 'hourly');
    sqlite(db, "INSERT INTO items VALUES (900002, 'hourly', 'x');");
    ids.dbHourly = await backup(dbCfg, 'hourly');
  });
  afterAll(async () => ws?.cleanup());

  it("each machine's backup takes only its part of the app", async () => {
    const snaps = await ws.snapshots(webCfg, 'site');
    expect(snaps.map((s) => [s.id, s.components.map((c) => c.kind)])).toEqual([
      [ids.filesDaily, ['files']],
      [ids.dbDaily, ['database']],
      [ids.filesHourly, ['files']],
      [ids.dbHourly, ['database']],
    ]);
  });

  it('restore latest --app combines the newest database and the newest files snapshot, and says which two', async () => {
    const out = join(ws.dir, 'r1');
    const r = await ws.run(webCfg, [
      'restore',
      'latest',
      '--app',
      'site',
      '--target',
      out,
      '--target-db',
      join(ws.dir, 'r1.db'),
    ]);
    expect(r.stdout).toContain(
      `restored the databases of snapshot ${ids.dbHourly.slice(0, 8)} and the file trees of snapshot ${ids.filesHourly.slice(0, 8)} into app site`,
    );
    expect(r.stderr).toContain(
      `no snapshot holds the whole app site: restoring the databases of snapshot ${ids.dbHourly.slice(0, 8)}`,
    );
    expect(await readFile(join(out, 'web', 'index.html'), 'utf8')).toBe('hourly files\n');
    expect(sqlite(join(ws.dir, 'r1.db'), 'SELECT count(*) FROM items WHERE id IN (900001, 900002)')).toBe('2');
  });

  it('with --periodicity, the newest of each of that periodicity (JSON names both)', async () => {
    const out = join(ws.dir, 'r2');
    const r = await ws.run(dbCfg, [
      '--json',
      'restore',
      'latest',
      '--app',
      'site',
      '--periodicity',
      'daily',
      '--target',
      out,
      '--target-db',
      join(ws.dir, 'r2.db'),
    ]);
    expect(jsonOut(r.stdout)).toMatchObject({
      snapshot: ids.dbDaily,
      combined: { db: ids.dbDaily, files: ids.filesDaily },
    });
    expect(await readFile(join(out, 'web', 'index.html'), 'utf8')).toBe('daily files\n');
    expect(sqlite(join(ws.dir, 'r2.db'), 'SELECT count(*) FROM items WHERE id IN (900001, 900002)')).toBe('1');
  });

  it('a whole-app snapshot, when one is the newest that holds everything, is restored alone as before', async () => {
    const both = await ws.config('both.yaml', [
      {
        id: 'site',
        repository: 'main',
        files: [{ name: 'web', path: web }],
        databases: [{ name: 'main', engine: 'sqlite', path: db }],
      },
    ]);
    const whole = jsonOut((await ws.run(both, ['--json', 'backup', '--app', 'site'])).stdout).id as string;
    const r = await ws.run(both, [
      '--json',
      'restore',
      'latest',
      '--app',
      'site',
      '--target',
      join(ws.dir, 'r3'),
      '--target-db',
      join(ws.dir, 'r3.db'),
    ]);
    expect(jsonOut(r.stdout)).toMatchObject({ snapshot: whole });
    expect(jsonOut(r.stdout).combined).toBeUndefined();
    ids.whole = whole;
  });

  const restoreLatest = async (name: string) => {
    const r = await ws.run(webCfg, [
      '--json',
      'restore',
      'latest',
      '--app',
      'site',
      '--target',
      join(ws.dir, name),
      '--target-db',
      join(ws.dir, `${name}.db`),
    ]);
    return jsonOut(r.stdout);
  };

  it('a database backup alone after the whole-app snapshot does not change what latest is', async () => {
    sqlite(db, "INSERT INTO items VALUES (900003, 'db only', 'x');");
    ids.dbAfterWhole = jsonOut((await ws.run(dbCfg, ['--json', 'backup', '--app', 'site'])).stdout).id;
    const json = await restoreLatest('r4');
    expect(json).toMatchObject({ snapshot: ids.whole });
    expect(json.combined).toBeUndefined();
  });

  it('once both parts are newer than the whole-app snapshot, latest combines them instead of the stale whole', async () => {
    await writeFile(join(web, 'index.html'), 'split again\n');
    ids.filesAfterWhole = jsonOut((await ws.run(webCfg, ['--json', 'backup', '--app', 'site'])).stdout).id;
    const r = await ws.run(webCfg, [
      'restore',
      'latest',
      '--app',
      'site',
      '--target',
      join(ws.dir, 'r5'),
      '--target-db',
      join(ws.dir, 'r5.db'),
    ]);
    expect(r.stdout).toContain(
      `restored the databases of snapshot ${ids.dbAfterWhole.slice(0, 8)} and the file trees of snapshot ${ids.filesAfterWhole.slice(0, 8)} into app site`,
    );
    expect(r.stderr).toContain(
      `both parts of app site were backed up after its newest whole-app snapshot ${ids.whole.slice(0, 8)}`,
    );
    expect(await readFile(join(ws.dir, 'r5', 'web', 'index.html'), 'utf8')).toBe('split again\n');
    expect(sqlite(join(ws.dir, 'r5.db'), 'SELECT count(*) FROM items WHERE id = 900003')).toBe('1');
  });
});
