// Catch-up, decided from the repository's snapshots alone: none of the app and periodicity, or the newest older
// than the last slot, makes one run; a snapshot taken since the slot (by this daemon before a restart, or by
// another host) makes none; and a run about to start finds its slot taken by such a snapshot.
import { describe, expect, it } from 'vitest';
import { catchUpFor, slotTakenBy } from '../../../src/daemon/catchup.js';
import type { BackupJob } from '../../../src/daemon/jobs.js';
import type { Periodicity, SnapshotRef } from '../../../src/repository/snapshot.js';

const daily: BackupJob = {
  kind: 'backup',
  key: 'shop/daily',
  app: 'shop',
  repository: 'main',
  periodicity: 'daily',
  cron: '30 2 * * *',
  timeZone: 'UTC',
  randomDelayMs: 0,
};
const NOW = Date.parse('2026-03-10T12:00:00Z');
let n = 0;
function snap(
  time: string,
  o: { app?: string; periodicity?: Periodicity; seq?: number; host?: string } = {},
): SnapshotRef {
  return {
    id: (++n).toString(16).padStart(64, '0'),
    snapshot: {
      version: 1,
      time,
      seq: o.seq ?? n,
      host: o.host ?? 'web-1',
      username: 'u',
      app: o.app ?? 'shop',
      periodicity: o.periodicity ?? 'daily',
      paths: [],
      tags: [],
      parent: null,
      program: 'strongbox test',
      components: [],
    },
  };
}

describe('catchUpFor', () => {
  it("runs when the app has no snapshot of the periodicity (other apps' and periodicities' do not count)", () => {
    const c = catchUpFor(
      daily,
      [snap('2026-03-10T03:00:00Z', { app: 'blog' }), snap('2026-03-10T03:00:00Z', { periodicity: 'hourly' })],
      NOW,
    );
    expect(c).toMatchObject({ slot: Date.parse('2026-03-10T02:30:00Z'), reason: 'no daily snapshot yet' });
  });

  it('runs once when the newest is older than the last slot, however many slots were missed (down 3 days)', () => {
    const c = catchUpFor(daily, [snap('2026-03-06T02:31:00Z'), snap('2026-03-07T02:31:00Z')], NOW);
    expect(c?.slot).toBe(Date.parse('2026-03-10T02:30:00Z'));
    expect(c?.reason).toMatch(
      /^the newest daily snapshot [0-9a-f]{8} \(2026-03-07T02:31:00Z\) is older than the slot at 2026-03-10T02:30:00.000Z$/,
    );
  });

  it('does not run when a snapshot was taken at or after the last slot (a restart, or another host)', () => {
    expect(catchUpFor(daily, [snap('2026-03-10T02:30:00Z')], NOW)).toBeNull();
    expect(
      catchUpFor(daily, [snap('2026-03-09T02:31:00Z'), snap('2026-03-10T02:45:10Z', { host: 'web-2' })], NOW),
    ).toBeNull();
  });

  it('goes by write order, not claimed time: a snapshot dated ahead but written first does not hide a missed slot', () => {
    const ahead = snap('2031-01-01T00:00:00Z', { seq: 1 });
    const later = snap('2026-03-08T02:31:00Z', { seq: 2 });
    expect(catchUpFor(daily, [ahead, later], NOW)?.slot).toBe(Date.parse('2026-03-10T02:30:00Z'));
    // Written last and dated ahead of this clock: nothing can be told, nothing is taken again.
    expect(catchUpFor(daily, [snap('2031-01-01T00:00:00Z', { seq: 9 })], NOW)).toBeNull();
  });
});

describe('a slot already taken (checked just before a scheduled run starts)', () => {
  const SLOT = Date.parse('2026-03-10T02:30:00Z');
  it.each([
    ['nothing at or after the slot', [snap('2026-03-10T02:29:59.999Z')], undefined],
    ['a snapshot dated at the slot', [snap('2026-03-10T02:30:00.000Z', { host: 'web-2' })], 'web-2'],
    ['another periodicity', [snap('2026-03-10T03:00:00Z', { periodicity: 'hourly' })], undefined],
    ['another app', [snap('2026-03-10T03:00:00Z', { app: 'blog' })], undefined],
    [
      'two: the newest written',
      [snap('2026-03-10T02:31:00Z', { host: 'web-2', seq: 900 }), snap('2026-03-10T02:40:00Z', { seq: 800 })],
      'web-2',
    ],
  ])('%s', (_what, list, host) => {
    expect(slotTakenBy('shop', 'daily', list, SLOT, NOW)?.snapshot.host).toBe(host);
  });
});
