// App backups that fail, through the CLI: a dump that fails exits 4 and a vetoing before hook exits 5, with the
// messages on stderr. What fails how (every way a PostgreSQL or MariaDB dump breaks, which hooks run and what they
// are told, what is saved) is tested at the operations level in test/ops/app-errors.test.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { workspace, type Workspace } from './app-fixture.js';

const SOURCE = ERROR_CODES.SOURCE.exit;
const HOOK = ERROR_CODES.HOOK.exit;

describe('backup --app when the backup fails', () => {
  let ws: Workspace;
  const app = (id: string, db: string, hooks: { before?: string[]; after?: string[] } = {}) => ({
    id,
    repository: 'main',
    files: [{ name: 'web', path: join(ws.dir, 'web') }],
    databases: [{ name: 'main', engine: 'sqlite', path: join(ws.dir, db) }],
    hooks,
  });

  beforeAll(async () => {
    ws = await workspace('sb-app-errors-');
    await mkdir(join(ws.dir, 'web'));
    await writeFile(join(ws.dir, 'web', 'index.html'), 'ok\n');
  });
  afterAll(async () => ws?.cleanup());

  it("a dump that fails exits 4 with app, database and why on stderr; a failing after hook's message is a warning there", async () => {
    const cfg = await ws.config('both-fail.yaml', [
      app('blog', 'missing.db', { after: ['echo "hook broke too" >&2; exit 9'] }),
    ]);
    const res = await ws.tryRun(cfg, ['backup', '--app', 'blog']);
    expect(res.code, res.stderr).toBe(SOURCE);
    expect(res.stderr).toMatch(/warning: blog: app blog: after hook .* exited with status 9: hook broke too/);
    expect(res.stderr).toMatch(/strongbox: app blog, database main: database file .*missing\.db does not exist/);
  });

  it('a failing before hook exits 5, naming the hook and its output on stderr', async () => {
    const cfg = await ws.config('veto.yaml', [
      app('blog', 'missing.db', { before: ['echo "maintenance mode is stuck" >&2; exit 3'] }),
    ]);
    const res = await ws.tryRun(cfg, ['backup', '--app', 'blog']);
    expect(res.code, res.stderr).toBe(HOOK);
    expect(res.stderr).toMatch(
      /strongbox: app blog: before hook "echo "maintenance mode is stuck" >&2; exit 3" exited with status 3: maintenance mode is stuck/,
    );
  });

  it('--all-apps with one failing app exits 4, warns which app failed and why, and sums up', async () => {
    const cfg = await ws.config('all.yaml', [
      { id: 'broken', repository: 'main', databases: [{ name: 'main', engine: 'sqlite', path: join(ws.dir, 'x.db') }] },
      { id: 'fine', repository: 'main', files: [{ name: 'web', path: join(ws.dir, 'web') }] },
    ]);
    const res = await ws.tryRun(cfg, ['backup', '--all-apps']);
    expect(res.code, res.stderr).toBe(SOURCE);
    expect(res.stderr).toMatch(/backup failed: app broken, database main: database file .*x\.db does not exist/);
    expect(res.stderr).toMatch(/1 of 2 app backups failed: broken/);
    expect((await ws.snapshots(cfg, 'fine')).map((s) => s.components.map((c) => c.name))).toEqual([['web']]);
  });
});
