// Periodicities at the CLI surface: the usage errors of --periodicity and --note (exit 2, the rule on stderr,
// nothing saved) and what a backup with them prints. What the snapshots hold, how the listing filters select and
// what 'latest' of a periodicity restores and dumps are tested at the operations level (test/ops/periodicity.test.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sb, sbOk, tempDir, jsonOut } from './helpers.js';

const TIME_PERIODICITIES = ['hourly', 'daily', 'weekly', 'monthly', 'bimonthly'];
const ALL_VALID = 'hourly, daily, weekly, monthly, bimonthly, shutdown, manual';

describe('--periodicity and --note on the command line', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let site: string;
  let cfg: string;

  beforeAll(async () => {
    tmp = await tempDir('sb-period-usage-');
    repo = join(tmp.path, 'repo');
    site = join(tmp.path, 'site');
    await mkdir(site);
    await writeFile(join(site, 'version.txt'), 'v1');
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

  const snapshotCount = async () => (jsonOut((await sbOk(['-r', repo, '--json', 'snapshots'])).stdout) as []).length;

  it('usage errors exit 2 naming the rule, and a refused backup saves nothing', async () => {
    const before = await snapshotCount();
    const backups = [
      ['-r', repo, 'backup', site],
      ['-c', cfg, 'backup', '--app', 'shop'],
    ];
    const noteOnlyManual = '--note is for on-demand (--periodicity manual) backups';
    // Only a backup takes "all": the listing, restore and dump name the periodicities without it.
    const cases: [string[], string][] = [
      ...backups.flatMap((args) => [
        ...['daily', 'shutdown', 'all'].map((p): [string[], string] => [
          [...args, '--periodicity', p, '--note', 'why'],
          noteOnlyManual,
        ]),
        [[...args, '--periodicity', 'yearly'], `--periodicity yearly: use one of ${ALL_VALID}, all`] as [
          string[],
          string,
        ],
      ]),
      [['-r', repo, 'snapshots', '--periodicity', 'all'], `--periodicity all: use one of ${ALL_VALID}\n`],
      [
        ['-c', cfg, 'restore', 'latest', '--app', 'shop', '--target', join(tmp.path, 'out'), '--periodicity', 'all'],
        `--periodicity all: use one of ${ALL_VALID}\n`,
      ],
      [
        ['-c', cfg, 'dump', 'latest', 'db', '--app', 'shop', '-o', join(tmp.path, 'o'), '--periodicity', 'all'],
        `--periodicity all: use one of ${ALL_VALID}\n`,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => sb(args, { cwd: tmp.path })));
    results.forEach((r, i) => {
      expect(r.code, cases[i][0].join(' ')).toBe(2);
      expect(r.stderr).toContain(cases[i][1]);
    });
    expect(await snapshotCount()).toBe(before);
  });

  it('an app backup with --periodicity all prints one saved line per periodicity; a note shows in the table', async () => {
    const r = await sbOk(['-c', cfg, 'backup', '--app', 'shop', '--periodicity', 'all', '--tag', 'nightly']);
    expect(r.stdout.match(/snapshot [0-9a-f]{8} of app shop saved: \w+/g)?.map((l) => l.split(' ').pop())).toEqual(
      TIME_PERIODICITIES,
    );
    const noted = await sbOk(['-r', repo, 'backup', site, '--note', 'before the upgrade to 2.0']);
    const id = /snapshot ([0-9a-f]{8}) saved/.exec(noted.stdout)?.[1];
    expect(id, noted.stdout).toBeDefined();
    const table = (await sbOk(['-r', repo, 'snapshots'])).stdout;
    expect(table.split('\n').find((l) => l.startsWith(id!))).toMatch(/manual .*before the upgrade to 2\.0$/);
  });

  it('the listing flags reach the query: --app, --periodicity, --tag, --since and --until each narrow it', async () => {
    // Run after the backups above: five tagged app snapshots and one untagged manual one without an app.
    const periods = async (where: string[], flags: string[] = []) =>
      (jsonOut((await sbOk([...where, '--json', 'snapshots', ...flags])).stdout) as { periodicity: string }[])
        .map((s) => s.periodicity)
        .sort();
    const [all, appManual, tagged, before2001, after9000] = await Promise.all([
      periods(['-r', repo]),
      periods(['-c', cfg], ['--app', 'shop', '--periodicity', 'manual']),
      periods(['-r', repo], ['--tag', 'nightly']),
      periods(['-r', repo], ['--until', '2000-12-31']),
      periods(['-r', repo], ['--since', '9000-01-01']),
    ]);
    expect(all).toEqual([...TIME_PERIODICITIES, 'manual'].sort());
    expect(appManual).toEqual([]);
    expect(tagged).toEqual([...TIME_PERIODICITIES].sort());
    expect(before2001).toEqual([]);
    expect(after9000).toEqual([]);
  });
});
