// The export and import commands through the built CLI: an app (SQLite and a file tree) exported with --zstd,
// checked by sha256sum, imported into another repository and restored with restore --app, identical; the refusals
// and their exit statuses (a non-empty directory, both compressions, a damaged export); --json summaries.
import { execFileSync } from 'node:child_process';
import { appendFile, cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { diffTrees } from '../../src/util/treediff.js';
import { sqliteCreate, sqliteItems, workspace, type Workspace } from './app-fixture.js';
import { jsonOut, sbOk } from './helpers.js';
import { makeTree } from './tree-fixture.js';

describe('strongbox export and import', () => {
  let ws: Workspace;
  let cfg: string;
  let cfg2: string;
  let web: string;
  let db: string;
  let out: string;
  const web2 = () => join(ws.dir, 'srv2', 'web');
  const db2 = () => join(ws.dir, 'srv2', 'site.db');

  beforeAll(async () => {
    ws = await workspace('sb-e2e-export-');
    web = join(ws.dir, 'srv', 'web');
    db = join(ws.dir, 'srv', 'site.db');
    await mkdir(web, { recursive: true });
    await makeTree(web, 77);
    sqliteCreate(db, 2);
    const app = (w: string, d: string) => ({
      id: 'site',
      repository: 'main',
      files: [{ name: 'web', path: w }],
      databases: [{ name: 'main', engine: 'sqlite', path: d }],
    });
    cfg = await ws.config('strongbox.yaml', [app(web, db)]);
    // Another repository, and the same app there with new places.
    const repo2 = join(ws.dir, 'repo2');
    await sbOk(['-r', repo2, 'init']);
    cfg2 = join(ws.dir, 'other.yaml');
    await writeFile(cfg2, JSON.stringify({ repositories: { main: { location: repo2 } }, apps: [app(web2(), db2())] }));
    await ws.run(cfg, ['backup', '--app', 'site', '--note', 'moving day']);
    out = join(ws.dir, 'export');
  }, 120_000);
  afterAll(async () => ws?.cleanup());

  it('export -o DIR --zstd writes files that sha256sum -c verifies, and says how to check them', async () => {
    const r = await ws.run(cfg, ['export', 'latest', '--app', 'site', '-o', out, '--zstd']);
    expect(r.stdout).toContain('sha256sum -c SHA256SUMS');
    expect((await readdir(out)).sort()).toEqual(['SHA256SUMS', 'main.sqlite3', 'manifest.json', 'web.tar.zst']);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe(
      'main.sqlite3: OK\nweb.tar.zst: OK\nmanifest.json: OK\n',
    );
  });

  it('import DIR --app stores it in another repository; restore --app brings back the same rows and tree', async () => {
    const r = await sbOk(['-c', cfg2, '--json', 'import', out, '--app', 'site']);
    expect(jsonOut(r.stdout)).toMatchObject({ type: 'summary', outcome: 'ok', app: 'site' });
    const [orig] = await ws.snapshots(cfg, 'site');
    const [imported] = await ws.snapshots(cfg2, 'site');
    expect(imported).toMatchObject({
      time: orig.time,
      periodicity: 'manual',
      trigger: 'on-demand',
      note: 'moving day',
      tags: ['imported'],
    });
    await sbOk(['-c', cfg2, 'restore', 'latest', '--app', 'site', '--yes']);
    expect(sqliteItems(db2())).toBe(sqliteItems(db));
    expect(await diffTrees(web, web2())).toEqual([]);
  });

  it('import --database NAME=FILE --files NAME=TAR takes plain files, dated by --time', async () => {
    const media = join(ws.dir, 'media.tar.gz');
    execFileSync('tar', ['--format=posix', '-czf', media, '-C', web, '.']);
    const dump = join(out, 'main.sqlite3');
    await ws.run(cfg2, [
      'import',
      '--app',
      'site',
      '--database',
      `main=${dump}`,
      '--files',
      `web=${media}`,
      '--time',
      '2026-01-02T03:04:05Z',
    ]);
    const listed = await ws.snapshots(cfg2, 'site');
    expect(listed.find((s) => s.time === '2026-01-02T03:04:05.000Z')).toMatchObject({
      periodicity: 'manual',
      tags: ['imported'],
      note: 'imported from main.sqlite3, media.tar.gz',
    });
    const bad = await ws.tryRun(cfg2, ['import', '--app', 'site', '--database', dump]);
    expect(bad.code).toBe(ERROR_CODES.USAGE.exit);
    expect(bad.stderr).toContain('give NAME=FILE');
  });

  it('refuses a directory that is not empty, and --zstd with --gzip (usage errors)', async () => {
    const busy = join(ws.dir, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'x'), 'x');
    const r = await ws.tryRun(cfg, ['export', 'latest', '--app', 'site', '-o', busy]);
    expect(r.code).toBe(ERROR_CODES.USAGE.exit);
    expect(r.stderr).toContain('is not empty');
    expect(await readdir(busy)).toEqual(['x']);
    const both = await ws.tryRun(cfg, [
      'export',
      'latest',
      '--app',
      'site',
      '-o',
      join(ws.dir, 'e2'),
      '--zstd',
      '--gzip',
    ]);
    expect(both.code).toBe(ERROR_CODES.USAGE.exit);
  });

  it('refuses a damaged export, naming the file, and stores nothing', async () => {
    const bad = join(ws.dir, 'damaged');
    await cp(out, bad, { recursive: true });
    await appendFile(join(bad, 'main.sqlite3'), 'x');
    const before = await ws.snapshots(cfg2, 'site');
    const r = await ws.tryRun(cfg2, ['import', bad, '--app', 'site']);
    expect(r.code).toBe(ERROR_CODES.INTEGRITY.exit);
    expect(r.stderr).toMatch(/main\.sqlite3 does not match SHA256SUMS/);
    expect(await ws.snapshots(cfg2, 'site')).toHaveLength(before.length);
  });
});
