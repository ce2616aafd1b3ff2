// The restore read path at the operations level: an aborted restore leaves no staged file behind and nothing
// half-written under a real name, and a second BlobSource (a mirror) supplies the blobs the repository cannot.
import { execFileSync } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { isStrongboxError } from '../../src/errors.js';
import { backupPaths } from '../../src/ops/backup.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restorePaths } from '../../src/ops/restore.js';
import { repositorySource, withFallback } from '../../src/repository/blob-source.js';
import { Repository } from '../../src/repository/repository.js';
import { restore } from '../../src/restore/restorer.js';
import { selectSubpath } from '../../src/restore/select.js';
import { diffTrees } from '../../src/util/treediff.js';
import { fileBlobs, flipMiddle, stagingLeftovers } from '../e2e/damage.js';
import { tempDir } from '../e2e/helpers.js';
import { randomBytesFor } from '../e2e/proc.js';

process.env.SB_RESTORE_INTEGRITY_PW = 'restore-integrity';
const PW = process.env.SB_RESTORE_INTEGRITY_PW;
const MiB = 1024 * 1024;

describe('restore read path', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let spec: RepoSpec;

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-restore-');
    src = join(tmp.path, 'src');
    await mkdir(src);
    // Sorted first, so its blobs are in the first packs read: a staged file is open when the abort comes.
    await writeFile(join(src, 'a-big.bin'), randomBytesFor('ops-restore:big', 6 * MiB));
    for (let i = 0; i < 10; i++)
      await writeFile(join(src, `b-${i}.bin`), randomBytesFor(`ops-restore:${i}`, 512 * 1024));
    spec = { location: join(tmp.path, 'repo'), password: { env: 'SB_RESTORE_INTEGRITY_PW' } };
    await initRepository(spec, newContext(), { packSizeMiB: 1 });
    await backupPaths(spec, { paths: [src] }, newContext());
  }, 120_000);
  afterAll(async () => tmp?.cleanup());

  it('an abort between packs removes every staged file; no file appears half-written under its name', async () => {
    const controller = new AbortController();
    const target = join(tmp.path, 'aborted');
    // Progress is reported before each pack is read: aborted at the first report, the restore still writes the
    // first pack (a-big.bin is staged then, not yet whole) and stops before the second.
    const ctx = newContext({
      signal: controller.signal,
      emit: (e) => {
        if (e.type === 'progress') controller.abort();
      },
    });
    const staged: (string | Buffer)[] = [];
    const track = ctx.scope.trackFile.bind(ctx.scope);
    ctx.scope.trackFile = (p) => {
      staged.push(p);
      track(p);
    };
    const err = await restorePaths(spec, { snapshot: 'latest', target }, ctx).then(
      () => null,
      (e: unknown) => e,
    );
    expect(staged.length).toBeGreaterThan(0);
    for (const p of staged) await expect(stat(p)).rejects.toThrow(/ENOENT/);
    ctx.scope.close();
    expect(isStrongboxError(err, 'INTERRUPTED'), String(err)).toBe(true);
    expect(await stagingLeftovers(target)).toEqual([]);
    await expect(stat(join(target, src, 'a-big.bin'))).rejects.toThrow(/ENOENT/);
  });

  it('a mirror plugged in with withFallback supplies a damaged blob: the restore is complete and exact', async () => {
    const damaged = join(tmp.path, 'damaged');
    execFileSync('cp', ['-a', spec.location, damaged]);
    const big = (await fileBlobs(damaged, PW)).get(join(src, 'a-big.bin'))!;
    await flipMiddle(damaged, big[Math.floor(big.length / 2)]);
    const primary = await Repository.open(await openBackend(damaged), PW);
    const mirror = await Repository.open(await openBackend(spec.location), PW);
    try {
      await primary.loadIndex();
      await mirror.loadIndex();
      const snap = (await primary.snapshots.list())[0];
      const sel = await selectSubpath(primary, snap, src);
      const alone = await restore(primary, sel, { target: join(tmp.path, 'alone') });
      expect(alone.failed.map((f) => f.path)).toEqual([join(tmp.path, 'alone', 'a-big.bin')]);
      const target = join(tmp.path, 'mirrored');
      const both = await restore(primary, sel, {
        target,
        source: withFallback(repositorySource(primary), repositorySource(mirror)),
      });
      expect(both.failed).toEqual([]);
      expect(await diffTrees(src, target)).toEqual([]);
    } finally {
      await primary.close();
      await mirror.close();
    }
  });
});
