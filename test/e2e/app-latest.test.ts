// 'latest' with partial backups: a `backup --only db` is the latest database but not the latest file trees,
// and a restore of the whole app takes the newest snapshot that holds the whole app.
import { jsonOut } from './helpers.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlite, sqliteCreate, workspace, type Workspace } from './app-fixture.js';

describe('latest among full and database-only snapshots', () => {
  let ws: Workspace;
  let cfg: string;
  let web: string;
  let db: string;
  let full: string;
  let dbOnly: string;

  beforeAll(async () => {
    ws = await workspace('sb-app-latest-');
    web = join(ws.dir, 'web');
    db = join(ws.dir, 'site.db');
    await mkdir(web);
    await writeFile(join(web, 'index.html'), 'full backup\n');
    sqliteCreate(db);
    cfg = await ws.config('strongbox.yaml', [
      {
        id: 'site',
        repository: 'main',
        files: [{ name: 'web', path: web }],
        databases: [{ name: 'main', engine: 'sqlite', path: db }],
      },
    ]);
    full = jsonOut((await ws.run(cfg, ['--json', 'backup', '--app', 'site'])).stdout).id;
    sqlite(db, "INSERT INTO items VALUES (999999, 'after the full backup', 'x');");
    dbOnly = jsonOut((await ws.run(cfg, ['--json', 'backup', '--app', 'site', '--only', 'db'])).stdout).id;
  });
  afterAll(async () => ws?.cleanup());

  it('restore latest --only files takes the newest snapshot with file trees (the full one)', async () => {
    const target = join(ws.dir, 'files-only');
    const res = await ws.run(cfg, [
      '--json',
      'restore',
      'latest',
      '--app',
      'site',
      '--only',
      'files',
      '--target',
      target,
    ]);
    expect(jsonOut(res.stdout).snapshot).toBe(full);
    expect(await readFile(join(target, 'web', 'index.html'), 'utf8')).toBe('full backup\n');
  });

  it('restore latest --only db takes the database-only one, which is newer', async () => {
    const res = await ws.run(cfg, [
      '--json',
      'restore',
      'latest',
      '--app',
      'site',
      '--only',
      'db',
      '--target-db',
      join(ws.dir, 'db-only.db'),
    ]);
    expect(jsonOut(res.stdout).snapshot).toBe(dbOnly);
    expect(sqlite(join(ws.dir, 'db-only.db'), 'SELECT name FROM items WHERE id = 999999')).toBe(
      'after the full backup',
    );
  });

  it('restore latest of the whole app takes the newest snapshot holding the whole app, not the partial one', async () => {
    const res = await ws.run(cfg, [
      '--json',
      'restore',
      'latest',
      '--app',
      'site',
      '--target',
      join(ws.dir, 'whole'),
      '--target-db',
      join(ws.dir, 'whole.db'),
    ]);
    expect(jsonOut(res.stdout).snapshot).toBe(full);
    expect(sqlite(join(ws.dir, 'whole.db'), 'SELECT count(*) FROM items WHERE id = 999999')).toBe('0');
  });
});
