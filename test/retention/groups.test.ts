// Which snapshots retention weighs together: per app and trigger, and per what the snapshots hold, so that
// frequent partial backups (`backup --only db`) never take the buckets that keep full backups.
import { describe, expect, it } from 'vitest';
import { planForget } from '../../src/retention/groups.js';
import type { Component, Periodicity, SnapshotRef } from '../../src/repository/snapshot.js';
import type { AppConfig } from '../../src/config/schema.js';

const HOUR = 3600_000;
const db: Component = {
  name: 'main',
  kind: 'database',
  engine: 'postgres',
  format: 'pg_dump-custom',
  tool: 'pg_dump',
  toolVersion: '15',
  database: 'shop',
  content: [],
  size: 0,
  sha256: '',
  durationMs: 0,
};
const files: Component = { name: 'web', kind: 'files', tree: 'ff', paths: ['/var/www/shop'] };

function snap(id: string, time: number, periodicity: Periodicity, components: Component[]): SnapshotRef {
  return {
    id,
    snapshot: {
      version: 1,
      time: new Date(time).toISOString(),
      host: 'web-1',
      username: 'root',
      app: 'shop',
      periodicity,
      trigger: 'scheduled',
      paths: [],
      tags: [],
      parent: null,
      program: 'test',
      components,
    },
  };
}

describe('planForget groups', () => {
  // 60 days: a full daily backup at 02:00, and a database-only hourly backup every hour.
  const start = Date.parse('2025-03-01T00:00:00Z');
  const refs: SnapshotRef[] = [];
  for (let h = 0; h < 60 * 24; h++) {
    const t = start + h * HOUR;
    refs.push(snap(`h${h}`, t + 30 * 60_000, 'hourly', [db]));
    if (h % 24 === 2) refs.push(snap(`d${h}`, t, 'daily', [db, files]));
  }
  const app = {
    id: 'shop',
    periodicities: ['hourly', 'daily'],
    retention: { timeZone: 'UTC' },
  } as unknown as AppConfig;
  const now = start + 60 * 24 * HOUR;
  const plans = planForget({ snapshots: refs, apps: [app], now });
  const group = (name: string) => plans.find((p) => p.name === `app shop, scheduled, ${name}`)!;

  it('keeps database-only and full snapshots apart, and names the groups by what they hold', () => {
    expect(plans.map((p) => p.name).sort()).toEqual([
      'app shop, scheduled, database main',
      'app shop, scheduled, database main + files web',
    ]);
  });

  it('keeps the full backups as if the hourly database-only ones did not exist: 7 daily, 4 weekly, and the rest', () => {
    const full = group('database main + files web')
      .decisions.filter((d) => d.keep)
      .map((d) => d.label);
    expect(full.filter((l) => /^daily/.test(l))).toHaveLength(7);
    expect(full.filter((l) => /^weekly/.test(l))).toHaveLength(4);
    // Exactly what the full backups would keep if they were the app's only snapshots.
    const alone = planForget({ snapshots: refs.filter((r) => r.id.startsWith('d')), apps: [app], now })[0];
    const keptIds = (d: { keep: boolean; id: string }[]) => d.filter((x) => x.keep).map((x) => x.id);
    expect(keptIds(group('database main + files web').decisions)).toEqual(keptIds(alone.decisions));
    // With one group for both, the 23:30 database-only snapshot of each day would be its daily.
    expect(group('database main').decisions.filter((d) => d.keep && /^daily/.test(d.label))).toHaveLength(7);
  });

  it('an app whose snapshots all hold the same components keeps the short group name', () => {
    const only = planForget({ snapshots: refs.filter((r) => r.id.startsWith('d')), apps: [app], now });
    expect(only.map((p) => p.name)).toEqual(['app shop, scheduled']);
  });
});
