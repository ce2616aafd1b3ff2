// A snapshot dated in the future (a mistyped time, a host whose clock is wrong, one written by an older version)
// at the operations level: the backup refuses such a time unless allowed, such a snapshot never becomes 'latest' or
// the parent silently, and retention never removes the snapshot written last because an older one claims a later
// time (issue 14, row 1). The --time grammar, exit statuses and the text on stderr stay in
// test/e2e/future-snapshot.test.ts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { isStrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { backupPaths } from '../../src/ops/backup.js';
import { type OpContext, withContext } from '../../src/ops/context.js';
import { forget } from '../../src/ops/forget.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restorePaths } from '../../src/ops/restore.js';
import { listFiles, listSnapshots } from '../../src/ops/snapshots.js';
import { Repository } from '../../src/repository/repository.js';
import { parseDateTime } from '../../src/util/time.js';
import { tempDir } from '../e2e/helpers.js';

process.env.SB_FUTURE_PW = 'future-snapshot-test';
const FAR = Date.UTC(9999, 11, 31, 23, 59, 59);
const FAR_ISO = '9999-12-31T23:59:59.000Z';

describe('a snapshot dated in the future', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let spec: RepoSpec;
  let dir: string;
  let warnings: string[];
  const run = <T>(op: (ctx: OpContext) => Promise<T>): Promise<T> =>
    withContext({ emit: (e: OpEvent) => void (e.type === 'warning' && warnings.push(e.message)) }, op);
  const backup = (input: { time?: number; allowFuture?: boolean } = {}) =>
    run((ctx) => backupPaths(spec, { paths: [dir], ...input }, ctx));
  const ids = async () => (await run((ctx) => listSnapshots(spec, {}, ctx))).snapshots.map((s) => s.id).sort();
  const keepLastOne = () => run((ctx) => forget(spec, { apps: [], policy: { last: 1 }, prune: true }, ctx));
  const restoreLatest = async (name: string) => {
    const target = join(tmp.path, name);
    const res = await run((ctx) => restorePaths(spec, { snapshot: 'latest', target }, ctx));
    return { res, content: await readFile(join(target, dir, 'file.txt'), 'utf8') };
  };
  /** The USAGE error an operation throws, or a failure when it does not throw one. */
  const usageError = async (op: Promise<unknown>) => {
    const e = await op.then(
      () => expect.fail('expected the operation to be refused'),
      (err: unknown) => err,
    );
    expect(isStrongboxError(e) && e.code).toBe('USAGE');
    return (e as Error).message;
  };

  beforeEach(async () => {
    tmp = await tempDir('sb-ops-future-');
    spec = { location: join(tmp.path, 'repo'), password: { env: 'SB_FUTURE_PW' } };
    dir = join(tmp.path, 'site');
    warnings = [];
    await run((ctx) => initRepository(spec, ctx));
    await mkdir(dir);
    await writeFile(join(dir, 'file.txt'), 'old content\n');
  });
  afterEach(() => tmp.cleanup());

  it('the reproduction: a 9999 time is refused, and the real backup survives forget keep-last 1 with prune', async () => {
    expect(await usageError(backup({ time: FAR }))).toMatch(new RegExp(`${FAR_ISO} is in the future.*--allow-future`));
    expect(await ids()).toEqual([]);
    await writeFile(join(dir, 'file.txt'), 'new content\n');
    const today = await backup();
    await keepLastOne();
    expect(await ids()).toEqual([today.id]);
    expect((await restoreLatest('out')).content).toBe('new content\n');
    expect(warnings).toEqual([]);
  });

  it('allowed: the snapshot written last is latest, parent and kept; the 9999 one is named in warnings', async () => {
    const future = await backup({ time: FAR, allowFuture: true });
    expect(future.snapshot.time).toBe(FAR_ISO);
    await writeFile(join(dir, 'file.txt'), 'new content\n');
    warnings = [];
    const today = await backup();
    // The only snapshot before it, so its parent, named as dated ahead and written last so far.
    expect(today.parent).toBe(future.id);
    expect(warnings).toEqual([expect.stringContaining('it was written last, so it is used as the newest')]);
    const aheadOf = `snapshot ${future.id.slice(0, 8)} of host ${hostname()} is dated ${FAR_ISO}`;

    warnings = [];
    const res = await keepLastOne();
    // Both stay: the 9999 one is the newest by its claimed time ("last 1/1"), today's is the newest written.
    expect(await ids()).toEqual([future.id, today.id].sort());
    expect(res.removed).toEqual([]);
    const decisions = res.groups.flatMap((g) => g.decisions);
    expect(decisions.find((d) => d.id === future.id)).toMatchObject({ keep: true, aheadMs: expect.any(Number) });
    expect(decisions.find((d) => d.id === future.id)!.aheadMs).toBeGreaterThan(FAR - Date.UTC(2100, 0, 1));
    expect(decisions.find((d) => d.id === today.id)).toMatchObject({ keep: true });
    expect(decisions.find((d) => d.id === today.id)!.aheadMs).toBeUndefined();
    expect(warnings.filter((w) => w.startsWith(aheadOf))).toHaveLength(1);
    expect(warnings.find((w) => w.startsWith(aheadOf))).toContain('retention places it by that time');

    warnings = [];
    const { res: restored, content } = await restoreLatest('out');
    expect(content).toBe('new content\n');
    expect(restored.snapshot).toBe(today.id);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^${aheadOf}, .* ahead of this host's clock; snapshot ${today.id.slice(0, 8)} was written after it`),
      ),
    ]);
    const ls = await run((ctx) => listFiles(spec, 'latest', ctx));
    expect(ls.snapshot).toBe(today.id);
    expect(ls.entries.find((e) => e.path === join(dir, 'file.txt'))?.size).toBe('new content\n'.length);
    // The next backup takes today's snapshot as its parent, not the one claiming the later time.
    expect((await backup()).parent).toBe(today.id);
  });

  it('a future-dated snapshot without a sequence number (an older writer, a wrong clock) loses to the ones written after it', async () => {
    const first = await backup();
    // What an older strongbox, or one on a host whose clock was years ahead, left in the repository.
    const repository = await Repository.open(await openBackend(spec.location), process.env.SB_FUTURE_PW!);
    const { seq: _seq, ...old } = await repository.snapshots.load(first.id);
    const legacy = await repository.snapshots.save({ ...old, time: FAR_ISO });
    await repository.close();
    await writeFile(join(dir, 'file.txt'), 'new content\n');
    const today = await backup();
    expect(today.parent).toBe(first.id);
    await keepLastOne();
    expect(await ids()).toEqual([legacy, today.id].sort());
    expect((await restoreLatest('out')).content).toBe('new content\n');
  });

  it('times outside 1970–9999 are refused, not stored as another year', async () => {
    // The grammar the CLI reads --time with: sign games, expanded years and days that do not exist.
    for (const t of ['-5000-01-01', '+275760-09-13T00:00:00Z', '10000-01-01', '1969-12-31', '2025-02-30']) {
      expect(() => parseDateTime(t, '--time'), t).toThrow(`--time ${t}`);
    }
    // And the operation itself, whoever calls it: what Date.parse made of those, and the limits' neighbours.
    for (const time of [Date.UTC(-5000, 0, 1), 8.64e15, Date.UTC(10000, 0, 1), Date.UTC(1970, 0, 1) - 1, NaN]) {
      expect(await usageError(backup({ time, allowFuture: true })), String(time)).toContain('1970–9999');
    }
    expect(await ids()).toEqual([]);
    const past = await backup({ time: Date.UTC(1970, 0, 1) });
    const listed = (await run((ctx) => listSnapshots(spec, {}, ctx))).snapshots;
    expect(listed.find((s) => s.id === past.id)?.snapshot.time).toBe('1970-01-01T00:00:00.000Z');
  });
});
