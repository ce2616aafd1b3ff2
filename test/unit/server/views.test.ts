// Snapshot labels: the place among the app's snapshots of that periodicity, newest first, of the count its
// retention policy keeps ("daily 2/7"); none for on-demand ones kept by age; filters do not change them.
import { expect, it } from 'vitest';
import { appSchema } from '../../../src/config/schema.js';
import type { Snapshot, SnapshotRef } from '../../../src/repository/snapshot.js';
import { snapshotViews } from '../../../src/server/views.js';

const snap = (id: string, time: string, periodicity: Snapshot['periodicity'], seq: number): SnapshotRef => ({
  id,
  snapshot: {
    version: 1,
    time,
    seq,
    host: 'h',
    username: 'u',
    app: 'shop',
    periodicity,
    trigger: periodicity === 'manual' ? 'on-demand' : periodicity === 'shutdown' ? 'shutdown' : 'scheduled',
    paths: [],
    tags: [],
    parent: null,
    program: 'strongbox',
    components: [],
  },
});

it('labels each snapshot by its place and the count its policy keeps', () => {
  const app = appSchema.parse({ id: 'shop', repository: 'main', periodicities: ['daily', 'weekly'] });
  const refs = [
    snap('d1', '2026-01-01T02:30:00Z', 'daily', 1),
    snap('w1', '2026-01-01T02:30:00Z', 'weekly', 2),
    snap('d2', '2026-01-02T02:30:00Z', 'daily', 3),
    snap('m1', '2026-01-02T09:00:00Z', 'manual', 4),
    snap('s1', '2026-01-02T10:00:00Z', 'shutdown', 5),
  ];
  const labels = Object.fromEntries(
    snapshotViews(app, refs, Date.parse('2026-01-03T00:00:00Z')).map((v) => [v.id, v.label]),
  );
  expect(labels).toEqual({ d2: 'daily 1/7', d1: 'daily 2/7', w1: 'weekly 1/4', m1: 'manual 1', s1: 'shutdown 1/5' });
});
