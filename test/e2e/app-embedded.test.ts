// A SQLite database inside the app's webroot (the sessions.db): the tree leaves it out (the SQLite
// source holds its consistent copy), and a replacing restore of both ends with the database's restored rows.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlite, sqliteCreate, sqliteItems, workspace, type Workspace } from './app-fixture.js';

describe('a SQLite database kept inside a file tree', () => {
  let ws: Workspace;
  let cfg: string;
  let web: string;
  let db: string;
  let rows: string;

  beforeAll(async () => {
    ws = await workspace('sb-app-embedded-');
    web = join(ws.dir, 'www');
    db = join(web, 'var', 'sessions.db');
    await mkdir(join(web, 'var'), { recursive: true });
    await writeFile(join(web, 'index.php'), '<?php echo "shop";\n');
    sqliteCreate(db);
    sqlite(db, 'PRAGMA journal_mode=WAL;');
    rows = sqliteItems(db);
    cfg = await ws.config('strongbox.yaml', [
      {
        id: 'shop',
        repository: 'main',
        files: [{ name: 'web', path: web }],
        databases: [{ name: 'sessions', engine: 'sqlite', path: db }],
      },
    ]);
    await ws.run(cfg, ['backup', '--app', 'shop']);
  });
  afterAll(async () => ws?.cleanup());

  it('is left out of the tree: a files-only restore elsewhere has the page but no database file', async () => {
    const target = join(ws.dir, 'files-only');
    await ws.run(cfg, ['restore', 'latest', '--app', 'shop', '--only', 'files', '--target', target]);
    expect(existsSync(join(target, 'web', 'index.php'))).toBe(true);
    expect(existsSync(join(target, 'web', 'var'))).toBe(true);
    expect(existsSync(join(target, 'web', 'var', 'sessions.db'))).toBe(false);
  });

  it('a replacing restore in place brings back the rows and the page, removes what was added, and keeps the database', async () => {
    sqlite(db, "DELETE FROM items WHERE id % 2 = 0; INSERT INTO items VALUES (777777, 'added later', 'x');");
    await writeFile(join(web, 'index.php'), 'defaced\n');
    await writeFile(join(web, 'stray.txt'), 'added since the backup\n');
    await ws.run(cfg, ['restore', 'latest', '--app', 'shop', '--yes']);
    expect(sqliteItems(db)).toBe(rows);
    expect(sqlite(db, 'PRAGMA integrity_check;')).toBe('ok');
    expect(existsSync(join(web, 'stray.txt'))).toBe(false);
    expect(existsSync(join(web, 'index.php'))).toBe(true);
  });
});
