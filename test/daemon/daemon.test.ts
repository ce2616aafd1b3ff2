// The daemon on an injected clock, with real backups into a memory: repository (no waiting): a day of ticking
// takes exactly the scheduled runs; a daemon down for 3 days takes each overdue periodicity once, and a restart
// takes nothing again; a clock jump forward takes one run; SIGTERM takes the shutdown backups.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readRuns } from '../../src/history/journal.js';
import { backupApps } from '../../src/ops/backup-app.js';
import { newContext } from '../../src/ops/context.js';
import { withRepository } from '../../src/ops/repo.js';
import { loadChosenConfig } from '../../src/ops/target.js';
import { daemonFixture, type Fixture } from './fixture.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
let f: Fixture | undefined;
afterEach(async () => {
  await f?.cleanup();
  f = undefined;
});

describe('a day of the daemon on a simulated clock', () => {
  it("takes hourly at minute 2 and daily at 02:30, each once, with the app's database and files", async () => {
    f = await daemonFixture(at('2026-03-02T00:00:00Z'), { periodicities: ['hourly', 'daily'] });
    // Snapshots from just before: nothing to catch up at start.
    await backupApps(
      { config: f.configPath },
      await loadChosenConfig({ config: f.configPath }),
      { apps: (await loadChosenConfig({ config: f.configPath })).apps, periodicity: 'all' },
      newContext({ clock: f.clock }),
    );
    const d = await f.start();
    await d.idle();
    expect(f.runs).toEqual([]);
    await f.advance(d, at('2026-03-03T00:00:00Z'), MIN);
    const taken = (await f.snapshots()).filter((s) => s.time >= '2026-03-02T00:00:00.001Z');
    expect(taken.filter((s) => s.periodicity === 'hourly').map((s) => s.time.slice(11, 16))).toEqual(
      Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:02`),
    );
    expect(taken.filter((s) => s.periodicity === 'daily').map((s) => s.time)).toEqual(['2026-03-02T02:30:00.000Z']);
    expect(taken).toHaveLength(25);
    expect(taken[0].components).toEqual(['database:main', 'files:webroot']);
    expect(f.runs.every((r) => r.outcome === 'ok' && r.trigger === 'schedule')).toBe(true);
    expect((await readRuns(f.historyPath)).runs).toHaveLength(25);
  });
});

describe('a month of the daemon on a simulated clock', () => {
  it('takes daily, weekly, monthly and bimonthly backups exactly at their times (hourly: see the day above)', async () => {
    f = await daemonFixture(at('2026-03-01T00:00:00Z'), { periodicities: ['daily', 'weekly', 'monthly', 'bimonthly'] });
    const cfg = await loadChosenConfig({ config: f.configPath });
    await backupApps(
      { config: f.configPath },
      cfg,
      { apps: cfg.apps, periodicity: 'all' },
      newContext({ clock: f.clock }),
    );
    const d = await f.start();
    await d.idle();
    await f.advance(d, at('2026-04-01T00:00:00Z'), 30 * MIN);
    const times = (p: string) => f!.runs.filter((r) => r.periodicity === p).map((r) => r.slot!.slice(0, 16));
    expect(times('daily')).toEqual(
      Array.from({ length: 31 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}T02:30`),
    );
    expect(times('weekly')).toEqual(['01', '08', '15', '22', '29'].map((d) => `2026-03-${d}T03:30`));
    expect(times('monthly')).toEqual(['2026-03-01T04:30']);
    expect(times('bimonthly')).toEqual(['2026-03-01T05:30']);
    expect(f.runs).toHaveLength(38);
    expect(f.runs.every((r) => r.outcome === 'ok' && r.trigger === 'schedule')).toBe(true);
  });
});

describe('catch-up', () => {
  it('a daemon down for 3 days runs each overdue periodicity once; a restart runs nothing again', async () => {
    f = await daemonFixture(at('2026-03-01T06:00:00Z'), { periodicities: ['hourly', 'daily', 'weekly', 'monthly'] });
    const cfg = await loadChosenConfig({ config: f.configPath });
    await backupApps(
      { config: f.configPath },
      cfg,
      { apps: cfg.apps, periodicity: 'all' },
      newContext({ clock: f.clock }),
    );
    f.clock.advance(3 * DAY); // down from Sunday 06:00 to Wednesday 06:00: hourly and daily missed slots, weekly and monthly did not
    const d = await f.start();
    await d.idle();
    expect(f.runs.map((r) => `${r.periodicity} ${r.trigger} ${r.slot} ${r.outcome}`)).toEqual([
      'hourly catch-up 2026-03-04T05:02:00.000Z ok',
      'daily catch-up 2026-03-04T02:30:00.000Z ok',
    ]);
    expect(
      f.lines.some((l) =>
        /catch-up \(start\) of shop\/daily: the newest daily snapshot [0-9a-f]{8} \(2026-03-01T06:00:00.000Z\) is older than the slot at 2026-03-04T02:30:00.000Z/.test(
          l,
        ),
      ),
    ).toBe(true);

    // Restarted a minute later (another host sharing the repository would see the same): nothing is due.
    f.clock.advance(MIN);
    const again = await f.start();
    await again.idle();
    expect(f.runs).toHaveLength(2);
    expect((await readRuns(f.historyPath)).runs.map((r) => r.trigger)).toEqual(['catch-up', 'catch-up']);
  });

  it("on a machine backing up only the databases (only: db), the other machine's files snapshot does not count", async () => {
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), { periodicities: ['daily'] });
    const cfg = await loadChosenConfig({ config: f.configPath });
    // The web server took today's daily files backup; this machine's database backup was missed.
    await backupApps(
      { config: f.configPath },
      cfg,
      { apps: cfg.apps, periodicity: 'daily', only: 'files' },
      newContext({ clock: f.clock }),
    );
    await f.writeConfig({ only: 'db' });
    await (await f.start()).idle();
    expect(f.runs.map((r) => `${r.periodicity} ${r.trigger} ${r.outcome}`)).toEqual(['daily catch-up ok']);
    expect((await f.snapshots()).map((s) => s.components.join()).sort()).toEqual(['database:main', 'files:webroot']);
    // Restarted: now its own part is there, nothing runs.
    await (await f.start()).idle();
    expect(f.runs).toHaveLength(1);
  });

  it('a clock jump forward (the machine slept 10 hours) runs the missed job once, not once per missed slot', async () => {
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), { periodicities: ['hourly', 'daily'] });
    const cfg = await loadChosenConfig({ config: f.configPath });
    await backupApps(
      { config: f.configPath },
      cfg,
      { apps: cfg.apps, periodicity: 'all' },
      newContext({ clock: f.clock }),
    );
    const d = await f.start();
    await d.idle();
    expect(f.runs).toEqual([]);
    f.sleep(10 * HOUR);
    await d.tick();
    await d.idle();
    expect(f.lines.some((l) => l.includes('the clock jumped 36000 s ahead (the machine slept?): catching up'))).toBe(
      true,
    );
    expect(f.runs.map((r) => `${r.periodicity} ${r.trigger} ${r.slot}`)).toEqual([
      'hourly schedule 2026-03-04T06:02:00.000Z',
    ]);
    await d.tick();
    await d.idle();
    expect(f.runs).toHaveLength(1);
  });
});

describe('reload', () => {
  it('refuses an invalid config (logged, the running one kept) and takes a valid one, catching up its new jobs', async () => {
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), { periodicities: [] });
    const d = await f.start();
    await f.writeConfig({ periodicities: ['daily'], schedule: { daily: '61 2 * * *' } });
    expect(await d.reload('SIGHUP')).toBe(false);
    expect(f.lines.at(-1)).toMatch(
      /ERROR config reload \(SIGHUP\) refused, keeping the running config: .*strongbox\.yaml: invalid configuration:\n {2}apps\[0\]\.schedule\.daily: not a cron expression/,
    );
    expect(d.config.apps[0].periodicities).toEqual([]);
    await f.writeConfig({ periodicities: ['daily'] });
    expect(await d.reload('SIGHUP')).toBe(true);
    await d.idle();
    expect(f.runs.map((r) => `${r.periodicity} ${r.trigger}`)).toEqual(['daily catch-up']);
  });
});

describe('shutdown', () => {
  it('takes a shutdown backup of the file trees of each app listing shutdown, and ends without error (exit 0)', async () => {
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), { periodicities: ['shutdown'] });
    const d = await f.start();
    expect(await d.shutdown('SIGTERM')).toBeNull();
    const snaps = await f.snapshots();
    expect(snaps).toEqual([
      { periodicity: 'shutdown', time: '2026-03-04T06:00:00.000Z', components: ['files:webroot'] },
    ]);
    const runs = (await readRuns(f.historyPath)).runs;
    expect(runs).toMatchObject([
      {
        app: 'shop',
        periodicity: 'shutdown',
        trigger: 'shutdown',
        outcome: 'ok',
        snapshot: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(runs[0].bytes!.total).toBeGreaterThan(0);
  });

  it('takes what shutdown.only says (all: the database too)', async () => {
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), { periodicities: ['shutdown'], shutdown: { only: 'all' } });
    expect(await (await f.start()).shutdown('SIGTERM')).toBeNull();
    expect((await f.snapshots())[0].components).toEqual(['database:main', 'files:webroot']);
  });

  it('on a machine that backs up only the databases of the app (only: db), its shutdown backup takes those', async () => {
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), { periodicities: ['shutdown'], only: 'db' });
    expect(await (await f.start()).shutdown('SIGTERM')).toBeNull();
    expect((await f.snapshots())[0].components).toEqual(['database:main']);
  });

  it('a second signal cancels the shutdown backup cleanly: its hook is stopped, no snapshot, the lock released, INTERRUPTED (exit 130)', async () => {
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), {
      periodicities: ['shutdown'],
      hooks: { before: ['sleep 60'] },
    });
    const d = await f.start();
    const done = d.shutdown('SIGTERM');
    while (!f.lines.some((l) => l.includes('backup of shop (shutdown) started')))
      await new Promise((r) => setTimeout(r, 10));
    d.cancel();
    expect(await done).toMatchObject({ code: 'INTERRUPTED', message: 'shutdown backups cancelled (second signal)' });
    expect(await f.snapshots()).toEqual([]);
    expect((await readRuns(f.historyPath)).runs).toMatchObject([
      { outcome: 'cancelled', error: { code: 'INTERRUPTED' } },
    ]);
    await withRepository(f.spec, newContext(), { lock: 'exclusive' }, async () => undefined);
  });

  it('the deadline cancels a shutdown backup that takes too long, and the daemon says so', async () => {
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), {
      periodicities: ['shutdown'],
      hooks: { before: ['sleep 60'] },
    });
    await f.writeConfig({}, { shutdownDeadline: '1s' });
    expect(await (await f.start()).shutdown('SIGTERM')).toMatchObject({
      code: 'INTERRUPTED',
      message: 'shutdown backups cancelled (deadline 1s passed)',
    });
    expect(f.lines.join('\n')).toContain('the shutdown deadline of 1s passed: cancelling the shutdown backups');
    expect(await f.snapshots()).toEqual([]);
    expect(JSON.parse((await readFile(f.historyPath, 'utf8')).trim())).toMatchObject({ outcome: 'cancelled' });
  });
});
