// `strongbox status` and clocks: a host whose clock is ahead (seen against the time the repository's storage
// wrote its snapshot) and a newest snapshot dated in the future are problems (exit 6), not a healthy age.
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppStatus } from '../../src/status/status.js';
import { sbOk, tempDir } from '../e2e/helpers.js';

const HOUR = 3_600_000;

describe('strongbox status and clocks', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let cfg: string;
  let repo: string;
  const run = (args: string[], want = 0) => sbOk(['-c', cfg, ...args], want, { cwd: tmp.path });

  beforeEach(async () => {
    tmp = await tempDir('sb-skew-');
    repo = join(tmp.path, 'repo');
    await sbOk(['-r', repo, 'init']);
    await mkdir(join(tmp.path, 'shop'));
    await writeFile(join(tmp.path, 'shop', 'index.html'), '<h1>shop</h1>\n');
    cfg = join(tmp.path, 'strongbox.yaml');
    await writeFile(
      cfg,
      JSON.stringify({
        repositories: { main: { location: repo } },
        apps: [
          {
            id: 'shop',
            repository: 'main',
            periodicities: ['daily'],
            files: [{ name: 'web', path: join(tmp.path, 'shop') }],
          },
        ],
      }),
    );
  });
  afterEach(async () => tmp?.cleanup());

  it('reports the host whose snapshot claims a time 2 hours after the storage wrote it', async () => {
    await run(['-q', 'backup', '--app', 'shop', '--periodicity', 'daily']);
    // What a network storage with a correct clock records when the writing host's clock runs 2 hours ahead.
    const dir = join(repo, 'snapshots');
    const [name] = await readdir(dir);
    const earlier = new Date(Date.now() - 2 * HOUR);
    await utimes(join(dir, name), earlier, earlier);
    const [shop] = JSON.parse((await run(['--json', 'status', '--app', 'shop'], 6)).stdout) as AppStatus[];
    expect(shop.clocks).toEqual([expect.objectContaining({ host: hostname(), id: name })]);
    expect(shop.clocks![0].aheadMs).toBeGreaterThan(2 * HOUR - 60_000);
    expect(shop.problems).toEqual([
      expect.stringMatching(
        new RegExp(`host ${hostname()}'s clock looks 2h 0m ahead: its snapshot ${name.slice(0, 8)}`),
      ),
    ]);
  });

  it('a healthy repository reports no clock problem', async () => {
    await run(['-q', 'backup', '--app', 'shop', '--periodicity', 'daily']);
    const [shop] = JSON.parse((await run(['--json', 'status', '--app', 'shop'])).stdout) as AppStatus[];
    expect(shop).toMatchObject({ healthy: true, problems: [] });
    expect(shop.clocks).toBeUndefined();
  });

  it('a newest daily dated 2 days ahead is "ahead", not healthy, and names the snapshot and host', async () => {
    const future = new Date(Date.now() + 2 * 24 * HOUR).toISOString();
    await run(['-q', 'backup', '--app', 'shop', '--periodicity', 'daily', '--time', future, '--allow-future']);
    const r = await run(['status', '--app', 'shop'], 6);
    expect(r.stdout).toMatch(/^daily\s+yes\s+ahead\s+1\s/m);
    expect(r.stderr).toMatch(
      new RegExp(
        `problem: app shop: the newest daily snapshot [0-9a-f]{8} of host ${hostname()} is dated ${future.replace(/\./g, '\\.')}, (47h \\d+m|2d 0h) ahead`,
      ),
    );
  });
});
