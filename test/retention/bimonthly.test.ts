// Bimonthly retention, strongbox's addition to borg's rules (so no golden files): hand-checked tables for
// its two-month periods, in a time zone, after monthly and before yearly, and the oldest-snapshot rule.
import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/retention/buckets.js';
import { planRetention } from '../../src/retention/plan.js';
import { at, DAY, kept, series, snapshots } from './support.js';

/** Daily snapshots at 02:00 UTC from `first` to `last` inclusive. */
const daily = (first: string, last: string) => series(`${first}T02:00`, DAY, (at(last) - at(first)) / DAY + 1);

describe('bimonthly periods', () => {
  it.each([
    ['2024-01-01T00:00:00', '2024-02-29T23:59:59', true],
    ['2024-02-29T23:59:59', '2024-03-01T00:00:00', false],
    ['2024-03-01T00:00:00', '2024-04-30T23:59:59', true],
    ['2024-04-30T23:59:59', '2024-05-01T00:00:00', false],
    ['2024-05-01T00:00:00', '2024-06-30T23:59:59', true],
    ['2024-06-30T23:59:59', '2024-07-01T00:00:00', false],
    ['2024-07-01T00:00:00', '2024-08-31T23:59:59', true],
    ['2024-08-31T23:59:59', '2024-09-01T00:00:00', false],
    ['2024-09-01T00:00:00', '2024-10-31T23:59:59', true],
    ['2024-10-31T23:59:59', '2024-11-01T00:00:00', false],
    ['2024-11-01T00:00:00', '2024-12-31T23:59:59', true],
    ['2024-12-31T23:59:59', '2025-01-01T00:00:00', false],
    ['2024-01-15T00:00:00', '2025-01-15T00:00:00', false],
  ])('%s and %s in one period: %s', (a, b, same) => {
    expect(bucketOf('bimonthly', at(a), 'UTC') === bucketOf('bimonthly', at(b), 'UTC')).toBe(same);
  });

  it('keeps the newest of Jan–Feb, Mar–Apr, May–Jun, Jul–Aug, Sep–Oct and Nov–Dec', () => {
    const firstAndLastSecondOfEachMonth = Array.from({ length: 12 }, (_, m) => [
      `2023-${String(m + 1).padStart(2, '0')}-01T00:00:00`,
      new Date(Date.UTC(2023, m + 1, 1) - 1000).toISOString(),
    ]).flat();
    const plan = planRetention(snapshots(...firstAndLastSecondOfEachMonth), { bimonthly: 6 }, at('2024-01-01T06:00'));
    expect(kept(plan)).toEqual([
      ['2023-12-31T23:59:59Z', 'bimonthly 1/6'],
      ['2023-10-31T23:59:59Z', 'bimonthly 2/6'],
      ['2023-08-31T23:59:59Z', 'bimonthly 3/6'],
      ['2023-06-30T23:59:59Z', 'bimonthly 4/6'],
      ['2023-04-30T23:59:59Z', 'bimonthly 5/6'],
      ['2023-02-28T23:59:59Z', 'bimonthly 6/6'],
    ]);
  });

  it('starts again at the year boundary: Nov–Dec and the next Jan–Feb are separate periods', () => {
    const plan = planRetention(daily('2024-11-01', '2025-02-28'), { bimonthly: 3 }, at('2025-03-01T00:00'));
    expect(kept(plan)).toEqual([
      ['2025-02-28T02:00:00Z', 'bimonthly 1/3'],
      ['2024-12-31T02:00:00Z', 'bimonthly 2/3'],
      ['2024-11-01T02:00:00Z', 'bimonthly 3/3 (oldest)'],
    ]);
  });
});

describe('bimonthly in a time zone', () => {
  // 2024-02-29T12:00Z is 1 March 01:00 in Auckland (UTC+13); 2024-03-01T05:00Z is 29 February 21:00 in Los Angeles.
  it.each([
    [
      'Pacific/Auckland',
      ['2024-02-20T12:00', '2024-02-29T12:00', '2024-03-10T12:00'],
      ['2024-03-10T12:00:00Z', '2024-02-20T12:00:00Z'],
    ],
    [
      'UTC',
      ['2024-02-20T12:00', '2024-02-29T12:00', '2024-03-10T12:00'],
      ['2024-03-10T12:00:00Z', '2024-02-29T12:00:00Z'],
    ],
    [
      'America/Los_Angeles',
      ['2024-02-20T12:00', '2024-03-01T05:00', '2024-03-10T12:00'],
      ['2024-03-10T12:00:00Z', '2024-03-01T05:00:00Z'],
    ],
    [
      'UTC',
      ['2024-02-20T12:00', '2024-03-01T05:00', '2024-03-10T12:00'],
      ['2024-03-10T12:00:00Z', '2024-02-20T12:00:00Z'],
    ],
  ])('in %s, of %j bimonthly 2 keeps %j', (timeZone, times, want) => {
    const plan = planRetention(snapshots(...times), { bimonthly: 2 }, at('2024-03-11T00:00'), timeZone);
    expect(kept(plan)).toEqual([
      [want[0], 'bimonthly 1/2'],
      [want[1], 'bimonthly 2/2'],
    ]);
  });

  it("puts New Year's Eve evening in Los Angeles (already 1 January in UTC) in the old year's Nov–Dec", () => {
    const times = snapshots('2024-12-10T12:00', '2024-12-20T12:00', '2025-01-01T06:00');
    const now = at('2025-01-02T00:00');
    expect(kept(planRetention(times, { bimonthly: 2 }, now, 'America/Los_Angeles'))).toEqual([
      ['2025-01-01T06:00:00Z', 'bimonthly 1/2'],
      ['2024-12-10T12:00:00Z', 'bimonthly 2/2 (oldest)'],
    ]);
    expect(kept(planRetention(times, { bimonthly: 2 }, now, 'UTC'))).toEqual([
      ['2025-01-01T06:00:00Z', 'bimonthly 1/2'],
      ['2024-12-20T12:00:00Z', 'bimonthly 2/2'],
    ]);
  });
});

describe('bimonthly after monthly, before yearly', () => {
  const year2024 = daily('2024-01-01', '2024-12-31');

  it('skips a period whose newest snapshot monthly keeps, without counting it', () => {
    const plan = planRetention(year2024, { monthly: 3, bimonthly: 3 }, at('2025-01-01T00:00'));
    expect(kept(plan)).toEqual([
      ['2024-12-31T02:00:00Z', 'monthly 1/3'],
      ['2024-11-30T02:00:00Z', 'monthly 2/3'],
      ['2024-10-31T02:00:00Z', 'monthly 3/3'], // also the newest of Sep–Oct: bimonthly starts at Jul–Aug
      ['2024-08-31T02:00:00Z', 'bimonthly 1/3'],
      ['2024-06-30T02:00:00Z', 'bimonthly 2/3'],
      ['2024-04-30T02:00:00Z', 'bimonthly 3/3'],
    ]);
  });

  it('looks only at the newest of a period: an older month monthly keeps in it does not matter', () => {
    const plan = planRetention(year2024, { monthly: 4, bimonthly: 2 }, at('2025-01-01T00:00'));
    expect(kept(plan)).toEqual([
      ['2024-12-31T02:00:00Z', 'monthly 1/4'],
      ['2024-11-30T02:00:00Z', 'monthly 2/4'],
      ['2024-10-31T02:00:00Z', 'monthly 3/4'],
      ['2024-09-30T02:00:00Z', 'monthly 4/4'],
      ['2024-08-31T02:00:00Z', 'bimonthly 1/2'],
      ['2024-06-30T02:00:00Z', 'bimonthly 2/2'],
    ]);
  });

  it('comes before yearly, which then skips the years bimonthly took the newest of', () => {
    const plan = planRetention(daily('2023-01-01', '2024-12-31'), { bimonthly: 2, yearly: 2 }, at('2025-01-01T00:00'));
    expect(kept(plan)).toEqual([
      ['2024-12-31T02:00:00Z', 'bimonthly 1/2'],
      ['2024-10-31T02:00:00Z', 'bimonthly 2/2'],
      ['2023-12-31T02:00:00Z', 'yearly 1/2'],
      ['2023-01-01T02:00:00Z', 'yearly 2/2 (oldest)'],
    ]);
  });
});

describe('bimonthly and the oldest snapshot', () => {
  it('keeps the oldest snapshot too when there are fewer periods than it may keep', () => {
    const plan = planRetention(daily('2024-02-10', '2024-05-10'), { bimonthly: 6 }, at('2024-05-11T00:00'));
    expect(kept(plan)).toEqual([
      ['2024-05-10T02:00:00Z', 'bimonthly 1/6'],
      ['2024-04-30T02:00:00Z', 'bimonthly 2/6'],
      ['2024-02-29T02:00:00Z', 'bimonthly 3/6'],
      ['2024-02-10T02:00:00Z', 'bimonthly 4/6 (oldest)'],
    ]);
  });

  it('adds nothing when the oldest snapshot is already the newest of its period', () => {
    const plan = planRetention(
      snapshots('2024-01-15T02:00', '2024-03-15T02:00', '2024-05-15T02:00'),
      { bimonthly: 6 },
      at('2024-05-16T00:00'),
    );
    expect(kept(plan)).toEqual([
      ['2024-05-15T02:00:00Z', 'bimonthly 1/6'],
      ['2024-03-15T02:00:00Z', 'bimonthly 2/6'],
      ['2024-01-15T02:00:00Z', 'bimonthly 3/6'],
    ]);
  });

  it('does not keep the oldest when the rule found all the periods it may keep', () => {
    const plan = planRetention(daily('2024-01-01', '2024-12-31'), { bimonthly: 6 }, at('2025-01-01T00:00'));
    expect(kept(plan).map(([, label]) => label)).toEqual([
      'bimonthly 1/6',
      'bimonthly 2/6',
      'bimonthly 3/6',
      'bimonthly 4/6',
      'bimonthly 5/6',
      'bimonthly 6/6',
    ]);
    expect(plan.find((d) => d.time === at('2024-01-01T02:00'))!.keep).toBe(false);
  });
});
