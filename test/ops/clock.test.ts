// Clocks at the operations level, with the clock injected: a host whose clock ran years ahead wrote a snapshot;
// once its clock is right again, the snapshots written after it are the parent, 'latest' and the newest that
// retention keeps, and the one dated ahead is named in warnings. A --time ahead of the clock is refused up front.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { isStrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { backupPaths } from '../../src/ops/backup.js';
import { newContext } from '../../src/ops/context.js';
import { forget } from '../../src/ops/forget.js';
import { initRepository, type RepoSpec, withRepository } from '../../src/ops/repo.js';
import { listSnapshots, resolveRef } from '../../src/ops/snapshots.js';
import { tempDir } from '../e2e/helpers.js';

process.env.SB_CLOCK_PW = 'clock-test';
const spec = (name: string): RepoSpec => ({
  location: `memory:clock-${name}-${process.pid}`,
  password: { env: 'SB_CLOCK_PW' },
});
const NOW = Date.parse('2026-03-10T12:00:00Z');
const AHEAD = Date.parse('2031-01-01T00:00:00Z');

describe('a snapshot written by a host whose clock was years ahead', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let dir: string;
  const warnings: string[] = [];
  const at = (ms: number) =>
    newContext({
      clock: fixedClock(ms),
      emit: (e: OpEvent) => {
        if (e.type === 'warning') warnings.push(e.message);
      },
    });

  beforeAll(async () => {
    tmp = await tempDir('sb-clock-');
    dir = join(tmp.path, 'site');
    await mkdir(dir);
    await writeFile(join(dir, 'a.txt'), 'one\n');
    await initRepository(spec('a'), newContext());
  });
  afterAll(async () => tmp?.cleanup());

  it('does not become parent, latest or the kept newest once later snapshots are written', async () => {
    const skewed = await backupPaths(spec('a'), { paths: [dir] }, at(AHEAD));
    expect(skewed.snapshot).toMatchObject({ seq: 1, time: new Date(AHEAD).toISOString() });

    // The clock is right again: the skewed snapshot is the only candidate, and it was written last, so it is used.
    const fixed = await backupPaths(spec('a'), { paths: [dir] }, at(NOW));
    expect(fixed.parent).toBe(skewed.id);
    expect(fixed.snapshot.seq).toBe(2);
    expect(warnings.pop()).toMatch(
      new RegExp(
        `^snapshot ${skewed.id.slice(0, 8)} of host .* is dated 2031-01-01T00:00:00.000Z, 4y \\d+d ahead .*written last \\(seq 1\\), so it is used`,
      ),
    );

    await writeFile(join(dir, 'a.txt'), 'two\n');
    const next = await backupPaths(spec('a'), { paths: [dir] }, at(NOW + 60_000));
    expect(next.parent).toBe(fixed.id);
    const latest = await withRepository(spec('a'), at(NOW + 120_000), { lock: 'none' }, (repo) =>
      resolveRef(repo, 'latest'),
    );
    expect(latest.id).toBe(next.id);
    expect(warnings.at(-1)).toContain(`snapshot ${next.id.slice(0, 8)} was written after it and is used as the newest`);

    const r = await forget(spec('a'), { apps: [], policy: { last: 1 } }, at(NOW + 180_000));
    expect(r.groups[0].decisions.map((d) => [d.id, d.keep, d.label])).toEqual([
      [skewed.id, true, 'last 1/1'],
      [next.id, true, 'newest'],
      [fixed.id, false, 'remove'],
    ]);
    expect(r.groups[0].decisions[0].aheadMs).toBe(AHEAD - (NOW + 180_000));
    expect(warnings.at(-1)).toMatch(
      /retention places it by that time, and keeps the snapshot written last in any case/,
    );
    const left = (await listSnapshots(spec('a'), {}, newContext())).snapshots.map((s) => s.id);
    expect(left).toEqual([next.id, skewed.id]); // newest written first
  });

  it("refuses a time ahead of the operation's clock before opening the repository", async () => {
    // No repository there: the refusal comes first, without asking for a password.
    const err = await backupPaths(spec('none'), { paths: [dir], time: NOW + 10 * 60_000 }, at(NOW)).catch(
      (e: unknown) => e,
    );
    expect(isStrongboxError(err, 'USAGE'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/2026-03-10T12:10:00.000Z is in the future .*--allow-future/);
    const years = await backupPaths(
      spec('none'),
      { paths: [dir], time: Date.UTC(10000, 0, 1), allowFuture: true },
      at(NOW),
    ).catch((e: unknown) => e);
    expect((years as Error).message).toMatch(/years 1970–9999/);
  });
});
