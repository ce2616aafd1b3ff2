// Retention with a snapshot dated in the future in the group (a wrong clock, a mistyped --time): the buckets
// go by the claimed time, but the snapshot written last (highest seq) is never removed.
import { describe, expect, it } from 'vitest';
import { planForget } from '../../src/retention/groups.js';
import { planRetention } from '../../src/retention/plan.js';
import type { SnapshotRef } from '../../src/repository/snapshot.js';
import { at, DAY, kept } from './support.js';

const now = at('2026-03-10T12:00');

describe('a future-dated snapshot in a retention group', () => {
  it('keep-last 1: the 9999 one takes the "last" bucket, and the snapshot written last is kept as newest', () => {
    const plan = planRetention(
      [
        { id: 'future', time: at('9999-12-31T23:59:59'), seq: 1 },
        { id: 'today', time: at('2026-03-10T11:00'), seq: 2 },
      ],
      { last: 1 },
      now,
    );
    expect(plan.map((d) => [d.id, d.keep, d.label])).toEqual([
      ['future', true, 'last 1/1'],
      ['today', true, 'newest'],
    ]);
  });

  it('older snapshots without seq count as written before every snapshot with one', () => {
    const plan = planRetention(
      [
        { id: 'legacy-future', time: at('2030-01-01T00:00') },
        { id: 'legacy', time: at('2026-03-01T00:00') },
        { id: 'new', time: at('2026-03-09T00:00'), seq: 1 },
      ],
      { last: 1 },
      now,
    );
    expect(kept(plan)).toEqual([
      ['2030-01-01T00:00:00Z', 'last 1/1'],
      ['2026-03-09T00:00:00Z', 'newest'],
    ]);
    expect(plan.find((d) => d.id === 'legacy')?.keep).toBe(false);
  });

  it('without seq at all, a snapshot dated in the future is not "newest": the newest not in the future is', () => {
    const plan = planRetention(
      [
        { id: 'a', time: at('2026-03-08T00:00') },
        { id: 'b', time: at('2026-03-09T00:00') },
        { id: 'ahead', time: now + 2 * DAY },
      ],
      { within: '1H' },
      now,
    );
    // "within 1H" keeps the future one (it is younger than an hour by its claim); "newest" still keeps b.
    expect(plan.filter((d) => d.keep).map((d) => [d.id, d.label])).toEqual([
      ['ahead', 'within 1H'],
      ['b', 'newest'],
    ]);
  });

  it('the newest written of each periodicity is kept, whatever another one of it claims', () => {
    const plan = planRetention(
      [
        { id: 'd-future', time: at('2099-01-01T02:00'), seq: 3, periodicity: 'daily' },
        { id: 'w-last', time: at('2026-03-09T02:00'), seq: 5, periodicity: 'weekly' },
        { id: 'd-last', time: at('2026-03-10T02:00'), seq: 4, periodicity: 'daily' },
      ],
      { last: 1 },
      now,
    );
    expect(
      plan
        .filter((d) => d.keep)
        .map((d) => [d.id, d.label])
        .sort(),
    ).toEqual([
      ['d-future', 'last 1/1'],
      ['d-last', 'newest daily'],
      ['w-last', 'newest'],
    ]);
  });

  it('two writers that saw the same snapshots share a seq: the later time wins, unless it is in the future', () => {
    // With no rules, only the newest written is kept.
    const newest = (yTime: number) =>
      planRetention(
        [
          { id: 'x', time: at('2026-03-10T10:00'), seq: 7 },
          { id: 'y', time: yTime, seq: 7 },
          { id: 'old', time: at('2026-03-01T10:00'), seq: 6 },
        ],
        {},
        now,
      )
        .filter((d) => d.keep)
        .map((d) => d.id);
    expect(newest(at('2026-03-10T11:00'))).toEqual(['y']);
    expect(newest(at('2027-01-01T00:00'))).toEqual(['x']);
  });

  it('planForget marks how far a snapshot is ahead of now, for forget to show', () => {
    const ref = (id: string, time: string, seq: number): SnapshotRef => ({
      id,
      snapshot: {
        version: 1,
        time,
        seq,
        host: 'web-1',
        username: 'root',
        paths: ['/srv'],
        tags: [],
        parent: null,
        program: 'test',
        components: [],
      },
    });
    const [g] = planForget({
      snapshots: [
        ref('future', '2026-03-12T12:00:00Z', 1),
        ref('today', '2026-03-10T11:00:00Z', 2),
        ref('skewed', '2026-03-10T12:04:00Z', 3),
      ],
      apps: [],
      flags: { last: 1 },
      now,
    });
    expect(g.decisions.map((d) => [d.id, d.keep, d.aheadMs])).toEqual([
      ['future', true, 2 * DAY],
      ['skewed', true, undefined],
      ['today', false, undefined],
    ]);
  });
});
