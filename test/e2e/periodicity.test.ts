// Periodicities through the whole CLI: `--periodicity all` records five snapshots sharing all data, the
// listing filters (--periodicity, --tag, --since/--until, --app), `latest` of one periodicity for restore
// and dump, --note on on-demand snapshots, and the usage errors.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/repository/snapshot.js';
import { prng, sb, sbOk, tempDir, jsonOut } from './helpers.js';

const TIME_PERIODICITIES = ['hourly', 'daily', 'weekly', 'monthly', 'bimonthly'];
const ALL_VALID = 'hourly, daily, weekly, monthly, bimonthly, shutdown, manual';

/** A snapshot as `snapshots --json` lists it. */
type Listed = Omit<Snapshot, 'components'> & {
  id: string;
  components: { name: string; kind: string; tree?: string; sha256?: string }[];
};

interface Stats {
  snapshots: number;
  packs: number;
  blobs: number;
  rawBytes: number;
}

/** A directory `site` with a text file saying `version` and 64 KiB of deterministic bytes. */
async function writeSite(dir: string, version: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rnd = prng(7);
  await writeFile(join(dir, 'payload.bin'), Buffer.from(Array.from({ length: 65_536 }, () => Math.floor(rnd() * 256))));
  await writeFile(join(dir, 'version.txt'), version);
}

const sqlite = (db: string, sql: string) => execFileSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' }).trim();

describe('backup --periodicity all', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let site: string;
  let repo: string;
  let cfg: string;
  let plain: Listed[];

  beforeAll(async () => {
    tmp = await tempDir('sb-period-all-');
    site = join(tmp.path, 'site');
    repo = join(tmp.path, 'repo');
    await writeSite(site, 'v1');
    cfg = join(tmp.path, 'strongbox.yaml');
    await writeFile(
      cfg,
      JSON.stringify({
        repositories: { main: { location: join(tmp.path, 'app-repo') } },
        apps: [{ id: 'shop', repository: 'main', files: [{ name: 'web', path: site }] }],
      }),
    );
    await sbOk(['-r', repo, 'init']);
    await sbOk(['-r', repo, '-q', 'backup', site, '--periodicity', 'all']);
    plain = jsonOut((await sbOk(['-r', repo, '--json', 'snapshots'])).stdout) as Listed[];
  });
  afterAll(async () => tmp?.cleanup());

  it('records one scheduled snapshot per time-based periodicity, all at the same time', () => {
    expect(plain.map((s) => s.periodicity).sort()).toEqual([...TIME_PERIODICITIES].sort());
    expect(new Set(plain.map((s) => s.trigger))).toEqual(new Set(['scheduled']));
    expect(new Set(plain.map((s) => s.time)).size).toBe(1);
  });

  it('the five snapshots share one file tree', () => {
    expect(new Set(plain.map((s) => s.components[0].tree)).size).toBe(1);
  });

  it('stores the data once: the same blobs and bytes as a single manual backup of the same files', async () => {
    const single = join(tmp.path, 'repo-single');
    await sbOk(['-r', single, 'init']);
    await sbOk(['-r', single, '-q', 'backup', site]);
    const all = jsonOut((await sbOk(['-r', repo, '--json', 'stats'])).stdout) as Stats;
    const one = jsonOut((await sbOk(['-r', single, '--json', 'stats'])).stdout) as Stats;
    expect(all.snapshots).toBe(5);
    expect({ blobs: all.blobs, packs: all.packs, rawBytes: all.rawBytes }).toEqual({
      blobs: one.blobs,
      packs: one.packs,
      rawBytes: one.rawBytes,
    });
  });

  it('works for an app backup too: five snapshots saved, one component tree', async () => {
    await sbOk(['-r', join(tmp.path, 'app-repo'), 'init']);
    const r = await sbOk(['-c', cfg, 'backup', '--app', 'shop', '--periodicity', 'all']);
    expect(r.stdout.match(/snapshot [0-9a-f]{8} of app shop saved: \w+/g)?.map((l) => l.split(' ').pop())).toEqual(
      TIME_PERIODICITIES,
    );
    const list = jsonOut((await sbOk(['-c', cfg, '--json', 'snapshots', '--app', 'shop'])).stdout) as Listed[];
    expect(list).toHaveLength(5);
    expect(new Set(list.map((s) => s.components.find((c) => c.name === 'web')!.tree)).size).toBe(1);
  });
});

describe('choosing snapshots by periodicity, tag, time and app', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let cfg: string;
  let db: string;
  let site: string;
  /** Snapshot IDs by the version written before each backup. */
  const ids: Record<string, string> = {};
  const run = (args: string[], want = 0) => sbOk(['-c', cfg, ...args], want, { cwd: tmp.path });
  const list = async (args: string[]) =>
    (jsonOut((await run(['--json', 'snapshots', ...args])).stdout) as Listed[])
      .map((s) => Object.keys(ids).find((k) => ids[k] === s.id) ?? s.id)
      .sort();

  beforeAll(async () => {
    tmp = await tempDir('sb-period-select-');
    const repo = join(tmp.path, 'repo');
    site = join(tmp.path, 'site');
    db = join(tmp.path, 'shop.db');
    await writeSite(site, '');
    await writeSite(join(tmp.path, 'blog'), 'blog');
    sqlite(db, 'CREATE TABLE state (version TEXT);');
    cfg = join(tmp.path, 'strongbox.yaml');
    await writeFile(
      cfg,
      JSON.stringify({
        repositories: { main: { location: repo } },
        apps: [
          {
            id: 'shop',
            repository: 'main',
            files: [{ name: 'web', path: site }],
            databases: [{ name: 'db', engine: 'sqlite', path: db }],
          },
          { id: 'blog', repository: 'main', files: [{ name: 'web', path: join(tmp.path, 'blog') }] },
        ],
      }),
    );
    await sbOk(['-r', repo, 'init']);
    // name, app, periodicity, time, extra flags
    const plan: [string, string, string, string, string[]][] = [
      ['A', 'shop', 'daily', '2026-03-01T02:00:00Z', ['--tag', 'nightly']],
      ['B', 'shop', 'weekly', '2026-03-02T03:00:00Z', ['--tag', 'nightly', '--tag', 'offsite']],
      ['C', 'shop', 'daily', '2026-03-03T02:00:00Z', ['--tag', 'offsite']],
      ['D', 'shop', 'manual', '2026-03-04T10:00:00Z', ['--note', 'before the upgrade to 2.0']],
      ['E', 'shop', 'shutdown', '2026-03-05T18:00:00Z', []],
      ['F', 'blog', 'daily', '2026-03-03T04:00:00Z', ['--tag', 'nightly']],
    ];
    for (const [name, app, periodicity, time, extra] of plan) {
      await writeFile(join(site, 'version.txt'), name);
      sqlite(db, `DELETE FROM state; INSERT INTO state VALUES ('${name}');`);
      const r = await run(['--json', 'backup', '--app', app, '--periodicity', periodicity, '--time', time, ...extra]);
      ids[name] = (jsonOut(r.stdout) as { id: string }).id;
    }
  });
  afterAll(async () => tmp?.cleanup());

  it('--periodicity lists only that periodicity', async () => {
    expect(await list(['--app', 'shop', '--periodicity', 'daily'])).toEqual(['A', 'C']);
    expect(await list(['--app', 'shop', '--periodicity', 'weekly'])).toEqual(['B']);
    expect(await list(['--app', 'shop', '--periodicity', 'hourly'])).toEqual([]);
  });

  it('--tag lists snapshots carrying the tag; repeated, every tag must match', async () => {
    expect(await list(['--app', 'shop', '--tag', 'nightly'])).toEqual(['A', 'B']);
    expect(await list(['--app', 'shop', '--tag', 'nightly', '--tag', 'offsite'])).toEqual(['B']);
  });

  it('--since and --until bound the time, both inclusive', async () => {
    expect(await list(['--app', 'shop', '--since', '2026-03-02T03:00:00Z', '--until', '2026-03-03T02:00:00Z'])).toEqual(
      ['B', 'C'],
    );
    expect(await list(['--app', 'shop', '--since', '2026-03-04'])).toEqual(['D', 'E']);
    expect(await list(['--app', 'shop', '--until', '2026-03-02'])).toEqual(['A']);
  });

  it("--app lists only that app's snapshots; filters combine", async () => {
    expect(await list(['--app', 'blog'])).toEqual(['F']);
    expect(await list(['--app', 'shop'])).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(
      await list(['--app', 'shop', '--periodicity', 'daily', '--since', '2026-03-02', '--tag', 'offsite']),
    ).toEqual(['C']);
  });

  it('records the trigger each periodicity implies: scheduled, on-demand for manual, shutdown', async () => {
    const all = jsonOut((await run(['--json', 'snapshots', '--app', 'shop'])).stdout) as Listed[];
    const trigger = (name: string) => all.find((s) => s.id === ids[name])!.trigger;
    expect(['A', 'B', 'C', 'D', 'E'].map(trigger)).toEqual([
      'scheduled',
      'scheduled',
      'scheduled',
      'on-demand',
      'shutdown',
    ]);
  });

  it('restore latest --periodicity weekly picks the newest weekly, though newer daily, manual and shutdown ones exist', async () => {
    const target = join(tmp.path, 'restore-weekly');
    const r = await run([
      'restore',
      'latest',
      '--app',
      'shop',
      '--periodicity',
      'weekly',
      '--only',
      'files',
      '--target',
      target,
    ]);
    expect(r.stdout).toContain(`restored snapshot ${ids.B.slice(0, 8)} `);
    expect(await readFile(join(target, 'web', 'version.txt'), 'utf8')).toBe('B');
  });

  it('restore latest without --periodicity picks the newest of any', async () => {
    const target = join(tmp.path, 'restore-any');
    await run(['restore', 'latest', '--app', 'shop', '--only', 'files', '--target', target]);
    expect(await readFile(join(target, 'web', 'version.txt'), 'utf8')).toBe('E');
  });

  it('dump latest --periodicity picks the newest dump of that periodicity', async () => {
    for (const [periodicity, want] of [
      ['weekly', 'B'],
      ['daily', 'C'],
      ['manual', 'D'],
    ]) {
      const out = join(tmp.path, `dump-${periodicity}.db`);
      await run(['-q', 'dump', 'latest', 'db', '--app', 'shop', '--periodicity', periodicity, '-o', out]);
      expect(sqlite(out, 'SELECT version FROM state;')).toBe(want);
    }
  });

  it("--periodicity with an explicit snapshot ID is refused: it only narrows 'latest'", async () => {
    const r = await sb(
      [
        '-c',
        cfg,
        'restore',
        ids.A.slice(0, 8),
        '--app',
        'shop',
        '--periodicity',
        'daily',
        '--only',
        'files',
        '--target',
        join(tmp.path, 'x'),
      ],
      { cwd: tmp.path },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--periodicity selects among snapshots for 'latest'/);
  });

  it('dump --periodicity also narrows latest without --app (repository given with -r)', async () => {
    const out = join(tmp.path, 'dump-no-app.db');
    const r = await sb([
      '-q',
      '-r',
      join(tmp.path, 'repo'),
      'dump',
      'latest',
      'db',
      '--periodicity',
      'weekly',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(sqlite(out, 'SELECT version FROM state;')).toBe('B');
  });

  it('--note is stored with the on-demand snapshot and shown in the listing', async () => {
    const all = jsonOut(
      (await run(['--json', 'snapshots', '--app', 'shop', '--periodicity', 'manual'])).stdout,
    ) as Listed[];
    expect(all).toMatchObject([
      { id: ids.D, periodicity: 'manual', trigger: 'on-demand', note: 'before the upgrade to 2.0' },
    ]);
    const table = (await run(['snapshots', '--app', 'shop'])).stdout;
    expect(table.split('\n').find((l) => l.startsWith(ids.D.slice(0, 8)))).toMatch(
      /manual .*before the upgrade to 2\.0$/,
    );
  });

  it('snapshots of other periodicities carry no note', async () => {
    const all = jsonOut((await run(['--json', 'snapshots', '--app', 'shop'])).stdout) as Listed[];
    expect(all.filter((s) => s.note !== undefined).map((s) => s.id)).toEqual([ids.D]);
  });
});

describe('--note and --periodicity: what a backup takes and refuses', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let site: string;
  let cfg: string;

  beforeAll(async () => {
    tmp = await tempDir('sb-period-usage-');
    repo = join(tmp.path, 'repo');
    site = join(tmp.path, 'site');
    await writeSite(site, 'v1');
    cfg = join(tmp.path, 'strongbox.yaml');
    await writeFile(
      cfg,
      JSON.stringify({
        repositories: { main: { location: repo } },
        apps: [{ id: 'shop', repository: 'main', files: [{ name: 'web', path: site }] }],
      }),
    );
    await sbOk(['-r', repo, 'init']);
  });
  afterAll(async () => tmp?.cleanup());

  const snapshotCount = async () =>
    (jsonOut((await sbOk(['-r', repo, '--json', 'snapshots'])).stdout) as Listed[]).length;

  it.each([['daily'], ['shutdown'], ['all']])('--note with --periodicity %s: exit 2, nothing saved', async (p) => {
    const before = await snapshotCount();
    for (const args of [
      ['-r', repo, 'backup', site],
      ['-c', cfg, 'backup', '--app', 'shop'],
    ]) {
      const r = await sb([...args, '--periodicity', p, '--note', 'why'], { cwd: tmp.path });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--note is for on-demand (--periodicity manual) backups');
    }
    expect(await snapshotCount()).toBe(before);
  });

  it('an unknown --periodicity: exit 2, naming every valid one', async () => {
    const before = await snapshotCount();
    for (const args of [
      ['-r', repo, 'backup', site],
      ['-c', cfg, 'backup', '--app', 'shop'],
    ]) {
      const r = await sb([...args, '--periodicity', 'yearly'], { cwd: tmp.path });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--periodicity yearly: use one of ${ALL_VALID}, all`);
    }
    expect(await snapshotCount()).toBe(before);
  });

  it('snapshots, restore and dump refuse "all", which only a backup takes', async () => {
    const listing = await sb(['-r', repo, 'snapshots', '--periodicity', 'all']);
    expect(listing.code).toBe(2);
    expect(listing.stderr).toContain(`--periodicity all: use one of ${ALL_VALID}`);
    expect(listing.stderr).not.toContain(`${ALL_VALID}, all`);
    for (const args of [
      ['restore', 'latest', '--app', 'shop', '--target', join(tmp.path, 'out')],
      ['dump', 'latest', 'db', '--app', 'shop', '-o', join(tmp.path, 'o')],
    ]) {
      const r = await sb(['-c', cfg, ...args, '--periodicity', 'all'], { cwd: tmp.path });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--periodicity all: use one of');
    }
  });

  it('a plain backup takes a note without --periodicity (manual is the default)', async () => {
    const { id } = jsonOut((await sbOk(['-r', repo, '--json', 'backup', site, '--note', 'hand-made'])).stdout) as {
      id: string;
    };
    const list = jsonOut((await sbOk(['-r', repo, '--json', 'snapshots'])).stdout) as Listed[];
    expect(list.find((s) => s.id === id)).toMatchObject({
      periodicity: 'manual',
      trigger: 'on-demand',
      note: 'hand-made',
    });
  });
});
