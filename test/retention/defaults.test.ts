// The seed's retention defaults, on simulated histories: scheduled (grandfather-father-son, with hourly and
// bimonthly when those are taken), on-demand, shutdown; and the newest snapshot survives every policy.
import { describe, expect, it } from 'vitest';
import { planRetention } from '../../src/retention/plan.js';
import { DEFAULT_ON_DEMAND, DEFAULT_SHUTDOWN, defaultScheduledPolicy } from '../../src/retention/policy.js';
import { at, countByRule, DAY, HOUR, isoUtc, kept, series, snapshots } from './support.js';

describe('scheduled snapshots', () => {
  it('are kept 7 daily, 4 weekly and 12 monthly by default', () => {
    expect(defaultScheduledPolicy({ hourly: false, bimonthly: false })).toEqual({ daily: 7, weekly: 4, monthly: 12 });
  });

  it('leave 23 snapshots of a year of daily backups: the last 7 days, 4 Sundays before them, 12 month-ends', () => {
    // 16 June 2024 to Sunday 15 June 2025, daily at 02:00 UTC.
    const year = series('2024-06-16T02:00', DAY, 365);
    const plan = planRetention(
      year,
      defaultScheduledPolicy({ hourly: false, bimonthly: false }),
      at('2025-06-15T03:00'),
    );
    expect(kept(plan)).toEqual([
      ['2025-06-15T02:00:00Z', 'daily 1/7'], // also the newest of ISO week 24 and of June 2025
      ['2025-06-14T02:00:00Z', 'daily 2/7'],
      ['2025-06-13T02:00:00Z', 'daily 3/7'],
      ['2025-06-12T02:00:00Z', 'daily 4/7'],
      ['2025-06-11T02:00:00Z', 'daily 5/7'],
      ['2025-06-10T02:00:00Z', 'daily 6/7'],
      ['2025-06-09T02:00:00Z', 'daily 7/7'],
      ['2025-06-08T02:00:00Z', 'weekly 1/4'],
      ['2025-06-01T02:00:00Z', 'weekly 2/4'],
      ['2025-05-31T02:00:00Z', 'monthly 1/12'],
      ['2025-05-25T02:00:00Z', 'weekly 3/4'],
      ['2025-05-18T02:00:00Z', 'weekly 4/4'],
      ['2025-04-30T02:00:00Z', 'monthly 2/12'],
      ['2025-03-31T02:00:00Z', 'monthly 3/12'],
      ['2025-02-28T02:00:00Z', 'monthly 4/12'],
      ['2025-01-31T02:00:00Z', 'monthly 5/12'],
      ['2024-12-31T02:00:00Z', 'monthly 6/12'],
      ['2024-11-30T02:00:00Z', 'monthly 7/12'],
      ['2024-10-31T02:00:00Z', 'monthly 8/12'],
      ['2024-09-30T02:00:00Z', 'monthly 9/12'],
      ['2024-08-31T02:00:00Z', 'monthly 10/12'],
      ['2024-07-31T02:00:00Z', 'monthly 11/12'],
      ['2024-06-30T02:00:00Z', 'monthly 12/12'],
    ]);
    expect(countByRule(plan)).toEqual({ daily: 7, weekly: 4, monthly: 12 });
  });

  it('add 24 hourly and 6 bimonthly when hourly and bimonthly snapshots are taken', () => {
    expect(defaultScheduledPolicy({ hourly: true, bimonthly: true })).toEqual({
      hourly: 24,
      daily: 7,
      weekly: 4,
      monthly: 12,
      bimonthly: 6,
    });
    expect(defaultScheduledPolicy({ hourly: true, bimonthly: false })).toEqual({
      hourly: 24,
      daily: 7,
      weekly: 4,
      monthly: 12,
    });
    expect(defaultScheduledPolicy({ hourly: false, bimonthly: true })).toEqual({
      daily: 7,
      weekly: 4,
      monthly: 12,
      bimonthly: 6,
    });
  });

  it('leave 53 snapshots of two years of hourly backups, bimonthly reaching back past the monthly keeps', () => {
    // Hourly at :30 from 1 January 2024 to Wednesday 31 December 2025.
    const twoYears = series('2024-01-01T00:30', HOUR, 731 * 24);
    const plan = planRetention(
      twoYears,
      defaultScheduledPolicy({ hourly: true, bimonthly: true }),
      at('2026-01-01T00:00'),
    );
    expect(countByRule(plan)).toEqual({ hourly: 24, daily: 7, weekly: 4, monthly: 12, bimonthly: 6 });
    const labels = Object.fromEntries(plan.filter((d) => d.keep).map((d) => [isoUtc(d.time), d.label]));
    expect(labels['2025-12-31T00:30:00Z']).toBe('hourly 24/24');
    expect(labels['2025-12-30T23:30:00Z']).toBe('daily 1/7');
    expect(labels['2025-12-24T23:30:00Z']).toBe('daily 7/7');
    // ISO weeks 2026-W01 and 2025-W52 end on days daily keeps; Sunday 30 November is the newest of November.
    expect(labels['2025-12-21T23:30:00Z']).toBe('weekly 1/4');
    expect(labels['2025-11-30T23:30:00Z']).toBe('weekly 4/4');
    expect(labels['2025-10-31T23:30:00Z']).toBe('monthly 1/12');
    expect(labels['2024-11-30T23:30:00Z']).toBe('monthly 12/12');
    // Every two-month period from Nov–Dec 2024 on has its newest kept already; then the oldest fills the sixth.
    expect(kept(plan).filter(([, label]) => label.startsWith('bimonthly'))).toEqual([
      ['2024-10-31T23:30:00Z', 'bimonthly 1/6'],
      ['2024-08-31T23:30:00Z', 'bimonthly 2/6'],
      ['2024-06-30T23:30:00Z', 'bimonthly 3/6'],
      ['2024-04-30T23:30:00Z', 'bimonthly 4/6'],
      ['2024-02-29T23:30:00Z', 'bimonthly 5/6'],
      ['2024-01-01T00:30:00Z', 'bimonthly 6/6 (oldest)'],
    ]);
  });
});

describe('on-demand snapshots', () => {
  it('are kept when younger than 30 days, and the 3 newest older ones', () => {
    expect(DEFAULT_ON_DEMAND).toEqual({ within: '30d', last: 3 });
  });

  it('keep everything of the last 30 days and the 3 newest before that', () => {
    const now = at('2025-03-01T12:00');
    // Every 2.5 days for 90 days, plus one exactly 30 days old (no longer "within") and one a second younger.
    const items = [
      ...series('2024-12-01T09:00', 2.5 * DAY, 36),
      { id: 'edge', time: now - 30 * DAY },
      { id: 'inside', time: now - 30 * DAY + 1000 },
    ];
    const plan = planRetention(items, DEFAULT_ON_DEMAND, now);
    const young = items.filter((s) => s.time > now - 30 * DAY);
    expect(
      plan
        .filter((d) => d.rule === 'within')
        .map((d) => d.id)
        .sort(),
    ).toEqual(young.map((s) => s.id).sort());
    expect(plan.filter((d) => d.rule === 'within').every((d) => d.label === 'within 30d')).toBe(true);
    expect(kept(plan).filter(([, label]) => label.startsWith('last'))).toEqual([
      ['2025-01-30T12:00:00Z', 'last 1/3'], // exactly 30 days old
      ['2025-01-30T09:00:00Z', 'last 2/3'],
      ['2025-01-27T21:00:00Z', 'last 3/3'],
    ]);
    expect(plan.filter((d) => d.keep)).toHaveLength(young.length + 3);
  });

  it('keep all of a history with fewer than 3 older snapshots', () => {
    const plan = planRetention(
      snapshots('2024-11-01T09:00', '2024-12-01T09:00', '2025-02-20T09:00'),
      DEFAULT_ON_DEMAND,
      at('2025-03-01T00:00'),
    );
    expect(kept(plan)).toEqual([
      ['2025-02-20T09:00:00Z', 'within 30d'],
      ['2024-12-01T09:00:00Z', 'last 1/3'],
      ['2024-11-01T09:00:00Z', 'last 2/3'],
    ]);
  });
});

describe('shutdown snapshots', () => {
  it('are kept 5 newest', () => {
    expect(DEFAULT_SHUTDOWN).toEqual({ last: 5 });
    const plan = planRetention(
      series('2025-01-01T18:00', 3 * DAY + 7 * HOUR, 12),
      DEFAULT_SHUTDOWN,
      at('2025-03-01T00:00'),
    );
    expect(plan.map((d) => [d.id, d.label])).toEqual([
      ['s0011', 'last 1/5'],
      ['s0010', 'last 2/5'],
      ['s0009', 'last 3/5'],
      ['s0008', 'last 4/5'],
      ['s0007', 'last 5/5'],
      ...['s0006', 's0005', 's0004', 's0003', 's0002', 's0001', 's0000'].map((id) => [id, 'remove']),
    ]);
  });

  it('are all kept while there are at most 5', () => {
    const plan = planRetention(series('2025-01-01T18:00', DAY, 3), DEFAULT_SHUTDOWN, at('2025-03-01T00:00'));
    expect(plan.map((d) => d.label)).toEqual(['last 1/5', 'last 2/5', 'last 3/5']);
  });
});

describe('the newest snapshot', () => {
  it('is kept even when no rule keeps it', () => {
    const plan = planRetention(series('2025-01-01T00:00', HOUR, 10), { within: '12H' }, at('2025-02-01T00:00'));
    expect(kept(plan)).toEqual([['2025-01-01T09:00:00Z', 'newest']]);
    expect(plan.filter((d) => !d.keep)).toHaveLength(9);
  });

  it('does not exist in an empty history: nothing to plan', () => {
    expect(planRetention([], DEFAULT_ON_DEMAND, at('2025-01-01T00:00'))).toEqual([]);
  });
});
