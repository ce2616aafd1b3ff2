import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../../src/config/schema.js';
import type { Component, Snapshot } from '../../../src/repository/snapshot.js';
import { planAppRestore } from '../../../src/app/restore-plan.js';

const db: Component = {
  name: 'main',
  kind: 'database',
  engine: 'sqlite',
  format: 'sqlite3-database',
  tool: 'sqlite3',
  toolVersion: '3',
  database: 'app.db',
  content: [],
  size: 0,
  sha256: '',
  durationMs: 0,
};
const web: Component = { name: 'web', kind: 'files', tree: 'ff', paths: ['/var/www/shop'], excludes: ['/old-media/'] };
const snapshot = {
  version: 1,
  time: '2026-01-01T00:00:00Z',
  host: 'h',
  username: 'u',
  app: 'shop',
  paths: [],
  tags: [],
  parent: null,
  program: 't',
  components: [db, web],
} as Snapshot;
const app = {
  id: 'shop',
  files: [{ name: 'web', path: '/var/www/shop', exclude: ['var/cache/'], offloaded: [] }],
  databases: [{ name: 'main', engine: 'sqlite', path: '/var/www/shop/var/app.db' }],
} as unknown as AppConfig;

describe('planAppRestore', () => {
  it('refuses --target without --target-db when databases are selected: they would replace the live ones', () => {
    expect(() => planAppRestore(snapshot, 'abcdef12', app, { target: '/tmp/inspect' })).toThrow(
      /--target moves only file trees, and the selected database \(main\) would be restored into app shop's configured database; add --target-db/,
    );
  });

  it('takes --target with --target-db, or with --only files', () => {
    const both = planAppRestore(snapshot, 'abcdef12', app, { target: '/tmp/inspect', targetDb: '/tmp/inspect/app.db' });
    expect(both.map((s) => (s.kind === 'files' ? s.dest : s.kind === 'database' ? s.target.name : ''))).toEqual([
      '/tmp/inspect/app.db',
      '/tmp/inspect/web',
    ]);
    const files = planAppRestore(snapshot, 'abcdef12', app, { target: '/tmp/inspect', only: 'files' });
    expect(files).toHaveLength(1);
  });

  it("keeps what the snapshot was taken without, what the config excludes now, and the app's SQLite file in the tree", () => {
    const [step] = planAppRestore(snapshot, 'abcdef12', app, { only: 'files' });
    expect(step.kind === 'files' && step.keep).toEqual([
      '/old-media/',
      'var/cache/',
      '/var/app.db',
      '/var/app.db-wal',
      '/var/app.db-shm',
      '/var/app.db-journal',
    ]);
  });
});

describe('planAppRestore with a bucket component', () => {
  const media: Component = {
    name: 'media',
    kind: 'bucket',
    tree: 'ee',
    location: 's3:https://h/assets/m',
    objects: 2,
    size: 9,
    excludes: ['*.tmp'],
  };
  const snap = { ...snapshot, components: [web, media] } as Snapshot;
  const withBucket = {
    ...app,
    buckets: [{ name: 'media', source: 's3:https://h/assets/m', options: { region: 'x' }, exclude: ['cache/'] }],
  } as unknown as AppConfig;

  it('goes back into the configured bucket with its options, keeping what the backup and the config exclude', () => {
    const steps = planAppRestore(snap, 'abcdef12', withBucket, { only: 'files', components: ['media'] });
    expect(steps).toEqual([
      {
        kind: 'bucket',
        component: media,
        dest: { kind: 'bucket', location: 's3:https://h/assets/m', options: { region: 'x' } },
        keep: ['*.tmp', 'cache/'],
      },
    ]);
  });

  it('goes into another bucket with --to-bucket, or under --target DIR as plain files', () => {
    const to = planAppRestore(snap, 'abcdef12', withBucket, { components: ['media'], toBucket: 's3:https://h/copy' });
    expect(to[0]).toMatchObject({
      kind: 'bucket',
      dest: { kind: 'bucket', location: 's3:https://h/copy', options: { region: 'x' } },
    });
    const dir = planAppRestore(snap, 'abcdef12', withBucket, { target: '/tmp/look' });
    expect(dir.map((s) => s.kind === 'bucket' && s.dest)).toEqual([false, { kind: 'dir', dir: '/tmp/look/media' }]);
    // --only db leaves it out, --only files takes it.
    expect(planAppRestore(snap, 'abcdef12', withBucket, { only: 'files' }).map((s) => s.kind)).toEqual([
      'files',
      'bucket',
    ]);
  });

  it('refuses --to-bucket that is not an s3: location, or without exactly one bucket selected', () => {
    expect(() => planAppRestore(snap, 'abcdef12', withBucket, { toBucket: '/srv/x' })).toThrow(
      /--to-bucket \/srv\/x: use s3:/,
    );
    expect(() => planAppRestore(snap, 'abcdef12', withBucket, { toBucket: 's3:https://h/A_bad' })).toThrow(
      /not a valid bucket name/,
    );
    expect(() =>
      planAppRestore(snapshot, 'abcdef12', withBucket, { toBucket: 's3:https://h/copy', only: 'files' }),
    ).toThrow(/--to-bucket names one bucket, but 0/);
    expect(() => planAppRestore(snap, 'abcdef12', app, { components: ['media'] })).toThrow(
      /app shop has no bucket named media to restore into; pass --to-bucket/,
    );
  });
});
