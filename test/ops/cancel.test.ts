// Cancellation at the operations level: two backups on different repositories run in one process; aborting one
// stops it promptly (measured in work, not time: it reads little more after the abort; the time to stop is measured by
// `npm run bench`'s cancel section), writes no snapshot and leaves its repository clean for check, while the other
// finishes and restores exactly.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { backupPaths } from '../../src/ops/backup.js';
import { checkRepo } from '../../src/ops/check.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restorePaths } from '../../src/ops/restore.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import { diffTrees } from '../../src/util/treediff.js';
import { tempDir } from '../e2e/helpers.js';

process.env.SB_CANCEL_PW = 'cancel-test';
const spec = (name: string): RepoSpec => ({
  location: `memory:${name}-${process.pid}`,
  password: { env: 'SB_CANCEL_PW' },
});

describe('cancelling one of two concurrent backups in one process', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let big: string;
  let small: string;

  beforeAll(async () => {
    tmp = await tempDir('sb-cancel-');
    big = join(tmp.path, 'big');
    small = join(tmp.path, 'small');
    await mkdir(big);
    await mkdir(small);
    // Incompressible data, so the backup of `big` takes several seconds on two cores.
    for (let i = 0; i < 160; i++) await writeFile(join(big, `f${i}.bin`), randomBytes(4 << 20));
    for (let i = 0; i < 40; i++) await writeFile(join(small, `g${i}.bin`), randomBytes(256 << 10));
    await initRepository(spec('a'), newContext());
    await initRepository(spec('b'), newContext());
  }, 120_000);
  afterAll(async () => tmp?.cleanup());

  it('stops the aborted one promptly (no snapshot, check clean); the other completes and restores exactly', async () => {
    const controller = new AbortController();
    const events: OpEvent[] = [];
    const ctxA = newContext({ signal: controller.signal, emit: (e) => events.push(e) });
    const a = backupPaths(spec('a'), { paths: [big] }, ctxA).then(
      () => null,
      (e: unknown) => e,
    );
    const b = backupPaths(spec('b'), { paths: [small] }, newContext());
    // Abort once the big backup is really under way (files being read).
    while (!events.some((e) => e.type === 'progress' && e.phase === 'files' && e.bytesDone > 0))
      await new Promise((r) => setTimeout(r, 20));
    const bytesDone = () =>
      Math.max(0, ...events.map((e) => (e.type === 'progress' && e.phase === 'files' ? e.bytesDone : 0)));
    const atAbort = bytesDone();
    const t0 = performance.now();
    controller.abort();
    const err = await a;
    const after = bytesDone() - atAbort;
    console.log(
      `cancelled backup stopped ${(performance.now() - t0).toFixed(0)} ms and ${(after / 2 ** 20).toFixed(1)} MiB read after the abort`,
    );
    expect(isStrongboxError(err, 'INTERRUPTED'), String(err)).toBe(true);
    // What was in flight may finish (a few 4 MiB files in the workers), nothing more is started: far less than the
    // 640 MiB the backup would read, however slow the machine.
    expect(after).toBeLessThan(64 * 2 ** 20);
    ctxA.scope.close();

    const done = await b;
    expect(done.outcome).toBe('ok');
    expect((await listSnapshots(spec('a'), {}, newContext())).snapshots).toHaveLength(0);
    const check = await checkRepo(spec('a'), { readData: { kind: 'all' } }, newContext());
    expect(check.errors).toEqual([]);
    const target = join(tmp.path, 'restored');
    await restorePaths(spec('b'), { snapshot: `latest:${small}`, target }, newContext());
    // `latest:<dir>` restores the contents of that directory into the target.
    expect(await diffTrees(small, target)).toEqual([]);
  }, 180_000);
});
