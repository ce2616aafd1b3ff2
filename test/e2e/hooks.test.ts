// Hooks as a shell user writes them: a hook that starts a background process is done when its shell exits
// (not when the background process lets go of the output pipes), and the app's database passwords are kept
// from the hooks unless a hook asks for one by name (hooks.env).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveServer, PG, uniqueDb } from '../support/servers.js';
import { pgCreate, pgDrop, sqliteCreate, type Workspace, workspace } from './app-fixture.js';

describe('hooks', () => {
  let ws: Workspace;
  const db = uniqueDb('sb_hookenv');
  const pg = haveServer('postgres');

  beforeAll(async () => {
    ws = await workspace('sb-hooks-');
    sqliteCreate(join(ws.dir, 'app.db'));
    if (pg) pgCreate(db);
  });
  afterAll(async () => {
    if (pg) pgDrop(db);
    await ws?.cleanup();
  });

  it('a before hook that starts a background process finishes when its shell exits: the backup runs, exit 0', async () => {
    const cfg = await ws.config('bg.yaml', [
      {
        id: 'blog',
        repository: 'main',
        databases: [{ name: 'main', engine: 'sqlite', path: join(ws.dir, 'app.db') }],
        hooks: { before: ['sleep 25 & echo started'], timeoutSeconds: 5 },
      },
    ]);
    const t0 = Date.now();
    const res = await ws.tryRun(cfg, ['backup', '--app', 'blog']);
    expect(res.code, res.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(await ws.snapshots(cfg, 'blog')).toHaveLength(1);
  });

  it.skipIf(!pg)(
    "withholds the app's database password (passwordEnv) from hooks unless hooks.env names it",
    async () => {
      const database = {
        name: 'main',
        engine: 'postgres',
        host: PG.host,
        port: PG.port,
        user: PG.user,
        database: db,
        passwordEnv: 'SB_HOOK_DB_PASSWORD',
      };
      const env = { SB_HOOK_DB_PASSWORD: 'db-secret-4711', SB_HOOK_OTHER: 'visible' };
      const dump = (file: string) => `env > '${join(ws.dir, file)}'`;
      const withheld = await ws.config('env1.yaml', [
        { id: 'shop', repository: 'main', databases: [database], hooks: { after: [dump('env1.txt')] } },
      ]);
      await ws.run(withheld, ['backup', '--app', 'shop'], 0, env);
      const seen = await readFile(join(ws.dir, 'env1.txt'), 'utf8');
      expect(seen).toContain('SB_HOOK_OTHER=visible');
      expect(seen).not.toContain('db-secret-4711');
      const asked = await ws.config('env2.yaml', [
        {
          id: 'shop',
          repository: 'main',
          databases: [database],
          hooks: { after: [dump('env2.txt')], env: ['SB_HOOK_DB_PASSWORD'] },
        },
      ]);
      await ws.run(asked, ['backup', '--app', 'shop'], 0, env);
      expect(await readFile(join(ws.dir, 'env2.txt'), 'utf8')).toContain('SB_HOOK_DB_PASSWORD=db-secret-4711');
    },
  );
});
