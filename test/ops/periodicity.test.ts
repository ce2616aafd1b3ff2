// Periodicities at the operations level: a backup with "all" records five snapshots sharing all data, the listing
// filters (periodicity, tags, since/until, app), 'latest' of one periodicity for restore and dump, and notes on
// on-demand snapshots. The CLI's flag parsing and usage errors stay in test/e2e/periodicity.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, configSchema } from '../../src/config/schema.js';
import { isStrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { backupPaths } from '../../src/ops/backup.js';
import { backupApps } from '../../src/ops/backup-app.js';
import { type OpContext, withContext } from '../../src/ops/context.js';
import { dumpComponent } from '../../src/ops/dump.js';
import { repoStats } from '../../src/ops/inspect.js';
import { backupLabelSchema, NOTE_ONLY_MANUAL } from '../../src/ops/inputs.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restorePaths } from '../../src/ops/restore.js';
import { restoreAppSnapshot } from '../../src/ops/restore-app.js';
import { listSnapshots, type SnapshotQuery } from '../../src/ops/snapshots.js';
import { appRepo } from '../../src/ops/target.js';
import {
  parsePeriodicity,
  PERIODICITIES,
  type SnapshotRef,
  TIME_PERIODICITIES,
} from '../../src/repository/snapshot.js';
import { prng, tempDir } from '../e2e/helpers.js';

process.env.SB_PERIODICITY_PW = 'periodicity-test';
const password = { env: 'SB_PERIODICITY_PW' };

/** A directory with a text file saying `version` and 64 KiB of deterministic bytes. */
async function writeSite(dir: string, version: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rnd = prng(7);
  await writeFile(join(dir, 'payload.bin'), Buffer.from(Array.from({ length: 65_536 }, () => Math.floor(rnd() * 256))));
  await writeFile(join(dir, 'version.txt'), version);
}

const sqlite = (db: string, sql: string) => execFileSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' }).trim();

/** Every warning the operations of a test reported, as the CLI would print them. */
const warnings: string[] = [];
const run = <T>(op: (ctx: OpContext) => Promise<T>): Promise<T> =>
  withContext(
    { emit: (e: OpEvent) => void (e.type === 'warning' && warnings.push(`${e.path ?? ''}: ${e.message}`)) },
    op,
  );
const list = async (spec: RepoSpec, q: SnapshotQuery = {}): Promise<SnapshotRef[]> =>
  (await run((ctx) => listSnapshots(spec, q, ctx))).snapshots;

describe('a backup with periodicity "all"', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let site: string;
  let spec: RepoSpec;
  let saved: { id: string; periodicity: string }[];
  let snaps: SnapshotRef[];

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-period-all-');
    site = join(tmp.path, 'site');
    await writeSite(site, 'v1');
    spec = { location: join(tmp.path, 'repo'), password };
    await run((ctx) => initRepository(spec, ctx));
    saved = (await run((ctx) => backupPaths(spec, { paths: [site], periodicity: 'all' }, ctx))).saved;
    snaps = await list(spec);
  });
  afterAll(async () => tmp?.cleanup());

  it('records one scheduled snapshot per time-based periodicity, all at the same time', () => {
    expect(saved.map((s) => s.periodicity)).toEqual(TIME_PERIODICITIES);
    expect(snaps.map((s) => s.id).sort()).toEqual(saved.map((s) => s.id).sort());
    expect(snaps.map((s) => s.snapshot.periodicity).sort()).toEqual([...TIME_PERIODICITIES].sort());
    expect(new Set(snaps.map((s) => s.snapshot.trigger))).toEqual(new Set(['scheduled']));
    expect(new Set(snaps.map((s) => s.snapshot.time)).size).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('the five snapshots share one file tree', () => {
    const trees = snaps.map((s) => s.snapshot.components[0]).map((c) => (c.kind === 'files' ? c.tree : c.kind));
    expect(new Set(trees).size).toBe(1);
  });

  it('stores the data once: the same blobs and bytes as a single manual backup of the same files', async () => {
    const single = { location: join(tmp.path, 'repo-single'), password };
    await run((ctx) => initRepository(single, ctx));
    await run((ctx) => backupPaths(single, { paths: [site] }, ctx));
    const all = await run((ctx) => repoStats(spec, ctx));
    const one = await run((ctx) => repoStats(single, ctx));
    expect(all.snapshots).toBe(5);
    expect(one.snapshots).toBe(1);
    expect({ blobs: all.blobs, packs: all.packs, rawBytes: all.rawBytes }).toEqual({
      blobs: one.blobs,
      packs: one.packs,
      rawBytes: one.rawBytes,
    });
  });

  it('works for an app backup too: five snapshots saved, one component tree', async () => {
    const cfg = configSchema.parse({
      repositories: { main: { location: 'memory:ops-period-all-app', passwordEnv: 'SB_PERIODICITY_PW' } },
      apps: [{ id: 'shop', repository: 'main', files: [{ name: 'web', path: site }] }],
    });
    const appSpec = appRepo({}, cfg, cfg.apps[0]);
    await run((ctx) => initRepository(appSpec, ctx));
    const r = await run((ctx) => backupApps({}, cfg, { apps: cfg.apps, periodicity: 'all' }, ctx));
    expect(r.outcome).toBe('ok');
    expect(r.apps[0].result!.saved.map((s) => s.periodicity)).toEqual(TIME_PERIODICITIES);
    const shop = await list(appSpec, { app: 'shop' });
    expect(shop).toHaveLength(5);
    const webTree = (s: SnapshotRef) => s.snapshot.components.map((c) => (c.kind === 'files' ? c.tree : '')).join();
    expect(new Set(shop.map(webTree)).size).toBe(1);
    expect(webTree(shop[0])).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('choosing snapshots by periodicity, tag, time and app', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let cfg: Config;
  let spec: RepoSpec;
  let db: string;
  let site: string;
  /** Snapshot IDs by the version written before each backup. */
  const ids: Record<string, string> = {};
  const names = async (q: SnapshotQuery) =>
    (await list(spec, q)).map((s) => Object.keys(ids).find((k) => ids[k] === s.id) ?? s.id).sort();
  const ms = (iso: string) => Date.parse(iso);
  const shop = () => cfg.apps.find((a) => a.id === 'shop')!;

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-period-select-');
    site = join(tmp.path, 'site');
    db = join(tmp.path, 'shop.db');
    await writeSite(site, '');
    await writeSite(join(tmp.path, 'blog'), 'blog');
    sqlite(db, 'CREATE TABLE state (version TEXT);');
    cfg = configSchema.parse({
      repositories: { main: { location: 'memory:ops-period-select', passwordEnv: 'SB_PERIODICITY_PW' } },
      apps: [
        {
          id: 'shop',
          repository: 'main',
          files: [{ name: 'web', path: site }],
          databases: [{ name: 'db', engine: 'sqlite', path: db }],
        },
        { id: 'blog', repository: 'main', files: [{ name: 'web', path: join(tmp.path, 'blog') }] },
      ],
    });
    spec = appRepo({}, cfg, shop());
    await run((ctx) => initRepository(spec, ctx));
    // name, app, periodicity, time, tags, note
    const plan: [string, string, 'daily' | 'weekly' | 'manual' | 'shutdown', string, string[], string?][] = [
      ['A', 'shop', 'daily', '2026-03-01T02:00:00Z', ['nightly']],
      ['B', 'shop', 'weekly', '2026-03-02T03:00:00Z', ['nightly', 'offsite']],
      ['C', 'shop', 'daily', '2026-03-03T02:00:00Z', ['offsite']],
      ['D', 'shop', 'manual', '2026-03-04T10:00:00Z', [], 'before the upgrade to 2.0'],
      ['E', 'shop', 'shutdown', '2026-03-05T18:00:00Z', []],
      ['F', 'blog', 'daily', '2026-03-03T04:00:00Z', ['nightly']],
    ];
    for (const [name, app, periodicity, time, tags, note] of plan) {
      await writeFile(join(site, 'version.txt'), name);
      sqlite(db, `DELETE FROM state; INSERT INTO state VALUES ('${name}');`);
      const apps = cfg.apps.filter((a) => a.id === app);
      const input = { apps, periodicity, time: ms(time), tags, ...(note ? { note } : {}) };
      const r = await run((ctx) => backupApps({}, cfg, input, ctx));
      expect(r.outcome).toBe('ok');
      ids[name] = r.apps[0].result!.id;
    }
  }, 60_000);
  afterAll(async () => tmp?.cleanup());

  it('a periodicity lists only that periodicity', async () => {
    expect(await names({ app: 'shop', periodicity: 'daily' })).toEqual(['A', 'C']);
    expect(await names({ app: 'shop', periodicity: 'weekly' })).toEqual(['B']);
    expect(await names({ app: 'shop', periodicity: 'hourly' })).toEqual([]);
  });

  it('a tag lists snapshots carrying it; with several, every tag must match', async () => {
    expect(await names({ app: 'shop', tags: ['nightly'] })).toEqual(['A', 'B']);
    expect(await names({ app: 'shop', tags: ['nightly', 'offsite'] })).toEqual(['B']);
  });

  it('since and until bound the time, both inclusive', async () => {
    expect(await names({ app: 'shop', since: ms('2026-03-02T03:00:00Z'), until: ms('2026-03-03T02:00:00Z') })).toEqual([
      'B',
      'C',
    ]);
    expect(await names({ app: 'shop', since: ms('2026-03-04T00:00:00Z') })).toEqual(['D', 'E']);
    expect(await names({ app: 'shop', until: ms('2026-03-02T00:00:00Z') })).toEqual(['A']);
  });

  it("an app lists only that app's snapshots; filters combine", async () => {
    expect(await names({ app: 'blog' })).toEqual(['F']);
    expect(await names({ app: 'shop' })).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(await names({})).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(
      await names({ app: 'shop', periodicity: 'daily', since: ms('2026-03-02T00:00:00Z'), tags: ['offsite'] }),
    ).toEqual(['C']);
  });

  it('records the trigger each periodicity implies: scheduled, on-demand for manual, shutdown', async () => {
    const all = await list(spec, { app: 'shop' });
    const trigger = (name: string) => all.find((s) => s.id === ids[name])!.snapshot.trigger;
    expect(['A', 'B', 'C', 'D', 'E'].map(trigger)).toEqual([
      'scheduled',
      'scheduled',
      'scheduled',
      'on-demand',
      'shutdown',
    ]);
  });

  it("restoring 'latest' of weekly picks the newest weekly, though newer daily, manual and shutdown ones exist", async () => {
    const target = join(tmp.path, 'restore-weekly');
    const input = { app: shop(), snapshot: 'latest', periodicity: 'weekly' as const, only: 'files' as const, target };
    const r = await run((ctx) => restoreAppSnapshot({}, cfg, input, ctx));
    expect(r).toMatchObject({ outcome: 'ok', snapshot: ids.B, app: 'shop' });
    expect(await readFile(join(target, 'web', 'version.txt'), 'utf8')).toBe('B');
  });

  it("restoring 'latest' without a periodicity picks the newest of any", async () => {
    const target = join(tmp.path, 'restore-any');
    const r = await run((ctx) =>
      restoreAppSnapshot({}, cfg, { app: shop(), snapshot: 'latest', only: 'files', target }, ctx),
    );
    expect(r.snapshot).toBe(ids.E);
    expect(await readFile(join(target, 'web', 'version.txt'), 'utf8')).toBe('E');
  });

  it("dumping 'latest' of a periodicity picks the newest dump of that periodicity", async () => {
    for (const [periodicity, want] of [
      ['weekly', 'B'],
      ['daily', 'C'],
      ['manual', 'D'],
    ] as const) {
      const output = join(tmp.path, `dump-${periodicity}.db`);
      const input = { snapshot: 'latest', component: 'db', app: 'shop', periodicity, output };
      const r = await run((ctx) => dumpComponent(spec, input, ctx));
      expect(r.snapshot).toBe(ids[want]);
      expect(sqlite(output, 'SELECT version FROM state;')).toBe(want);
    }
  });

  it("a periodicity with an explicit snapshot ID is refused (USAGE): it only narrows 'latest'", async () => {
    const refused = /--periodicity selects among snapshots for 'latest'/;
    const target = join(tmp.path, 'x');
    const snapshot = ids.A.slice(0, 8);
    const attempts: Promise<unknown>[] = [
      run((ctx) =>
        restoreAppSnapshot({}, cfg, { app: shop(), snapshot, periodicity: 'daily', only: 'files', target }, ctx),
      ),
      run((ctx) => restorePaths(spec, { snapshot, periodicity: 'daily', target }, ctx)),
      run((ctx) =>
        dumpComponent(spec, { snapshot, component: 'db', periodicity: 'daily', output: join(target, 'd') }, ctx),
      ),
    ];
    for (const attempt of attempts) {
      const err = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      expect(isStrongboxError(err, 'USAGE'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(refused);
    }
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });

  it("a dump's periodicity also narrows 'latest' without an app", async () => {
    const output = join(tmp.path, 'dump-no-app.db');
    const input = { snapshot: 'latest', component: 'db', periodicity: 'weekly' as const, output };
    const r = await run((ctx) => dumpComponent(spec, input, ctx));
    expect(r.snapshot).toBe(ids.B);
    expect(sqlite(output, 'SELECT version FROM state;')).toBe('B');
  });

  it('a note is stored with the on-demand snapshot and listed with it', async () => {
    const manual = await list(spec, { app: 'shop', periodicity: 'manual' });
    expect(manual.map((s) => ({ id: s.id, ...s.snapshot }))).toMatchObject([
      { id: ids.D, periodicity: 'manual', trigger: 'on-demand', note: 'before the upgrade to 2.0' },
    ]);
  });

  it('snapshots of other periodicities carry no note', async () => {
    const all = await list(spec, {});
    expect(all.filter((s) => s.snapshot.note !== undefined).map((s) => s.id)).toEqual([ids.D]);
  });

  it('no operation above warned', () => {
    expect(warnings).toEqual([]);
  });
});

describe('notes and periodicities: what a backup takes', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-period-note-');
  });
  afterAll(async () => tmp?.cleanup());

  it('a plain backup takes a note without a periodicity (manual is the default)', async () => {
    const site = join(tmp.path, 'site');
    await writeSite(site, 'v1');
    const spec = { location: 'memory:ops-period-note', password };
    await run((ctx) => initRepository(spec, ctx));
    const r = await run((ctx) => backupPaths(spec, { paths: [site], note: 'hand-made' }, ctx));
    expect(r.saved).toEqual([{ id: r.id, periodicity: 'manual' }]);
    const listed = await list(spec);
    expect(listed.find((s) => s.id === r.id)?.snapshot).toMatchObject({
      periodicity: 'manual',
      trigger: 'on-demand',
      note: 'hand-made',
    });
  });

  it.each([['daily'], ['shutdown'], ['all']] as const)(
    'the operations themselves refuse a note with periodicity %s, before anything is stored',
    async (periodicity) => {
      const site = join(tmp.path, `site-note-${periodicity}`);
      await writeSite(site, 'v1');
      const spec = { location: `memory:ops-period-note-${periodicity}`, password };
      await run((ctx) => initRepository(spec, ctx));
      const refused = (e: unknown) => isStrongboxError(e, 'USAGE') && (e as Error).message === NOTE_ONLY_MANUAL;
      const paths = await run((ctx) => backupPaths(spec, { paths: [site], periodicity, note: 'why' }, ctx)).catch(
        (e: unknown) => e,
      );
      expect(refused(paths)).toBe(true);
      const app = configSchema.parse({
        repositories: { main: { location: spec.location, passwordEnv: password.env } },
        apps: [{ id: 'site', repository: 'main', files: [{ name: 'web', path: site }] }],
      });
      const apps = await run((ctx) => backupApps({}, app, { apps: app.apps, periodicity, note: 'why' }, ctx)).catch(
        (e: unknown) => e,
      );
      expect(refused(apps)).toBe(true);
      expect(await list(spec)).toEqual([]);
    },
  );

  // The rules every front end checks a backup request with (the CLI's flags, the HTTP API's body); the CLI's exit
  // status and message for them are in the e2e file.
  it.each([['daily'], ['shutdown'], ['hourly']])('a note with periodicity %s is refused', (periodicity) => {
    const r = backupLabelSchema.safeParse({ periodicity, note: 'why' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toBe(NOTE_ONLY_MANUAL);
  });

  it('a note with periodicity manual, or with none, is taken', () => {
    expect(backupLabelSchema.parse({ periodicity: 'manual', note: 'why' })).toEqual({
      periodicity: 'manual',
      note: 'why',
    });
    expect(backupLabelSchema.parse({ note: 'why' })).toEqual({ periodicity: 'manual', note: 'why' });
  });

  it('"all" is a periodicity only where a backup takes it; an unknown one names every valid one', () => {
    expect(parsePeriodicity('all', true)).toBe('all');
    for (const p of PERIODICITIES) expect(parsePeriodicity(p, false)).toBe(p);
    const valid = PERIODICITIES.join(', ');
    expect(() => parsePeriodicity('all', false)).toThrow(`--periodicity all: use one of ${valid}`);
    expect(() => parsePeriodicity('all', false)).not.toThrow(`${valid}, all`);
    expect(() => parsePeriodicity('yearly', true)).toThrow(`--periodicity yearly: use one of ${valid}, all`);
    const err = (() => {
      try {
        return parsePeriodicity('yearly', false);
      } catch (e) {
        return e;
      }
    })();
    expect(isStrongboxError(err, 'USAGE'), String(err)).toBe(true);
  });
});
