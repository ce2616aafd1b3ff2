// Copying snapshots to another repository with its own password, at the operations level: the copy restores
// byte-exact from the target, a second copy stores nothing, and a new snapshot's copy reads only what changed.
// Files are 200 KiB, below the chunker's 256 KiB minimum, so each is exactly one blob whatever the repository's
// random chunker key (at 600 KiB about one repository in twelve cut a file in two).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import { backupPaths } from '../../src/ops/backup.js';
import { checkRepo } from '../../src/ops/check.js';
import { newContext } from '../../src/ops/context.js';
import { copyRepo } from '../../src/ops/copy.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restorePaths } from '../../src/ops/restore.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import { diffTrees } from '../../src/util/treediff.js';
import { tempDir } from '../e2e/helpers.js';
import { randomBytesFor } from '../e2e/proc.js';

process.env.SB_COPY_SRC_PW = 'copy-source';
process.env.SB_COPY_DST_PW = 'copy-target, another key';

describe('copy to another repository', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let from: RepoSpec;
  let to: RepoSpec;

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-copy-');
    src = join(tmp.path, 'src');
    await mkdir(src);
    for (let i = 0; i < 8; i++) await writeFile(join(src, `f-${i}.bin`), randomBytesFor(`copy:${i}`, 200 * 1024));
    from = { location: join(tmp.path, 'from'), password: { env: 'SB_COPY_SRC_PW' } };
    to = { location: join(tmp.path, 'to'), password: { env: 'SB_COPY_DST_PW' } };
    await initRepository(from, newContext(), { packSizeMiB: 1 });
    await initRepository(to, newContext(), { packSizeMiB: 1 });
    await backupPaths(from, { paths: [src] }, newContext());
    await writeFile(join(src, 'f-0.bin'), randomBytesFor('copy:0:v2', 200 * 1024));
    await backupPaths(from, { paths: [src] }, newContext());
  });
  afterAll(async () => tmp?.cleanup());

  it("copies every snapshot; the newest restores byte-exact from the target with the target's password", async () => {
    const r = await copyRepo(from, { to, snapshots: [] }, newContext());
    expect(r.copied).toHaveLength(2);
    expect(r.blobsAdded).toBeGreaterThan(0);
    const list = await listSnapshots(to, {}, newContext());
    expect(list.snapshots).toHaveLength(2);
    // The newer copy's parent is the older copy, as in the source.
    expect(list.snapshots[0].snapshot.parent).toBe(list.snapshots[1].id);
    const target = join(tmp.path, 'restore');
    await restorePaths(to, { snapshot: 'latest', target }, newContext());
    expect(await diffTrees(src, join(target, src))).toEqual([]);
    expect((await checkRepo(to, { readData: { kind: 'all' } }, newContext())).outcome).toBe('ok');
  });

  it('a second copy copies nothing', async () => {
    const r = await copyRepo(from, { to, snapshots: [] }, newContext());
    expect(r.copied).toEqual([]);
    expect(r.skipped).toHaveLength(2);
    expect(r.blobsAdded).toBe(0);
    expect(r.blobsRead).toBe(0);
  });

  it("a new snapshot is copied reading only the blobs its parent's copy does not name", async () => {
    await writeFile(join(src, 'f-1.bin'), randomBytesFor('copy:1:v2', 200 * 1024));
    const b = await backupPaths(from, { paths: [src] }, newContext());
    const r = await copyRepo(from, { to, snapshots: [b.id.slice(0, 8)] }, newContext());
    expect(r.copied.map((c) => c.source)).toEqual([b.id]);
    expect(r.blobsRead).toBe(1);
    // The changed file's blob, and a new tree for each directory from the root down to src.
    expect(r.blobsAdded).toBe(1 + src.split('/').length);
  });

  it('copies only what --app and --periodicity select', async () => {
    // Every snapshot here is a manual one of no app: a daily selection or another app's is empty.
    const daily = await copyRepo(from, { to, periodicity: 'daily', snapshots: [] }, newContext());
    expect(daily).toMatchObject({ copied: [], skipped: [], blobsRead: 0 });
    const other = await copyRepo(from, { to, app: 'blog', snapshots: [] }, newContext());
    expect(other).toMatchObject({ copied: [], skipped: [] });
    const manual = await copyRepo(from, { to, periodicity: 'manual', snapshots: [] }, newContext());
    expect(manual.skipped).toHaveLength(3);
  });

  it('refuses to copy a repository into itself', async () => {
    const err = await copyRepo(from, { to: from, snapshots: [] }, newContext()).catch((e: unknown) => e);
    expect(isStrongboxError(err, 'USAGE')).toBe(true);
  });
});
