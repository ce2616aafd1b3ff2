// The daemon and mirrors: a backup that a mirror misses is notified (a webhook) and shows as
// strongbox_mirror_degraded 1; after each backup the daemon syncs the mirrors, and once the mirror is reachable again
// the sync brings it up to date (the gauge back to 0, the mirror holding the same snapshots).
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type HousekeepingRecord, isHousekeeping, readHistory, type RunRecord } from '../../src/history/journal.js';
import { httpReceiver, type HttpReceiver } from '../support/receivers.js';
import { daemonFixture, type Fixture } from './fixture.js';

const at = (iso: string) => Date.parse(iso);

async function gauge(address: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('the daemon with a mirrored repository', () => {
  let f: Fixture | undefined;
  let http: HttpReceiver | undefined;
  afterAll(async () => {
    await http?.close();
    await f?.cleanup();
  });

  it('notifies a degraded backup, syncs after each backup, and the gauge returns to 0 once the mirror caught up', async () => {
    http = await httpReceiver();
    f = await daemonFixture(at('2026-03-07T00:00:00Z'), { periodicities: ['daily'] }, { local: true });
    // The mirror's place is below a plain file: every write to it fails, as with a store that is down.
    const blocker = join(f.dir, 'blocker');
    await writeFile(blocker, 'not a directory');
    const mirror = join(blocker, 'mirror');
    await f.writeConfig(
      {},
      { notify: { webhooks: [{ url: `${http.url}/hook` }] }, metrics: { listen: '127.0.0.1:0' } },
    );
    const cfg = parse(await readFile(f.configPath, 'utf8'));
    cfg.repositories.main.mirrors = [{ location: mirror }];
    await writeFile(f.configPath, stringify(cfg));

    const d = await f.start();
    try {
      await d.idle();
      const first = f.runs.at(-1) as RunRecord;
      expect(first.outcome).toBe('ok');
      expect(first.degraded).toEqual([mirror]);
      const hook = http.requests.find((r) => r.path === '/hook' && r.body.includes('degraded'));
      expect(hook, 'a webhook about the degraded mirror').toBeDefined();
      expect(JSON.parse(hook!.body).summary).toContain(`mirror ${mirror} of repository main missed it`);
      expect(await gauge(d.metricsAddress!, 'strongbox_mirror_degraded')).toBe(1);

      // The mirror comes back; the next daily backup is followed by a sync that brings it up to date.
      await rm(blocker);
      await mkdir(mirror, { recursive: true });
      await f.advance(d, at('2026-03-07T03:00:00Z'), 30 * 60_000);
      const second = f.runs.at(-1) as RunRecord;
      expect(second.startedAt).toBe('2026-03-07T02:30:00.000Z');
      // The mirror is back but empty (no layout, no config) until a sync lays it out: this backup missed it too.
      expect(second.degraded).toEqual([mirror]);
      const syncs = (await readHistory(f.historyPath)).records.filter(
        (r) => isHousekeeping(r) && r.op === 'sync',
      ) as HousekeepingRecord[];
      expect(syncs.map((s) => `${s.trigger} ${s.outcome}`)).toEqual(['after-backup failed', 'after-backup ok']);
      expect(Number(syncs[1].detail?.copied)).toBeGreaterThan(0);
      expect(await gauge(d.metricsAddress!, 'strongbox_mirror_degraded')).toBe(0);
      const primary = (await readdir(join(f.dir, 'repo', 'snapshots'))).sort();
      expect(primary).toHaveLength(2);
      expect((await readdir(join(mirror, 'snapshots'))).sort()).toEqual(primary);

      // From then on backups reach both stores.
      await f.advance(d, at('2026-03-08T03:00:00Z'), 30 * 60_000);
      const third = f.runs.at(-1) as RunRecord;
      expect(third.startedAt).toBe('2026-03-08T02:30:00.000Z');
      expect(third.degraded).toBeUndefined();
      expect(await gauge(d.metricsAddress!, 'strongbox_mirror_degraded')).toBe(0);
      expect((await readdir(join(mirror, 'snapshots'))).sort()).toEqual(
        (await readdir(join(f.dir, 'repo', 'snapshots'))).sort(),
      );
    } finally {
      await d.shutdown('SIGTERM');
    }
  }, 120_000);
});
