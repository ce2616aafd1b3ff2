// `strongbox status` as a monitoring system calls it: exit 6 with the problems on stderr when a scheduled
// periodicity is overdue or missing, 0 when healthy. The CLI reads the wall clock, so old snapshots are
// made with `backup --time` relative to the real current time.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppStatus } from '../../src/status/status.js';
import { sb, sbOk, tempDir, jsonOut } from '../e2e/helpers.js';

const DAY = 86_400_000;

describe('strongbox status', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let cfg: string;
  const run = (args: string[], want = 0) => sbOk(['-c', cfg, ...args], want, { cwd: tmp.path });
  const daysAgo = (d: number) => new Date(Date.now() - d * DAY).toISOString();

  beforeEach(async () => {
    tmp = await tempDir('sb-status-');
    const repo = join(tmp.path, 'repo');
    await sbOk(['-r', repo, 'init']);
    const app = (id: string, periodicities: string[]) => ({
      id,
      repository: 'main',
      periodicities,
      files: [{ name: 'web', path: join(tmp.path, id) }],
    });
    for (const id of ['shop', 'blog']) {
      await mkdir(join(tmp.path, id));
      await writeFile(join(tmp.path, id, 'index.html'), `<h1>${id}</h1>\n`);
    }
    cfg = join(tmp.path, 'strongbox.yaml');
    await writeFile(
      cfg,
      JSON.stringify({
        repositories: { main: { location: repo } },
        apps: [app('shop', ['daily']), app('blog', ['daily', 'weekly'])],
      }),
    );
  });
  afterEach(async () => tmp?.cleanup());

  it('exits 6 and names the overdue periodicity on stderr when the newest daily is 3 days old', async () => {
    await run(['-q', 'backup', '--app', 'shop', '--periodicity', 'daily', '--time', daysAgo(3)]);
    const r = await sb(['-c', cfg, 'status', '--app', 'shop'], { cwd: tmp.path });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/problem: app shop: the newest daily snapshot is 3d 0h old \(allowed 30h 0m\)/);
    expect(r.stdout).toMatch(/^app shop: UNHEALTHY$/m);
    expect(r.stdout).toMatch(/^daily\s+yes\s+overdue\s+1\s/m);
  });

  it('exits 0 and says healthy once a fresh daily snapshot is taken', async () => {
    await run(['-q', 'backup', '--app', 'shop', '--periodicity', 'daily', '--time', daysAgo(3)]);
    await run(['-q', 'backup', '--app', 'shop', '--periodicity', 'daily']);
    const r = await run(['status', '--app', 'shop']);
    expect(r.stdout).toMatch(/^app shop: healthy$/m);
    expect(r.stdout).toMatch(/^daily\s+yes\s+ok\s+2\s/m);
    expect(r.stderr).not.toMatch(/problem/);
  });

  it('exits 6 for a scheduled periodicity never taken, even when the others are fresh', async () => {
    await run(['-q', 'backup', '--app', 'blog', '--periodicity', 'daily']);
    const r = await sb(['-c', cfg, 'status', '--app', 'blog'], { cwd: tmp.path });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/problem: app blog: no weekly snapshot yet/);
  });

  it('without --app checks every app and fails when any one is unhealthy; --app narrows it', async () => {
    await run(['-q', 'backup', '--app', 'shop', '--periodicity', 'daily']);
    const all = await sb(['-c', cfg, 'status'], { cwd: tmp.path });
    expect(all.code).toBe(6);
    expect(all.stdout).toMatch(/^app shop: healthy$/m);
    expect(all.stdout).toMatch(/^app blog: UNHEALTHY$/m);
    expect(all.stderr).toMatch(/problem: app blog: no daily snapshot yet/);
    await run(['status', '--app', 'shop']);
  });

  it("--json gives each app's health, periodicities and problems (and still exits 6 when unhealthy)", async () => {
    await run(['-q', 'backup', '--app', 'shop', '--periodicity', 'all', '--time', daysAgo(2)]);
    const r = await run(['--json', 'status', '--app', 'shop'], 6);
    const [shop] = jsonOut(r.stdout) as AppStatus[];
    expect(shop).toMatchObject({
      app: 'shop',
      healthy: false,
      problems: [expect.stringMatching(/newest daily snapshot is 2d 0h old/)],
    });
    expect(shop.periodicities.map((p) => [p.periodicity, p.scheduled, p.state])).toEqual([
      ['hourly', false, 'info'],
      ['daily', true, 'overdue'],
      ['weekly', false, 'info'],
      ['monthly', false, 'info'],
      ['bimonthly', false, 'info'],
    ]);
    expect(shop.periodicities[1]).toMatchObject({
      count: 1,
      maxAgeMs: 30 * 3_600_000,
      newest: { incomplete: false, bytes: 14 },
    });
  });

  it('refuses an app the config does not have (exit 2)', async () => {
    const r = await sb(['-c', cfg, 'status', '--app', 'nope'], { cwd: tmp.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no app "nope" in the config \(apps: shop, blog\)/);
  });
});
