// A restore planned in batches (plan.ts) is the same restore: with batches of a few entries, every boundary falls
// inside directories, between hard links and their first file, and past a damaged blob, and the tree still comes
// back exact (contents, modes, nanosecond mtimes of files and directories, link groups), failures named as before.
import { execFileSync } from 'node:child_process';
import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { backupPaths } from '../../src/ops/backup.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { Repository } from '../../src/repository/repository.js';
import { type BatchLimits, planBatches, type RestoreBatch } from '../../src/restore/plan.js';
import { restore } from '../../src/restore/restorer.js';
import { type Selection, selectSubpath } from '../../src/restore/select.js';
import { diffTrees } from '../../src/util/treediff.js';
import { fileBlobs, flipMiddle, stagingLeftovers } from '../e2e/damage.js';
import { tempDir } from '../e2e/helpers.js';
import { randomBytesFor } from '../e2e/proc.js';

process.env.SB_RESTORE_BATCHES_PW = 'restore-batches';
const PW = process.env.SB_RESTORE_BATCHES_PW;
const TINY: BatchLimits = { entries: 3, blobs: 2 };

const opened: Repository[] = [];

async function openSelection(repoPath: string): Promise<{ repo: Repository; sel: Selection }> {
  const repo = await Repository.open(await openBackend(repoPath), PW);
  await repo.loadIndex();
  const snap = await repo.snapshots.resolve('latest');
  opened.push(repo);
  return { repo, sel: await selectSubpath(repo, snap, '') };
}

describe('restore in batches', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let spec: RepoSpec;

  beforeAll(async () => {
    tmp = await tempDir('sb-restore-batches-');
    src = join(tmp.path, 'src');
    for (const d of ['a/b/c', 'a/d', 'e']) await mkdir(join(src, d), { recursive: true });
    let i = 0;
    for (const d of ['a', 'a/b', 'a/b/c', 'a/d', 'e']) {
      for (let k = 0; k < 4; k++, i++)
        await writeFile(join(src, d, `f${k}.bin`), randomBytesFor(`batches:${i}`, 1000 + 7000 * k));
      await writeFile(join(src, d, 'empty'), '');
    }
    // Two chunks at least: a file larger than the chunker's maximum is cut, so its blobs span placements.
    await writeFile(join(src, 'a/b/large.bin'), randomBytesFor('batches:large', 12 * 1024 * 1024));
    await link(join(src, 'a/b/c/f1.bin'), join(src, 'e/hard-to-c-f1'));
    await link(join(src, 'a/d/f2.bin'), join(src, 'e/hard-to-d-f2'));
    await symlink('../a/b/c/f0.bin', join(src, 'e/sym'));
    // Directory mtimes last: the restore must set each one after everything inside it, whatever batch that was in.
    execFileSync('sh', ['-c', `find '${src}' -type d -exec touch -h -d '2001-02-03 04:05:06.123456789' {} +`]);
    spec = { location: join(tmp.path, 'repo'), password: { env: 'SB_RESTORE_BATCHES_PW' } };
    await initRepository(spec, newContext(), { packSizeMiB: 1 });
    await backupPaths(spec, { paths: [src] }, newContext());
  }, 120_000);
  afterAll(async () => {
    for (const r of opened) await r.close();
    await tmp?.cleanup();
  });

  it('plans every entry once, in batches no larger than the limits, directories opened before and closed after their contents', async () => {
    const { repo, sel } = await openSelection(spec.location);
    const batches: RestoreBatch[] = [];
    for await (const b of planBatches(repo, sel, '/t', TINY)) batches.push(b);
    expect(batches.length).toBeGreaterThan(10);
    expect(batches.map((b) => b.last)).toEqual(batches.map((_, i) => i === batches.length - 1));
    const seen: string[] = [];
    const opened = new Map<string, number>();
    const closed = new Map<string, number>();
    batches.forEach((b, i) => {
      const entries = b.dirs.length + b.symlinks.length + b.files.length + b.hardlinks.length + b.special.length;
      // A batch closes at the limit; one file's blobs are never split, so placements may pass it by one file's worth.
      expect(entries).toBeLessThanOrEqual(TINY.entries);
      for (const d of b.dirs) opened.set(String(d.path), i);
      for (const d of b.dirsDone) closed.set(String(d.path), i);
      for (const e of [...b.dirs, ...b.symlinks, ...b.files, ...b.hardlinks, ...b.special]) seen.push(String(e.path));
      for (const f of b.files) {
        const placed = b.packs
          .flatMap((p) => [...p.blobs.values()].flatMap((x) => x.targets))
          .filter((t) => t.file === f);
        expect(placed.length).toBe(f.node.content?.length ?? 0);
      }
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((p) => p.endsWith('.bin')).length).toBe(21);
    expect([...opened.keys()].sort()).toEqual([...closed.keys()].sort());
    for (const [dir, at] of opened) {
      for (const p of seen.filter((s) => s.startsWith(`${dir}/`))) {
        const where = batches.findIndex((b) =>
          [...b.dirs, ...b.symlinks, ...b.files, ...b.hardlinks].some((e) => String(e.path) === p),
        );
        expect(where).toBeGreaterThanOrEqual(at);
        expect(where).toBeLessThanOrEqual(closed.get(dir)!);
      }
    }
  });

  it('restores the tree exactly with batches of three entries', async () => {
    const { repo, sel } = await openSelection(spec.location);
    const target = join(tmp.path, 'tiny');
    const progress: boolean[] = [];
    const report = await restore(repo, sel, {
      target,
      batch: TINY,
      verify: true,
      onProgress: (p) => progress.push(p.walkDone),
    });
    expect(report.failed).toEqual([]);
    expect(report.stats.hardlinks).toBe(2);
    expect(await diffTrees(src, join(target, src))).toEqual([]);
    expect(progress.at(-1)).toBe(true);
  });

  it('past a damaged blob in a later batch: only that file and its hard link fail, the rest is exact', async () => {
    const damaged = join(tmp.path, 'damaged-repo');
    execFileSync('cp', ['-a', spec.location, damaged]);
    const victim = join(src, 'a/d/f2.bin');
    const blobs = (await fileBlobs(damaged, PW)).get(victim)!;
    await flipMiddle(damaged, blobs[0]);
    const { repo, sel } = await openSelection(damaged);
    const target = join(tmp.path, 'damaged');
    const report = await restore(repo, sel, { target, batch: TINY });
    expect(report.failed.map((f) => f.path).sort()).toEqual(
      [victim, join(src, 'e/hard-to-d-f2')].map((p) => join(target, p)),
    );
    expect(report.failed[0].pack).toBe(blobs[0].pack);
    expect(await stagingLeftovers(target)).toEqual([]);
    // Only the two names of the damaged file are missing; every directory still gets its recorded mtime.
    const diff = await diffTrees(src, join(target, src));
    expect(diff.sort()).toEqual([
      `missing in ${join(target, src)}: a/d/f2.bin`,
      `missing in ${join(target, src)}: e/hard-to-d-f2`,
    ]);
  });
});
