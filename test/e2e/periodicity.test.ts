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

  it('--note with a periodicity other than manual, or an unknown periodicity: exit 2 naming the rule, nothing saved', async () => {
    const before = await snapshotCount();
    const forms = [
      ['-r', repo, 'backup', site],
      ['-c', cfg, 'backup', '--app', 'shop'],
    ];
    const cases: [string[], string][] = forms.flatMap((args) => [
      ...['daily', 'shutdown', 'all'].map((p): [string[], string] => [
        [...args, '--periodicity', p, '--note', 'why'],
        '--note is for on-demand (--periodicity manual) backups',
      ]),
      [[...args, '--periodicity', 'yearly'], `--periodicity yearly: use one of ${ALL_VALID}, all`],
    ]);
    const results = await Promise.all(cases.map(([args]) => sb(args, { cwd: tmp.path })));
    results.forEach((r, i) => {
      expect(r.code, cases[i][0].join(' ')).toBe(2);
      expect(r.stderr).toContain(cases[i][1]);
    });
    expect(await snapshotCount()).toBe(before);
  });

  it('snapshots, restore and dump refuse "all", which only a backup takes', async () => {
    const [listing, ...others] = await Promise.all([
      sb(['-r', repo, 'snapshots', '--periodicity', 'all']),
      ...[
        ['restore', 'latest', '--app', 'shop', '--target', join(tmp.path, 'out')],
        ['dump', 'latest', 'db', '--app', 'shop', '-o', join(tmp.path, 'o')],
      ].map((args) => sb(['-c', cfg, ...args, '--periodicity', 'all'], { cwd: tmp.path })),
    ]);
    expect(listing.code).toBe(2);
    expect(listing.stderr).toContain(`--periodicity all: use one of ${ALL_VALID}`);
    expect(listing.stderr).not.toContain(`${ALL_VALID}, all`);
    for (const r of others) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--periodicity all: use one of');
    }
  });

  it('an app backup with --periodicity all prints one saved line per periodicity; a note shows in the table', async () => {
    const r = await sbOk(['-c', cfg, 'backup', '--app', 'shop', '--periodicity', 'all'], 0, { cwd: tmp.path });
    expect(r.stdout.match(/snapshot [0-9a-f]{8} of app shop saved: \w+/g)?.map((l) => l.split(' ').pop())).toEqual(
      TIME_PERIODICITIES,
    );
    const noted = await sbOk(['-r', repo, 'backup', site, '--note', 'before the upgrade to 2.0']);
    const id = /snapshot ([0-9a-f]{8}) saved/.exec(noted.stdout)?.[1];
    expect(id, noted.stdout).toBeDefined();
    const table = (await sbOk(['-r', repo, 'snapshots'])).stdout;
    expect(table.split('\n').find((l) => l.startsWith(id!))).toMatch(/manual .*before the upgrade to 2\.0$/);
  });
});
