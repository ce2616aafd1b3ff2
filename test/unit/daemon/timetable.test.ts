// The daemon's timetable on a simulated clock: a month of every periodicity gives exactly the toolkit's runs at the
// toolkit's times; a cron expression and a time zone replace a default; a machine that slept runs each job once.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { DEFAULT_CRON, type Job, jobLabel, jobsOf, nextSlot, prevSlot } from '../../../src/daemon/jobs.js';
import { Timetable } from '../../../src/daemon/timetable.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function config(app: Record<string, unknown>, daemon: Record<string, unknown> = {}) {
  return configSchema.parse({
    repositories: { main: { location: '/tmp/x' } },
    apps: [{ id: 'shop', repository: 'main', ...app }],
    daemon,
  });
}

/** Ticks every `step` from `from` (inclusive) to `to` (exclusive); returns each due run as "periodicity slot". */
function simulate(jobs: Job[], from: number, to: number, step = 30_000, random = () => 0): string[] {
  const t = new Timetable(random);
  t.setJobs(jobs, from - 1);
  const runs: string[] = [];
  for (let now = from; now < to; now += step)
    for (const d of t.due(now)) runs.push(`${jobLabel(d.job)} ${iso(d.slot)} at ${iso(now)}`);
  return runs;
}

describe('a simulated month (March 2026, UTC) of every periodicity with the default times', () => {
  const jobs = jobsOf(config({ periodicities: ['hourly', 'daily', 'weekly', 'monthly', 'bimonthly', 'shutdown'] }));
  const runs = simulate(jobs, at('2026-03-01T00:00:00Z'), at('2026-04-01T00:00:00Z'));
  const of = (p: string) => runs.filter((r) => r.startsWith(`${p} `));

  it('has one job per time-based periodicity (shutdown is not scheduled)', () => {
    expect(jobs.map((j) => [j.key, j.cron, j.timeZone])).toEqual([
      ['shop/hourly', DEFAULT_CRON.hourly, 'UTC'],
      ['shop/daily', DEFAULT_CRON.daily, 'UTC'],
      ['shop/weekly', DEFAULT_CRON.weekly, 'UTC'],
      ['shop/monthly', DEFAULT_CRON.monthly, 'UTC'],
      ['shop/bimonthly', DEFAULT_CRON.bimonthly, 'UTC'],
    ]);
  });

  it('runs hourly at minute 2 of each of the 744 hours, each on time', () => {
    const expected = Array.from({ length: 31 * 24 }, (_, h) => at('2026-03-01T00:02:00Z') + h * HOUR);
    expect(of('hourly')).toEqual(expected.map((s) => `hourly ${iso(s)} at ${iso(s)}`));
  });

  it('runs daily at 02:30 on each of the 31 days', () => {
    expect(of('daily')).toEqual(
      Array.from({ length: 31 }, (_, d) => {
        const s = iso(at('2026-03-01T02:30:00Z') + d * DAY);
        return `daily ${s} at ${s}`;
      }),
    );
  });

  it('runs weekly on the five Sundays at 03:30, monthly on the 1st at 04:30, bimonthly on the 1st (March is odd) at 05:30', () => {
    expect(of('weekly').map((r) => r.split(' ')[1])).toEqual([
      '2026-03-01T03:30:00Z',
      '2026-03-08T03:30:00Z',
      '2026-03-15T03:30:00Z',
      '2026-03-22T03:30:00Z',
      '2026-03-29T03:30:00Z',
    ]);
    expect(of('monthly')).toEqual(['monthly 2026-03-01T04:30:00Z at 2026-03-01T04:30:00Z']);
    expect(of('bimonthly')).toEqual(['bimonthly 2026-03-01T05:30:00Z at 2026-03-01T05:30:00Z']);
    expect(runs).toHaveLength(744 + 31 + 5 + 1 + 1);
  });
});

describe('bimonthly over a year', () => {
  it('runs on the 1st of January, March, May, July, September and November only', () => {
    const jobs = jobsOf(config({ periodicities: ['bimonthly'] }));
    const runs = simulate(jobs, at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'), 5 * MIN);
    expect(runs.map((r) => r.split(' ')[1].slice(0, 10))).toEqual([
      '2026-01-01',
      '2026-03-01',
      '2026-05-01',
      '2026-07-01',
      '2026-09-01',
      '2026-11-01',
    ]);
  });
});

describe('a cron expression and a time zone', () => {
  it("replace the default for that periodicity only, in the schedule's time zone (here across the spring DST change)", () => {
    const jobs = jobsOf(
      config({
        periodicities: ['daily', 'weekly'],
        schedule: { timeZone: 'Europe/Berlin', weekly: { cron: '0 12 * * 3', timeZone: 'UTC' } },
      }),
    );
    expect(jobs.map((j) => [jobLabel(j), j.cron, j.timeZone])).toEqual([
      ['daily', '30 2 * * *', 'Europe/Berlin'],
      ['weekly', '0 12 * * 3', 'UTC'],
    ]);
    const runs = simulate(jobs, at('2026-03-27T00:00:00Z'), at('2026-04-02T00:00:00Z'), MIN);
    // 02:30 CET is 01:30Z; on the 29th 02:30 does not exist (clocks go 02:00 -> 03:00), so it runs at 03:00 CEST.
    expect(runs.filter((r) => r.startsWith('daily')).map((r) => r.split(' ')[1])).toEqual([
      '2026-03-27T01:30:00Z',
      '2026-03-28T01:30:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-30T00:30:00Z',
      '2026-03-31T00:30:00Z',
      '2026-04-01T00:30:00Z',
    ]);
    expect(runs.filter((r) => r.startsWith('weekly')).map((r) => r.split(' ')[1])).toEqual(['2026-04-01T12:00:00Z']);
  });

  it("the app's retention time zone is the default, so daily runs and daily buckets agree", () => {
    const [job] = jobsOf(config({ periodicities: ['daily'], retention: { timeZone: 'America/New_York' } }));
    expect(job.timeZone).toBe('America/New_York');
    expect(iso(nextSlot(job, at('2026-06-01T00:00:00Z'))!)).toBe('2026-06-01T06:30:00Z');
  });

  it('a bad expression or time zone is refused when the config is read, naming the field', () => {
    const bad = (schedule: unknown) =>
      configSchema.safeParse({
        repositories: { main: { location: '/x' } },
        apps: [{ id: 'a', repository: 'main', schedule }],
      });
    const r1 = bad({ daily: '61 2 * * *' });
    expect(r1.success).toBe(false);
    expect(r1.error!.issues[0]).toMatchObject({ path: ['apps', 0, 'schedule', 'daily'] });
    expect(r1.error!.issues[0].message).toMatch(/not a cron expression .*minute: 61/);
    expect(bad({ daily: '* * * * * *' }).success).toBe(false);
    expect(bad({ daily: { cron: '0 1 * * *', timeZone: 'Mars/Olympus' } }).error!.issues[0].message).toMatch(
      /not a time zone/,
    );
    expect(bad({ randomDelay: '5m' }).error!.issues[0].message).toMatch(/a duration/);
  });
});

describe('slots', () => {
  const daily = { cron: '30 2 * * *', timeZone: 'UTC' };
  it('the previous slot includes `at` itself, the next one is strictly after', () => {
    expect(iso(prevSlot(daily, at('2026-03-02T02:30:00Z'))!)).toBe('2026-03-02T02:30:00Z');
    expect(iso(prevSlot(daily, at('2026-03-02T02:29:59.999Z'))!)).toBe('2026-03-01T02:30:00Z');
    expect(iso(nextSlot(daily, at('2026-03-02T02:30:00Z'))!)).toBe('2026-03-03T02:30:00Z');
  });
});

describe('a machine that slept (the clock jumps forward)', () => {
  it('runs each job once for all the slots it missed, then keeps to the schedule', () => {
    const t = new Timetable(() => 0);
    t.setJobs(jobsOf(config({ periodicities: ['hourly', 'daily', 'weekly'] })), at('2026-03-02T00:00:00Z'));
    const woke = at('2026-03-09T10:00:00Z');
    expect(t.due(woke).map((d) => `${jobLabel(d.job)} ${iso(d.slot)}`)).toEqual([
      'hourly 2026-03-02T00:02:00Z',
      'daily 2026-03-02T02:30:00Z',
      'weekly 2026-03-08T03:30:00Z',
    ]);
    expect(t.due(woke + MIN)).toEqual([]);
    expect(iso(t.nextAt()!)).toBe('2026-03-09T10:02:00Z');
    expect(iso(t.nextOf('shop/daily')!)).toBe('2026-03-10T02:30:00Z');
  });

  it('a clock that went back does not run a slot again', () => {
    const t = new Timetable(() => 0);
    t.setJobs(jobsOf(config({ periodicities: ['daily'] })), at('2026-03-02T02:00:00Z'));
    expect(t.due(at('2026-03-02T02:31:00Z'))).toHaveLength(1);
    expect(t.due(at('2026-03-02T01:00:00Z'))).toEqual([]);
    expect(t.due(at('2026-03-02T02:31:00Z'))).toEqual([]);
  });
});

describe('random delay and reload', () => {
  it('delays each run by the drawn part of randomDelay, one run per slot still', () => {
    const jobs = jobsOf(config({ periodicities: ['daily'] }, { randomDelay: '10min' }));
    const runs = simulate(jobs, at('2026-03-01T00:00:00Z'), at('2026-03-04T00:00:00Z'), MIN, () => 0.5);
    expect(runs).toEqual(['01', '02', '03'].map((d) => `daily 2026-03-${d}T02:30:00Z at 2026-03-${d}T02:35:00Z`));
  });

  it('a reload keeps the next time of a job whose timing did not change and reschedules one whose did', () => {
    const t = new Timetable(() => 0.5);
    const now = at('2026-03-01T00:00:00Z');
    t.setJobs(jobsOf(config({ periodicities: ['daily', 'weekly'] }, { randomDelay: '1h' })), now);
    expect(iso(t.nextOf('shop/daily')!)).toBe('2026-03-01T03:00:00Z');
    t.setJobs(
      jobsOf(config({ periodicities: ['daily', 'weekly'], schedule: { weekly: '0 1 * * *' } }, { randomDelay: '1h' })),
      now + HOUR,
    );
    expect(iso(t.nextOf('shop/daily')!)).toBe('2026-03-01T03:00:00Z');
    expect(iso(t.nextOf('shop/weekly')!)).toBe('2026-03-02T01:30:00Z');
    t.setJobs(jobsOf(config({ periodicities: ['weekly'] })), now + HOUR);
    expect(t.nextOf('shop/daily')).toBeNull();
  });
});
