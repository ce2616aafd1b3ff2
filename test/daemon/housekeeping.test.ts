// Housekeeping on a simulated clock with real operations on a memory: repository: retention after each backup
// keeps what the app's policy says, prune runs on its weekly time, check daily, and the read-data check reads the
// next part each time, wrapping around; `strongbox runs` lists them with the backups. A check that finds damage
// and a drill that fails are recorded and notified.
import { createHmac } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { type HousekeepingRecord, isHousekeeping, readHistory } from '../../src/history/journal.js';
import { httpReceiver } from '../support/receivers.js';
import { daemonFixture } from './fixture.js';

const at = (iso: string) => Date.parse(iso);

describe('housekeeping', () => {
  it('forgets after each backup, prunes on Sunday, checks daily, reads the data in rotating parts, drills on Monday', async () => {
    const f = await daemonFixture(at('2026-03-07T00:00:00Z'), {
      periodicities: ['daily'],
      retention: { scheduled: { daily: 2 } },
    });
    try {
      await f.writeConfig(
        {},
        {
          housekeeping: {
            prune: '0 6 * * 0',
            check: '0 7 * * *',
            readData: { cron: '30 7 * * *', parts: 3 },
            drill: '0 8 * * 1',
          },
        },
      );
      const d = await f.start();
      await d.idle();
      await f.advance(d, at('2026-03-10T08:00:00Z'), 30 * 60_000);

      const { records } = await readHistory(f.historyPath);
      const backups = records.filter((r) => !isHousekeeping(r));
      const upkeep = records.filter(isHousekeeping) as HousekeepingRecord[];
      expect(backups.map((r) => r.startedAt)).toEqual([
        '2026-03-07T00:00:00.000Z',
        '2026-03-07T02:30:00.000Z',
        '2026-03-08T02:30:00.000Z',
        '2026-03-09T02:30:00.000Z',
        '2026-03-10T02:30:00.000Z',
      ]);
      // A forget after each backup, in the same turn of the repository's queue; the policy keeps the newest of 2 days
      // (and, as borg does, the oldest while fewer days than that exist: nothing goes until the second day).
      const forgets = upkeep.filter((r) => r.op === 'forget');
      expect(forgets.map((r) => `${r.app} ${r.trigger} ${r.outcome} ${r.startedAt}`)).toEqual(
        backups.map((b) => `shop after-backup ok ${b.startedAt}`),
      );
      expect(forgets.map((r) => r.detail?.removed)).toEqual([0, 0, 1, 1, 1]);
      expect((await f.snapshots()).map((s) => s.time)).toEqual([
        '2026-03-09T02:30:00.000Z',
        '2026-03-10T02:30:00.000Z',
      ]);

      expect(
        upkeep.filter((r) => r.op === 'prune').map((r) => `${r.repository} ${r.trigger} ${r.slot} ${r.outcome}`),
      ).toEqual(['main schedule 2026-03-08T06:00:00.000Z ok']);
      const checks = upkeep.filter((r) => r.op === 'check');
      expect(checks.map((r) => `${r.slot} ${r.outcome} ${r.detail?.errors} ${r.detail?.part ?? 'structure'}`)).toEqual([
        '2026-03-07T07:00:00.000Z ok 0 structure',
        '2026-03-07T07:30:00.000Z ok 0 1/3',
        '2026-03-08T07:00:00.000Z ok 0 structure',
        '2026-03-08T07:30:00.000Z ok 0 2/3',
        '2026-03-09T07:00:00.000Z ok 0 structure',
        '2026-03-09T07:30:00.000Z ok 0 3/3',
        '2026-03-10T07:00:00.000Z ok 0 structure',
        '2026-03-10T07:30:00.000Z ok 0 1/3',
      ]);

      const drills = upkeep.filter((r) => r.op === 'drill');
      expect(drills.map((r) => `${r.app} ${r.slot} ${r.outcome} ${r.detail?.failed}`)).toEqual([
        'shop 2026-03-09T08:00:00.000Z ok 0',
      ]);
      expect(drills[0].detail?.checks).toBe(3);

      const out: string[] = [];
      expect(
        await runCli(['--config', f.configPath, 'runs', '--limit', '3'], {
          out: (s) => out.push(s),
          err: () => {},
          isTTY: false,
        }),
      ).toBe(0);
      expect(out.join('\n')).toMatch(/repo main +check +schedule +ok[\s\S]*repo main +check +schedule +ok/);
      expect(await d.shutdown('SIGTERM')).toBeNull();
    } finally {
      await f.cleanup();
    }
  });
});

describe('a check that finds damage', () => {
  it('is recorded as failed (INTEGRITY, the first errors) and notified as a failure of the repository', async () => {
    const http = await httpReceiver();
    const f = await daemonFixture(at('2026-03-07T00:00:00Z'), { periodicities: ['daily'] }, { local: true });
    try {
      await f.writeConfig(
        {},
        {
          housekeeping: { forget: false, prune: false, readData: false, check: '0 7 * * *' },
          notify: { webhooks: [{ url: `${http.url}/hook` }] },
        },
      );
      const d = await f.start();
      await d.idle();
      // A pack of the backup the catch-up took goes missing.
      const data = join(f.dir, 'repo', 'data');
      const sub = (await readdir(data))[0];
      await rm(join(data, sub, (await readdir(join(data, sub)))[0]));
      await f.advance(d, at('2026-03-07T07:30:00Z'), 30 * 60_000);
      const check = (await readHistory(f.historyPath)).records.filter(isHousekeeping).find((r) => r.op === 'check')!;
      expect(check).toMatchObject({ repository: 'main', outcome: 'failed', error: { code: 'INTEGRITY' } });
      expect(check.error!.message).toMatch(/^check of repository main found \d+ error\(s\):\n/);
      const n = JSON.parse(http.requests.at(-1)!.body);
      expect(n).toMatchObject({
        event: 'failure',
        app: null,
        repository: 'main',
        periodicity: 'check',
        error: { code: 'INTEGRITY' },
      });
      expect(n.summary).toMatch(/^check of repository main failed: check of repository main found \d+ error/);
      await d.shutdown('SIGTERM');
    } finally {
      await http.close();
      await f.cleanup();
    }
  });
});

describe('a drill that fails', () => {
  it('is recorded as failed (VERIFY_FAILED, the failed check) and notified by a signed webhook', async () => {
    process.env.SB_DRILL_HOOK_SECRET = 'drill-hook-secret';
    const http = await httpReceiver();
    // The smoke query's table holds 2 rows, not 42: the restore passes, the smoke check fails.
    const f = await daemonFixture(at('2026-03-07T00:00:00Z'), {
      periodicities: ['daily'],
      drill: { smoke: [{ database: 'main', sql: 'SELECT count(*) FROM t', expect: '^42$' }] },
    });
    try {
      await f.writeConfig(
        {},
        {
          housekeeping: { forget: false, prune: false, check: false, readData: false, drill: '0 8 * * *' },
          notify: { webhooks: [{ url: `${http.url}/hook`, secretEnv: 'SB_DRILL_HOOK_SECRET' }] },
        },
      );
      const d = await f.start();
      await d.idle();
      await f.advance(d, at('2026-03-07T08:00:00Z'), 30 * 60_000);
      const drill = (await readHistory(f.historyPath)).records.filter(isHousekeeping).find((r) => r.op === 'drill')!;
      expect(drill).toMatchObject({
        app: 'shop',
        slot: '2026-03-07T08:00:00.000Z',
        outcome: 'failed',
        detail: { failed: 1 },
        error: { code: 'VERIFY_FAILED' },
      });
      const hooks = http.requests.filter((r) => r.path === '/hook');
      expect(hooks).toHaveLength(1);
      const signature = createHmac('sha256', 'drill-hook-secret').update(hooks[0].body).digest('hex');
      expect(hooks[0].headers['x-strongbox-signature']).toBe(`sha256=${signature}`);
      const n = JSON.parse(hooks[0].body);
      expect(n).toMatchObject({
        event: 'failure',
        app: 'shop',
        repository: 'main',
        periodicity: 'drill',
        error: { code: 'VERIFY_FAILED' },
      });
      expect(n.summary).toBe('drill of repository main for app shop failed: drill of app shop failed:');
      expect(n.error.lines[1]).toMatch(/^main smoke: smoke query returned "2", not matching \/\^42\$\//);
      await d.shutdown('SIGTERM');
    } finally {
      await http.close();
      await f.cleanup();
    }
  });
});
