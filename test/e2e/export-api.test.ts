// The export download of the HTTP API: GET /api/apps/{app}/snapshots/{snapshot}/export streams one tar whose members
// are the export's files, manifest.json and SHA256SUMS last; GNU tar and sha256sum -c take it as it is. It needs the
// restore scope, a wrong snapshot is a 404 before anything streams, and the run history records who took it.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backupApps } from '../../src/ops/backup-app.js';
import { newContext } from '../../src/ops/context.js';
import { findApp, loadChosenConfig } from '../../src/ops/target.js';
import { type ApiFixture, apiFixture } from '../server/fixture.js';

let f: ApiFixture;
let snapshot: string;

beforeAll(async () => {
  f = await apiFixture();
  const choice = { config: f.configPath };
  const cfg = await loadChosenConfig(choice);
  const r = await backupApps(choice, cfg, { apps: [findApp(cfg, 'shop')], periodicity: 'daily' }, newContext());
  snapshot = r.apps[0].result!.id;
}, 60_000);
afterAll(async () => f?.close());

it('streams the export as one tar that tar -xf and sha256sum -c take as it is', async () => {
  const res = await f.req(`/api/apps/shop/snapshots/${snapshot.slice(0, 8)}/export`, {
    token: await f.token('restore'),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-tar');
  expect(res.headers.get('content-disposition')).toBe(`attachment; filename="shop-${snapshot.slice(0, 8)}-export.tar"`);
  const file = join(f.dir, 'export.tar');
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  const members = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
  expect(members).toEqual(['db.sqlite3', 'web.tar', 'manifest.json', 'SHA256SUMS']);
  const out = join(f.dir, 'export');
  await mkdir(out);
  execFileSync('tar', ['-xf', file, '-C', out]);
  expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toBe(
    'db.sqlite3: OK\nweb.tar: OK\nmanifest.json: OK\n',
  );
  expect(
    execFileSync('sqlite3', [join(out, 'db.sqlite3'), 'SELECT item FROM orders ORDER BY id'], { encoding: 'utf8' }),
  ).toBe('tea\ncake\n');
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  expect(manifest).toMatchObject({ snapshot, app: 'shop', periodicity: 'daily', trigger: 'scheduled' });
  const tree = join(out, 'tree');
  await mkdir(tree);
  execFileSync('tar', ['-xf', join(out, 'web.tar'), '-C', tree]);
  expect(await readFile(join(tree, 'web', 'media', 'logo.svg'), 'utf8')).toBe('<svg/>\n');
  // Recorded once its stream ended, which the client may see first: read until it is there.
  let rec: Record<string, any> | undefined;
  for (let i = 0; i < 200 && !rec; i++) {
    if (i) await new Promise((r) => setTimeout(r, 10));
    const lines = (await readFile(f.historyPath, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
    rec = lines.map((l) => JSON.parse(l)).find((l) => l.op === 'download' && l.detail.kind === 'export');
  }
  expect(rec).toMatchObject({ app: 'shop', user: 'token:t-restore', outcome: 'ok', detail: { snapshot } });
});

it('needs the restore scope, and a snapshot that is not there is a 404', async () => {
  expect((await f.req('/api/apps/shop/snapshots/latest/export', { token: await f.token('read') })).status).toBe(403);
  expect((await f.req('/api/apps/shop/snapshots/latest/export')).status).toBe(401);
  const token = await f.token('restore');
  expect((await f.req('/api/apps/shop/snapshots/ffffffff/export', { token })).status).toBe(404);
  expect((await f.req('/api/apps/staging/snapshots/latest/export', { token })).status).toBe(404);
});
