// `strongbox forget` through the whole CLI: the default on-demand and scheduled policies, per-app policies
// from the config, the newest of each periodicity kept, plain snapshots left alone without --keep-* flags,
// --dry-run, --explain labels and the --json shape. The CLI's "now" is the wall clock, so on-demand
// snapshots are dated relative to the real time; scheduled ones use fixed dates (their rules ignore "now").
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sbOk, tempDir, jsonOut } from './helpers.js';

const DAY = 86_400_000;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface JsonDecision {
  id: string;
  time: string;
  periodicity?: string;
  keep: boolean;
  rule?: string;
  label: string;
}
interface JsonGroup {
  name: string;
  app?: string;
  trigger?: string;
  policy: Record<string, unknown> | null;
  timeZone: string;
  snapshots: JsonDecision[];
}
interface JsonForget {
  groups: JsonGroup[];
  removed: string[];
  dryRun: boolean;
  prune?: unknown;
}

describe('strongbox forget', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let notes: string;
  /** Snapshot IDs by a readable name: "shop 03-04" (scheduled), "shop -35d" (on-demand), "plain 1". */
  const ids: Record<string, string> = {};
  const nameOf = (id: string) => Object.keys(ids).find((k) => ids[k] === id) ?? id;
  /** A directory with no strongbox.yaml, so only -c names a config. */
  let elsewhere: string;

  const config = async (file: string, location: string) => {
    const site = (id: string) => ({ name: 'web', path: join(tmp.path, id) });
    await writeFile(
      join(tmp.path, file),
      JSON.stringify({
        repositories: { main: { location } },
        apps: [
          { id: 'shop', repository: 'main', periodicities: ['daily'], files: [site('shop')] },
          {
            id: 'blog',
            repository: 'main',
            periodicities: ['daily', 'weekly'],
            files: [site('blog')],
            retention: { scheduled: { daily: 2 }, onDemand: { last: 1 } },
          },
        ],
      }),
    );
    return join(tmp.path, file);
  };
  let cfg: string;
  const sbIn = (args: string[], want = 0) => sbOk(args, want, { cwd: elsewhere });
  const forgetJson = async (args: string[]) => jsonOut((await sbIn(['--json', ...args])).stdout) as JsonForget;
  const group = (out: JsonForget, name: string) => {
    const g = out.groups.find((x) => x.name === name);
    if (!g) throw new Error(`no group "${name}" in ${out.groups.map((x) => x.name).join(', ')}`);
    return g;
  };
  /** A group's plan as name → label ("daily 3/7") or "remove". */
  const labels = (g: JsonGroup) =>
    Object.fromEntries(g.snapshots.map((d) => [nameOf(d.id), d.keep ? d.label : 'remove']));
  const listIds = async (r: string) =>
    (jsonOut((await sbIn(['-r', r, '--json', 'snapshots'])).stdout) as { id: string }[]).map((s) => s.id).sort();
  /** A copy of the fixture repository (and a config naming it), for tests that really remove snapshots. */
  const clone = async (name: string) => {
    const copy = join(tmp.path, name);
    await cp(repo, copy, { recursive: true });
    return { repo: copy, cfg: await config(`${name}.yaml`, copy) };
  };

  beforeAll(async () => {
    tmp = await tempDir('sb-forget-');
    repo = join(tmp.path, 'repo');
    notes = join(tmp.path, 'notes');
    elsewhere = join(tmp.path, 'elsewhere');
    for (const d of ['shop', 'blog', 'notes', 'elsewhere']) await mkdir(join(tmp.path, d));
    for (const d of ['shop', 'blog', 'notes']) await writeFile(join(tmp.path, d, 'index.txt'), `${d}\n`);
    cfg = await config('strongbox.yaml', repo);
    await sbIn(['-r', repo, 'init']);
    const now = Date.now();
    const backup = async (name: string, app: string, periodicity: string, time: string) => {
      const r = await sbIn(['-c', cfg, '--json', 'backup', '--app', app, '--periodicity', periodicity, '--time', time]);
      ids[name] = (jsonOut(r.stdout) as { id: string }).id;
    };
    for (let d = 1; d <= 10; d++)
      await backup(
        `shop 03-${String(d).padStart(2, '0')}`,
        'shop',
        'daily',
        `2026-03-${String(d).padStart(2, '0')}T12:00:00Z`,
      );
    for (const d of [1, 10, 29, 35, 40, 50, 60])
      await backup(`shop -${d}d`, 'shop', 'manual', new Date(now - d * DAY).toISOString());
    await backup('blog weekly 03-01', 'blog', 'weekly', '2026-03-01T12:00:00Z');
    for (let d = 2; d <= 5; d++) await backup(`blog 03-0${d}`, 'blog', 'daily', `2026-03-0${d}T12:00:00Z`);
    for (const d of [1, 2]) await backup(`blog -${d}d`, 'blog', 'manual', new Date(now - d * DAY).toISOString());
    for (const n of [1, 2]) {
      const r = await sbIn([
        '-r',
        repo,
        '--json',
        'backup',
        notes,
        '--time',
        new Date(now - (3 - n) * DAY).toISOString(),
      ]);
      ids[`plain ${n}`] = (jsonOut(r.stdout) as { id: string }).id;
    }
  });
  afterAll(async () => tmp?.cleanup());

  describe('default policies', () => {
    it('on-demand: everything younger than 30 days, then the 3 newest older ones', async () => {
      const g = group(await forgetJson(['-c', cfg, 'forget', '--app', 'shop', '--dry-run']), 'app shop, on-demand');
      expect(g).toMatchObject({ app: 'shop', trigger: 'on-demand', policy: { within: '30d', last: 3 } });
      expect(labels(g)).toEqual({
        'shop -1d': 'within 30d',
        'shop -10d': 'within 30d',
        'shop -29d': 'within 30d',
        'shop -35d': 'last 1/3',
        'shop -40d': 'last 2/3',
        'shop -50d': 'last 3/3',
        'shop -60d': 'remove',
      });
    });

    it('scheduled: 7 daily, 4 weekly, 12 monthly; a kept snapshot is not counted again by a later rule', async () => {
      const g = group(await forgetJson(['-c', cfg, 'forget', '--app', 'shop', '--dry-run']), 'app shop, scheduled');
      expect(g).toMatchObject({ trigger: 'scheduled', policy: { daily: 7, weekly: 4, monthly: 12 }, timeZone: 'UTC' });
      // 2026-03-01 is a Sunday: it is the newest of ISO week 9, the only week the daily rule left uncovered.
      expect(labels(g)).toEqual({
        'shop 03-10': 'daily 1/7',
        'shop 03-09': 'daily 2/7',
        'shop 03-08': 'daily 3/7',
        'shop 03-07': 'daily 4/7',
        'shop 03-06': 'daily 5/7',
        'shop 03-05': 'daily 6/7',
        'shop 03-04': 'daily 7/7',
        'shop 03-03': 'remove',
        'shop 03-02': 'remove',
        'shop 03-01': 'weekly 1/4',
      });
    });
  });

  it("--explain lists every snapshot with its label, under a header naming the group's policy", async () => {
    const out = (await sbIn(['-c', cfg, 'forget', '--app', 'shop', '--dry-run', '--explain'])).stdout;
    expect(out).toMatch(/^app shop, scheduled: policy daily 7, weekly 4, monthly 12: keep 8, remove 2$/m);
    expect(out).toMatch(/^app shop, on-demand: policy within 30d, last 3: keep 6, remove 1$/m);
    const row = (name: string) => out.split('\n').find((l) => l.startsWith(ids[name].slice(0, 8)));
    expect(row('shop 03-08')).toMatch(/^\w{8}\s+2026-03-08 12:00:00\s+daily\s+keep\s+daily 3\/7$/);
    expect(row('shop 03-01')).toMatch(/\s+daily\s+keep\s+weekly 1\/4$/);
    expect(row('shop 03-03')).toMatch(/\s+daily\s+remove$/);
    expect(row('shop -10d')).toMatch(/\s+manual\s+keep\s+within 30d$/);
    expect(row('shop -40d')).toMatch(/\s+manual\s+keep\s+last 2\/3$/);
  });

  it('without --explain or --dry-run, only the removed snapshots are listed', async () => {
    const c = await clone('repo-quiet');
    const out = (await sbIn(['-c', c.cfg, 'forget', '--app', 'shop'])).stdout;
    const rows = out
      .split('\n')
      .filter((l) => /^[0-9a-f]{8} /.test(l))
      .map((l) => nameOf(Object.values(ids).find((id) => l.startsWith(id.slice(0, 8)))!));
    expect(rows.sort()).toEqual(['shop -60d', 'shop 03-02', 'shop 03-03']);
    expect(out).toMatch(/^removed 3 snapshot\(s\)$/m);
  });

  it('--dry-run removes nothing', async () => {
    const before = await listIds(repo);
    const out = (await sbIn(['-c', cfg, '-r', repo, 'forget', '--dry-run'])).stdout;
    expect(out).toMatch(/\sremove\s*$/m);
    expect(out).not.toMatch(/removed/);
    expect(await listIds(repo)).toEqual(before);
    const json = await forgetJson(['-c', cfg, '-r', repo, 'forget', '--dry-run']);
    expect(json).toMatchObject({ dryRun: true, removed: [] });
    expect(json.groups.flatMap((g) => g.snapshots).filter((d) => !d.keep).length).toBeGreaterThan(0);
  });

  describe('per-app policies from the config', () => {
    it('replace the defaults for that app only (blog: daily 2; on demand last 1)', async () => {
      const out = await forgetJson(['-c', cfg, 'forget', '--app', 'blog', '--dry-run']);
      expect(out.groups.map((g) => g.name).sort()).toEqual(['app blog, on-demand', 'app blog, scheduled']);
      expect(group(out, 'app blog, scheduled').policy).toEqual({ daily: 2 });
      expect(group(out, 'app blog, on-demand').policy).toEqual({ last: 1 });
      expect(labels(group(out, 'app blog, on-demand'))).toEqual({ 'blog -1d': 'last 1/1', 'blog -2d': 'remove' });
    });

    it("keep the newest snapshot of each periodicity though no rule does (blog's only weekly)", async () => {
      const g = group(await forgetJson(['-c', cfg, 'forget', '--app', 'blog', '--dry-run']), 'app blog, scheduled');
      expect(labels(g)).toEqual({
        'blog 03-05': 'daily 1/2',
        'blog 03-04': 'daily 2/2',
        'blog 03-03': 'remove',
        'blog 03-02': 'remove',
        'blog weekly 03-01': 'newest weekly',
      });
      expect(g.snapshots.find((d) => d.id === ids['blog weekly 03-01'])).toMatchObject({
        keep: true,
        rule: 'newest',
        periodicity: 'weekly',
      });
    });

    it('--keep-* flags replace the configured policy, and the newest of each periodicity is still kept', async () => {
      const g = group(
        await forgetJson(['-c', cfg, 'forget', '--app', 'blog', '--dry-run', '--keep-last', '1']),
        'app blog, scheduled',
      );
      expect(g.policy).toEqual({ last: 1 });
      expect(labels(g)).toEqual({
        'blog 03-05': 'last 1/1',
        'blog 03-04': 'remove',
        'blog 03-03': 'remove',
        'blog 03-02': 'remove',
        'blog weekly 03-01': 'newest weekly',
      });
    });
  });

  describe('snapshots without an app', () => {
    it('are left alone without --keep-* flags: policy "none", every one labelled "no policy"', async () => {
      const out = (await sbIn(['-c', cfg, '-r', repo, 'forget', '--dry-run', '--explain'])).stdout;
      expect(out).toMatch(
        new RegExp(
          `^host ${escape(hostname())}, paths ${escape(notes)}: policy none \\(give --keep-\\* rules\\): keep 2, remove 0$`,
          'm',
        ),
      );
      for (const n of ['plain 1', 'plain 2']) {
        expect(out.split('\n').find((l) => l.startsWith(ids[n].slice(0, 8)))).toMatch(/\s+manual\s+keep\s+no policy$/);
      }
    });

    it("a real forget of the whole repository applies the apps' policies and keeps every plain snapshot", async () => {
      const c = await clone('repo-all');
      const planned = await forgetJson(['-c', c.cfg, '-r', c.repo, 'forget', '--dry-run']);
      const doomed = planned.groups
        .flatMap((g) => g.snapshots)
        .filter((d) => !d.keep)
        .map((d) => nameOf(d.id))
        .sort();
      expect(doomed).toEqual(['blog -2d', 'blog 03-02', 'blog 03-03', 'shop -60d', 'shop 03-02', 'shop 03-03']);
      const done = await forgetJson(['-c', c.cfg, '-r', c.repo, 'forget']);
      expect(done.dryRun).toBe(false);
      expect(done.removed.map(nameOf).sort()).toEqual(doomed);
      const left = (await listIds(c.repo)).map(nameOf);
      expect(left).toHaveLength(Object.keys(ids).length - doomed.length);
      expect(left).toEqual(expect.arrayContaining(['plain 1', 'plain 2']));
      expect(left.filter((n) => doomed.includes(n))).toEqual([]);
    });

    it('follow --keep-* flags when given', async () => {
      const g = group(
        await forgetJson(['-r', repo, 'forget', '--dry-run', '--keep-last', '1']),
        `host ${hostname()}, paths ${notes}`,
      );
      expect(g.policy).toEqual({ last: 1 });
      expect(labels(g)).toEqual({ 'plain 2': 'last 1/1', 'plain 1': 'remove' });
    });
  });

  it('--json: groups with their policy and a decision per snapshot, the removed IDs, and whether it was a dry run', async () => {
    const out = await forgetJson(['-c', cfg, '-r', repo, 'forget', '--dry-run']);
    expect(Object.keys(out).sort()).toEqual(['dryRun', 'groups', 'outcome', 'removed', 'type']);
    expect(out.groups.map((g) => g.name)).toEqual([
      'app blog, on-demand',
      'app blog, scheduled',
      'app shop, on-demand',
      'app shop, scheduled',
      `host ${hostname()}, paths ${notes}`,
    ]);
    const shop = group(out, 'app shop, scheduled');
    expect(Object.keys(shop).sort()).toEqual(['app', 'name', 'policy', 'snapshots', 'timeZone', 'trigger']);
    expect(shop.snapshots[0]).toEqual({
      id: ids['shop 03-10'],
      time: '2026-03-10T12:00:00.000Z',
      periodicity: 'daily',
      keep: true,
      rule: 'daily',
      label: 'daily 1/7',
    });
    expect(shop.snapshots.find((d) => !d.keep)).toEqual({
      id: ids['shop 03-03'],
      time: '2026-03-03T12:00:00.000Z',
      periodicity: 'daily',
      keep: false,
      label: 'remove',
    });
    const times = shop.snapshots.map((d) => d.time);
    expect(times).toEqual([...times].sort().reverse());
    const plain = out.groups[4];
    expect(plain).not.toHaveProperty('app');
    expect(plain).not.toHaveProperty('trigger');
    expect(plain.policy).toBeNull();
    expect(plain.snapshots.every((d) => d.keep && d.label === 'no policy' && d.rule === undefined)).toBe(true);
  });
});
