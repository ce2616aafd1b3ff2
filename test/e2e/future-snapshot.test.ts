// The CLI surface of snapshots dated in the future (issue 14, row 1): --time ahead of the clock and dates outside
// 1970–9999 exit 2 naming the flag, and with --allow-future the warnings reach stderr and forget --explain shows
// how far ahead a snapshot is. Which snapshot is latest, parent and kept is tested at the operations level in
// test/ops/future-snapshot.test.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonOut, sb, sbOk, tempDir } from './helpers.js';

describe('a snapshot dated in the future, on the command line', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let dir: string;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);

  beforeEach(async () => {
    tmp = await tempDir('sb-future-');
    repo = join(tmp.path, 'repo');
    dir = join(tmp.path, 'site');
    await r(['init']);
    await mkdir(dir);
    await writeFile(join(dir, 'file.txt'), 'old content\n');
  });
  afterEach(() => tmp.cleanup());

  it('--time 9999 exits 2 saying it is in the future and how to allow it', async () => {
    const refused = await sb(['-r', repo, 'backup', dir, '--time', '9999-12-31T23:59:59Z']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/9999-12-31T23:59:59\.000Z is in the future.*--allow-future/);
  });

  it('with --allow-future: forget --explain and restore name the 9999 snapshot on stderr', async () => {
    const future = jsonOut(
      (await r(['--json', 'backup', dir, '--time', '9999-12-31T23:59:59Z', '--allow-future'])).stdout,
    ) as { id: string };
    const today = jsonOut((await r(['--json', 'backup', dir])).stdout) as { id: string };
    const forget = await r(['forget', '--keep-last', '1', '--prune', '--explain']);
    expect(forget.stderr).toContain(`warning: snapshot ${future.id.slice(0, 8)} of host ${hostname()}`);
    expect(forget.stdout).toMatch(/9999-12-31 23:59:59 \(ahead \d+y \d+d\)/);
    const res = await r(['restore', 'latest', '--target', join(tmp.path, 'out')]);
    expect(res.stdout).toContain(`restored snapshot ${today.id.slice(0, 8)}`);
    expect(res.stderr).toContain(
      `snapshot ${future.id.slice(0, 8)} of host ${hostname()} is dated 9999-12-31T23:59:59.000Z`,
    );
  });

  it('dates outside 1970–9999 and sign games exit 2 naming --time', async () => {
    for (const t of ['-5000-01-01', '10000-01-01', '2025-02-30']) {
      const res = await sb(['-r', repo, 'backup', dir, '--time', t]);
      expect(res.code, `--time ${t}`).toBe(2);
      expect(res.stderr, `--time ${t}`).toContain(`--time ${t}`);
    }
  });
});
