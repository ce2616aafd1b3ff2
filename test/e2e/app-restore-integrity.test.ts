// An app restore past damaged data: a file tree with a bad blob is restored but for the file that holds it,
// and a database whose dump fails verification is never fed to its restore tool (the target stays as it
// was); the outcome is incomplete (exit 3) and names both, with blob and pack, in the JSON summary and events.
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/util/treediff.js';
import { sqlite, sqliteCreate, sqliteItems, workspace, type Workspace } from './app-fixture.js';
import { fileBlobs, flipMiddle, stagingLeftovers, type StoredBlob } from './damage.js';
import { jsonOut } from './helpers.js';
import { randomBytesFor } from './proc.js';

const jsonLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

describe('app restore past damaged data', () => {
  let ws: Workspace;
  let cfg: string;
  let web: string;
  let db: string;
  let env: NodeJS.ProcessEnv;
  let toolLog: string;
  const toolCalls = () => readFile(toolLog, 'utf8').catch(() => '');
  /** A database file that is there before the restore, with content of its own. */
  const existingDb = (name: string) => {
    const p = join(ws.dir, name);
    sqlite(p, "CREATE TABLE mine (v text); INSERT INTO mine VALUES ('was here before');");
    return p;
  };

  beforeAll(async () => {
    ws = await workspace('sb-app-integrity-');
    web = join(ws.dir, 'web');
    db = join(ws.dir, 'site.db');
    await mkdir(join(web, 'assets'), { recursive: true });
    await writeFile(join(web, 'index.html'), '<h1>site</h1>\n');
    for (let i = 0; i < 5; i++) await writeFile(join(web, 'assets', `style-${i}.css`), `body { margin: ${i}px }\n`);
    await writeFile(join(web, 'assets', 'video.bin'), randomBytesFor('app-integrity:video', 3 * 1024 * 1024));
    sqliteCreate(db);
    cfg = await ws.config('strongbox.yaml', [
      {
        id: 'site',
        repository: 'main',
        files: [{ name: 'web', path: web }],
        databases: [{ name: 'main', engine: 'sqlite', path: db }],
      },
    ]);
    await ws.run(cfg, ['-q', 'backup', '--app', 'site']);
    // sqlite3 as the restore runs it: every call logged, then the real tool.
    const bin = join(ws.dir, 'bin');
    await mkdir(bin);
    toolLog = join(ws.dir, 'sqlite3.log');
    await writeFile(join(bin, 'sqlite3'), `#!/bin/sh\necho "$*" >> '${toolLog}'\nexec /usr/bin/sqlite3 "$@"\n`);
    await chmod(join(bin, 'sqlite3'), 0o755);
    env = { STRONGBOX_SQLITE3: join(bin, 'sqlite3') };
  });
  afterAll(async () => ws?.cleanup());

  it('(control) an undamaged restore feeds the dump to sqlite3 through a staged copy, which the log shows', async () => {
    const target = existingDb('control.db');
    await ws.run(
      cfg,
      ['-q', 'restore', 'latest', '--app', 'site', '--only', 'db', '--target-db', target, '--yes'],
      0,
      env,
    );
    expect(sqliteItems(target)).toBe(sqliteItems(db));
    expect(await toolCalls()).toMatch(/strongbox-restore.*integrity_check/);
  });

  it('a bad blob in a tree and in the dump: the other files restored, the database not touched, exit 3, both named', async () => {
    const stored = await fileBlobs(ws.repo);
    const video = [...stored].find(([p]) => p.endsWith('/assets/video.bin'))![1][0];
    const dump: StoredBlob = stored.get('db:main')![0];
    expect(video.blob).not.toBe(dump.blob);
    await flipMiddle(ws.repo, video);
    await flipMiddle(ws.repo, dump);
    await writeFile(toolLog, '');

    const target = join(ws.dir, 'restored');
    const targetDb = existingDb('target.db');
    const r = await ws.tryRun(
      cfg,
      ['--json', 'restore', 'latest', '--app', 'site', '--target', target, '--target-db', targetDb, '--yes'],
      env,
    );
    expect(r.code, r.stderr).toBe(3);

    // The tree: all but the damaged file, exact; nothing staged left behind.
    const here = join(target, 'web');
    expect(await diffTrees(web, here)).toEqual([`missing in ${here}: assets/video.bin`]);
    expect(await stagingLeftovers(target)).toEqual([]);
    // The database: sqlite3 never saw the dump, the target holds what it held, no staged copy is left.
    expect(await toolCalls()).not.toMatch(/strongbox-restore/);
    expect(sqlite(targetDb, 'SELECT v FROM mine')).toBe('was here before');
    expect((await readdir(ws.dir)).filter((n) => n.includes('strongbox-restore'))).toEqual([]);

    const summary = jsonOut(r.stdout);
    expect(summary.outcome).toBe('incomplete');
    const files = summary.restored.find((c: { kind: string }) => c.kind === 'files');
    expect(files).toMatchObject({
      name: 'web',
      complete: false,
      failed: [{ path: join(here, 'assets/video.bin'), blob: video.blob, pack: video.pack }],
    });
    const database = summary.restored.find((c: { kind: string }) => c.kind === 'database');
    expect(database).toMatchObject({
      name: 'main',
      complete: false,
      replaced: false,
      failed: [{ blob: dump.blob, pack: dump.pack }],
    });
    const warnings = jsonLines(r.stdout).filter((l) => l.type === 'warning' && l.blob);
    expect(warnings.map((w) => [w.component, w.blob, w.pack]).sort()).toEqual(
      [
        ['main', dump.blob, dump.pack],
        ['web', video.blob, video.pack],
      ].sort(),
    );
    expect(r.stderr).toMatch(new RegExp(`database main was not loaded .*pack ${dump.pack.slice(0, 8)}`));
    expect(r.stderr).toContain(join(here, 'assets/video.bin'));
  });
});
