// appStatus, the pure health check behind `strongbox status`: per periodicity, the newest snapshot's age
// against the interval plus grace, with `now` injected. Allowed ages are written out here as the spec says.
import { describe, expect, it } from 'vitest';
import type { Periodicity, Snapshot, SnapshotRef } from '../../src/repository/snapshot.js';
import { appStatus, type AppStatus, type PeriodicityStatus } from '../../src/status/status.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-06-15T12:00:00Z');

type Scheduled = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'bimonthly';

/** Interval + default grace (a quarter of the interval; half for hourly). */
const ALLOWED: Record<Scheduled, number> = {
  hourly: HOUR + 30 * MIN,
  daily: DAY + 6 * HOUR,
  weekly: 7 * DAY + 42 * HOUR,
  monthly: 31 * DAY + 7 * DAY + 18 * HOUR,
  bimonthly: 62 * DAY + 15 * DAY + 12 * HOUR,
};
const SCHEDULED = Object.keys(ALLOWED) as Scheduled[];

let seq = 0;
/** A snapshot of `app` taken `ageMs` before NOW; IDs are deterministic and unique. */
function snap(periodicity: Periodicity | undefined, ageMs: number, extra: Partial<Snapshot> = {}): SnapshotRef {
  const id = (++seq).toString(16).padStart(64, '0');
  return {
    id,
    snapshot: {
      version: 1,
      time: new Date(NOW - ageMs).toISOString(),
      host: 'web-1',
      username: 'backup',
      app: 'shop',
      ...(periodicity ? { periodicity } : {}),
      paths: ['/srv/shop'],
      tags: [],
      parent: null,
      program: 'strongbox test',
      components: [],
      summary: {
        files: 3,
        dirs: 1,
        bytes: 1000,
        filesNew: 3,
        filesChanged: 0,
        filesUnmodified: 0,
        dataBlobs: 3,
        treeBlobs: 1,
        dataAdded: 400,
        dataAddedPacked: 300,
        durationMs: 10,
        databases: 1,
        databaseBytes: 500,
      },
      ...extra,
    },
  };
}

const app = (periodicities: (Scheduled | 'shutdown')[], grace?: string) => ({
  id: 'shop',
  periodicities,
  status: grace ? { grace } : {},
});

function entry(s: AppStatus, p: Periodicity): PeriodicityStatus {
  const e = s.periodicities.find((x) => x.periodicity === p);
  if (!e) throw new Error(`no ${p} entry in ${JSON.stringify(s.periodicities)}`);
  return e;
}

describe.each(SCHEDULED)('a scheduled %s periodicity', (p) => {
  const check = (refs: SnapshotRef[]) => appStatus(app([p]), refs, NOW);

  it('allows the interval plus the default grace', () => {
    expect(entry(check([snap(p, MIN)]), p).maxAgeMs).toBe(ALLOWED[p]);
  });

  it('is ok when the newest snapshot was taken on time', () => {
    const s = check([snap(p, MIN)]);
    expect(entry(s, p)).toMatchObject({ scheduled: true, state: 'ok', count: 1 });
    expect(s).toMatchObject({ healthy: true, problems: [] });
  });

  it('is still ok just inside the grace (age exactly interval + grace)', () => {
    const s = check([snap(p, ALLOWED[p])]);
    expect(entry(s, p).state).toBe('ok');
    expect(s.healthy).toBe(true);
  });

  it('is overdue one second past the grace, with a problem naming the periodicity and both ages', () => {
    const s = check([snap(p, ALLOWED[p] + 1000)]);
    expect(entry(s, p).state).toBe('overdue');
    expect(s.healthy).toBe(false);
    expect(s.problems).toEqual([
      expect.stringMatching(new RegExp(`^app shop: the newest ${p} snapshot is .+ old \\(allowed .+\\)$`)),
    ]);
  });

  it('is missing when never taken', () => {
    const s = check([]);
    expect(entry(s, p)).toMatchObject({ state: 'missing', count: 0 });
    expect(entry(s, p).newest).toBeUndefined();
    expect(s).toMatchObject({ healthy: false, problems: [`app shop: no ${p} snapshot yet`] });
  });

  it('is incomplete when the newest snapshot is incomplete, even on time', () => {
    const bad = snap(p, MIN, { incomplete: { errors: [{ path: '/srv/shop/x', message: 'EACCES' }] } });
    const s = check([snap(p, HOUR / 2), bad]);
    expect(entry(s, p)).toMatchObject({ state: 'incomplete', newest: { id: bad.id, incomplete: true } });
    expect(s.healthy).toBe(false);
    expect(s.problems).toEqual([
      `app shop: the newest ${p} snapshot ${bad.id.slice(0, 8)} is incomplete (some files could not be read)`,
    ]);
  });

  it('is judged by its newest snapshot only: an older incomplete or overdue one does not matter', () => {
    const s = check([snap(p, 3 * ALLOWED[p], { incomplete: { errors: [] } }), snap(p, MIN)]);
    expect(entry(s, p)).toMatchObject({ state: 'ok', count: 2 });
    expect(s.healthy).toBe(true);
  });
});

describe('periodicities the app does not schedule', () => {
  it('are reported as info, however old, and never make the app unhealthy', () => {
    const refs = [
      snap('weekly', 400 * DAY),
      snap('hourly', 90 * DAY),
      snap('shutdown', 30 * DAY),
      snap('manual', 200 * DAY),
    ];
    const s = appStatus(app(['daily']), [snap('daily', HOUR), ...refs], NOW);
    for (const p of ['hourly', 'weekly', 'shutdown', 'manual'] as const) {
      expect(entry(s, p)).toMatchObject({ scheduled: false, state: 'info', count: 1 });
      expect(entry(s, p).maxAgeMs).toBeUndefined();
    }
    expect(s).toMatchObject({ healthy: true, problems: [] });
  });

  it('an incomplete newest manual or shutdown snapshot is shown as incomplete but does not make the app unhealthy', () => {
    const s = appStatus(
      app(['daily']),
      [snap('daily', HOUR), snap('manual', MIN, { incomplete: { errors: [{ path: '/x', message: 'EACCES' }] } })],
      NOW,
    );
    expect(entry(s, 'manual')).toMatchObject({ scheduled: false, state: 'incomplete' });
    expect(s).toMatchObject({ healthy: true, problems: [] });
  });

  it('a listed shutdown periodicity (the daemon takes it when stopped) is never missing or overdue: it has no interval', () => {
    expect(appStatus(app(['daily', 'shutdown']), [snap('daily', HOUR)], NOW)).toMatchObject({
      healthy: true,
      problems: [],
    });
    const s = appStatus(app(['daily', 'shutdown']), [snap('daily', HOUR), snap('shutdown', 400 * DAY)], NOW);
    expect(entry(s, 'shutdown')).toMatchObject({ scheduled: false, state: 'info', count: 1 });
    expect(s).toMatchObject({ healthy: true, problems: [] });
  });

  it('are left out when they have no snapshot', () => {
    const s = appStatus(app(['daily']), [snap('daily', HOUR)], NOW);
    expect(s.periodicities.map((x) => x.periodicity)).toEqual(['daily']);
  });

  it('an app that schedules nothing and has no snapshots is healthy', () => {
    expect(appStatus(app([]), [], NOW)).toEqual({ app: 'shop', healthy: true, periodicities: [], problems: [] });
  });

  it('counts a snapshot without a periodicity (older format) as manual', () => {
    const s = appStatus(app([]), [snap(undefined, DAY)], NOW);
    expect(entry(s, 'manual')).toMatchObject({ state: 'info', count: 1 });
  });
});

describe('a custom grace (status.grace in the config)', () => {
  it('replaces the default for every scheduled periodicity', () => {
    const s = appStatus(
      app([...SCHEDULED], '6h'),
      SCHEDULED.map((p) => snap(p, MIN)),
      NOW,
    );
    expect(Object.fromEntries(s.periodicities.map((x) => [x.periodicity, x.maxAgeMs]))).toEqual({
      hourly: 7 * HOUR,
      daily: 30 * HOUR,
      weekly: 7 * DAY + 6 * HOUR,
      monthly: 31 * DAY + 6 * HOUR,
      bimonthly: 62 * DAY + 6 * HOUR,
    });
  });

  it('takes minutes, hours and days: 30m for hourly allows 90 minutes, 2d for weekly allows 9 days', () => {
    expect(entry(appStatus(app(['hourly'], '30min'), [snap('hourly', MIN)], NOW), 'hourly').maxAgeMs).toBe(
      HOUR + 30 * MIN,
    );
    expect(entry(appStatus(app(['weekly'], '2d'), [snap('weekly', MIN)], NOW), 'weekly').maxAgeMs).toBe(9 * DAY);
  });

  it('takes the one duration grammar (1w, 1d12h) and refuses an ambiguous "m", naming the field', () => {
    expect(entry(appStatus(app(['daily'], '1d12h'), [snap('daily', MIN)], NOW), 'daily').maxAgeMs).toBe(
      DAY + 36 * HOUR,
    );
    expect(() => appStatus(app(['daily'], '30m'), [snap('daily', MIN)], NOW)).toThrow(
      /status\.grace "30m" is not a duration \("m" is ambiguous: write 30min for minutes or 30mo for months\)/,
    );
  });

  it('can be shorter than the default: a weekly snapshot 7 days 7 hours old is overdue with 6h', () => {
    const refs = [snap('weekly', 7 * DAY + 7 * HOUR)];
    expect(appStatus(app(['weekly']), refs, NOW).healthy).toBe(true);
    expect(entry(appStatus(app(['weekly'], '6h'), refs, NOW), 'weekly').state).toBe('overdue');
  });

  it('can be longer than the default: an hourly snapshot 3 hours old is ok with 6h', () => {
    const refs = [snap('hourly', 3 * HOUR)];
    expect(entry(appStatus(app(['hourly']), refs, NOW), 'hourly').state).toBe('overdue');
    expect(appStatus(app(['hourly'], '6h'), refs, NOW).healthy).toBe(true);
  });

  it('is at the boundary inclusive, as the default is: 30 hours for daily with 6h', () => {
    expect(appStatus(app(['daily'], '6h'), [snap('daily', 30 * HOUR)], NOW).healthy).toBe(true);
    expect(appStatus(app(['daily'], '6h'), [snap('daily', 30 * HOUR + 1)], NOW).healthy).toBe(false);
  });
});

describe('the report', () => {
  it('lists periodicities in the fixed order hourly … bimonthly, shutdown, manual', () => {
    const refs = (['manual', 'bimonthly', 'shutdown', 'daily', 'hourly'] as const).map((p) => snap(p, MIN));
    expect(appStatus(app(['weekly']), refs, NOW).periodicities.map((x) => x.periodicity)).toEqual([
      'hourly',
      'daily',
      'weekly',
      'bimonthly',
      'shutdown',
      'manual',
    ]);
  });

  it("gives the newest snapshot's age, size (files + dumps), data added and what that took in storage", () => {
    const newest = snap('daily', 2 * HOUR);
    const s = appStatus(app(['daily']), [snap('daily', 26 * HOUR), newest], NOW);
    expect(entry(s, 'daily').newest).toEqual({
      id: newest.id,
      time: newest.snapshot.time,
      ageMs: 2 * HOUR,
      incomplete: false,
      bytes: 1500,
      added: 400,
      stored: 300,
    });
  });

  it("ignores other apps' snapshots", () => {
    const other = snap('daily', MIN, { app: 'blog' });
    const s = appStatus(app(['daily']), [other], NOW);
    expect(entry(s, 'daily')).toMatchObject({ state: 'missing', count: 0 });
  });

  it('collects one problem per failing periodicity', () => {
    const s = appStatus(app(['hourly', 'daily', 'weekly']), [snap('hourly', 2 * HOUR), snap('daily', HOUR)], NOW);
    expect(s.healthy).toBe(false);
    expect(s.problems).toEqual([
      'app shop: the newest hourly snapshot is 2h 0m old (allowed 1h 30m)',
      'app shop: no weekly snapshot yet',
    ]);
  });
});
