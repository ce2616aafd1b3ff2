// A repository with a mirror on local directories, at the operations level: init makes both, a backup writes both
// byte for byte, restores fall back to the mirror for packs deleted or damaged on the primary (and say so), a
// mirror that is down leaves the backup degraded until sync, and the same object damaged on both stores is named.
import { chmod, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { configSchema } from '../../src/config/schema.js';
import { forget } from '../../src/ops/forget.js';
import { status } from '../../src/ops/status.js';
import { backupPaths } from '../../src/ops/backup.js';
import { checkRepo } from '../../src/ops/check.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restorePaths } from '../../src/ops/restore.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import { syncRepo } from '../../src/ops/sync.js';
import { describeTree, diffTrees, type TreeEntry } from '../../src/util/treediff.js';
import { fileBlobs, flipMiddle } from '../e2e/damage.js';
import { tempDir } from '../e2e/helpers.js';
import { randomBytesFor } from '../e2e/proc.js';

process.env.SB_MIRROR_TEST_PW = 'mirror-test';
const MiB = 1024 * 1024;

/** Every object file below a local repository, relative to it (locks left out: they come and go). */
async function objects(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const rel = join(e.parentPath, e.name).slice(dir.length + 1);
    if (e.isFile() && !rel.startsWith('locks/')) out.set(rel, await readFile(join(dir, rel)));
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const packsOf = async (dir: string) => [...(await objects(dir)).keys()].filter((k) => k.startsWith('data/')).sort();

function collect(): {
  ctx: ReturnType<typeof newContext>;
  warnings: string[];
  /** The warnings about one file (the event's path), as the CLI shows them: "PATH: MESSAGE". */
  fileWarnings: string[];
} {
  const warnings: string[] = [];
  const fileWarnings: string[] = [];
  const ctx = newContext({
    emit: (e: OpEvent) => {
      if (e.type !== 'warning') return;
      warnings.push(e.message);
      if (e.path !== undefined) fileWarnings.push(`${e.path}: ${e.message}`);
    },
  });
  return { ctx, warnings, fileWarnings };
}

async function flipByte(file: string, pos: number): Promise<void> {
  await chmod(file, 0o644);
  const fh = await open(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, pos);
    b[0] ^= 0xff;
    await fh.write(b, 0, 1, pos);
  } finally {
    await fh.close();
  }
}

describe('a repository with a mirror (local directories)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let primary: string;
  let mirror: string;
  let spec: RepoSpec;
  /** The source tree (contents, modes, mtimes) as each snapshot of the first test saw it, by snapshot ID. */
  const asOf = new Map<string, Map<string, TreeEntry>>();

  const restoreExact = async (name: string, snapshot = 'latest', expected?: Map<string, TreeEntry>) => {
    const { ctx, warnings } = collect();
    const target = join(tmp.path, name);
    const r = await restorePaths(spec, { snapshot, target }, ctx);
    expect(r.outcome).toBe('ok');
    if (expected === undefined) expect(await diffTrees(src, join(target, src))).toEqual([]);
    else expect(await describeTree(join(target, src))).toEqual(expected);
    // The result carries what the warnings said came from the mirror.
    expect(r.fallbacks ?? []).toEqual(warnings.filter((w) => / (was|were) read from /.test(w)));
    return warnings;
  };
  /** Restores every snapshot (those of the first test) byte-exact; the warnings of all the restores. */
  const restoreEvery = async (name: string) => {
    const listed = (await listSnapshots(spec, {}, newContext())).snapshots.map((s) => s.id);
    expect(listed.sort()).toEqual([...asOf.keys()].sort());
    const warnings: string[] = [];
    for (const [id, tree] of asOf) warnings.push(...(await restoreExact(`${name}-${id}`, id, tree)));
    return warnings;
  };
  const backupAndKeep = async () => {
    const r = await backupPaths(spec, { paths: [src] }, newContext());
    expect(r.degraded).toBeUndefined();
    asOf.set(r.id, await describeTree(src));
  };

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-mirror-');
    src = join(tmp.path, 'src');
    await mkdir(src);
    for (let i = 0; i < 12; i++) await writeFile(join(src, `f-${i}.bin`), randomBytesFor(`mirror:${i}`, 700 * 1024));
    primary = join(tmp.path, 'primary');
    mirror = join(tmp.path, 'mirror');
    spec = { location: primary, password: { env: 'SB_MIRROR_TEST_PW' }, mirrors: [{ location: mirror }] };
  });
  afterAll(async () => tmp?.cleanup());

  it('init creates both stores and two backups write the same objects, byte for byte, to each', async () => {
    const init = await initRepository(spec, newContext(), { packSizeMiB: 1 });
    expect(init.mirrors).toEqual([mirror]);
    await backupAndKeep();
    // The second snapshot has a file the first lacks and a file changed: each needs packs the other does not.
    await writeFile(join(src, 'f-11.bin'), randomBytesFor('mirror:11:changed', 700 * 1024));
    await writeFile(join(src, 'f-12.bin'), randomBytesFor('mirror:12', 700 * 1024));
    await backupAndKeep();
    const [a, b] = [await objects(primary), await objects(mirror)];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [k, v] of a) expect(b.get(k)!.equals(v), k).toBe(true);
    expect((await packsOf(primary)).length).toBeGreaterThanOrEqual(6);
  });

  it("with 30% of the primary's packs deleted, every snapshot restores byte-exact and names each pack read from the mirror", async () => {
    const packs = await packsOf(primary);
    const gone = packs.filter((_, i) => i % 3 === 0);
    for (const p of gone) await rm(join(primary, p));
    const warnings = await restoreEvery('restore-deleted');
    expect(warnings.filter((w) => w.includes('was read from')).length).toBeGreaterThanOrEqual(gone.length);
    for (const p of gone) {
      const name = p.split('/').pop()!;
      expect(
        warnings.some((w) => w.includes(name) && w.includes(mirror) && w.includes('missing')),
        `${name} in ${warnings.join('\n')}`,
      ).toBe(true);
    }
  });

  it("with bytes flipped in the primary's packs, every snapshot restores byte-exact and each damaged pack is named as read from the mirror", async () => {
    const packs = await packsOf(primary);
    const hit = packs.filter((_, i) => i % 2 === 1);
    expect(hit.length).toBeGreaterThanOrEqual(3);
    for (const p of hit) await flipByte(join(primary, p), 100);
    const warnings = await restoreEvery('restore-flipped');
    for (const p of hit) {
      const name = p.split('/').pop()!;
      expect(
        warnings.some((w) =>
          new RegExp(
            `^(data ${name} was|blobs of pack ${name} were|blob [0-9a-f]{64} in pack ${name} was) read from ${escape(mirror)} \\(`,
          ).test(w),
        ),
        `${name} in ${warnings.join('\n')}`,
      ).toBe(true);
    }
  });

  it("check reports per store; sync --repair rewrites the primary's damaged and missing packs; then both check clean", async () => {
    const before = await checkRepo(spec, { readData: { kind: 'all' } }, newContext());
    expect(before.outcome).toBe('errors');
    expect(before.stores!.map((s) => [s.location, s.outcome])).toEqual([
      [primary, 'errors'],
      [mirror, 'ok'],
    ]);
    const s = await syncRepo(spec, { repair: true }, newContext());
    expect(s.outcome).toBe('ok');
    expect(s.stores[0].copied.data).toBeGreaterThan(0);
    expect(s.stores[0].repaired.length).toBeGreaterThan(0);
    const after = await checkRepo(spec, { readData: { kind: 'all' } }, newContext());
    expect(after.stores!.map((x) => [x.location, x.outcome])).toEqual([
      [primary, 'ok'],
      [mirror, 'ok'],
    ]);
    expect((await objects(primary)).size).toBe((await objects(mirror)).size);
  });

  it('a mirror that is down during a backup leaves the backup done but degraded; sync brings the mirror up to date', async () => {
    // The mirror's directory replaced by a file: every write to it fails (ENOTDIR), even for root.
    await rename(mirror, `${mirror}.away`);
    await writeFile(mirror, 'not a directory');
    await writeFile(join(src, 'new.bin'), randomBytesFor('mirror:new', 2 * MiB));
    const { ctx, warnings } = collect();
    const r = await backupPaths(spec, { paths: [src] }, ctx);
    expect(r.outcome).toBe('ok');
    expect(r.degraded?.map((d) => d.store)).toEqual([mirror]);
    expect(warnings.some((w) => w.includes(mirror) && w.includes('degraded'))).toBe(true);
    await rm(mirror);
    await rename(`${mirror}.away`, mirror);
    const snapsMirror = await listSnapshots({ location: mirror, password: spec.password }, {}, newContext());
    expect(snapsMirror.snapshots.map((s) => s.id)).not.toContain(r.id);
    const cfg = configSchema.parse({
      repositories: { main: { location: primary, passwordEnv: 'SB_MIRROR_TEST_PW', mirrors: [{ location: mirror }] } },
      apps: [{ id: 'site', repository: 'main' }],
    });
    const st = await status({}, cfg, cfg.apps, newContext());
    expect(st.outcome).toBe('unhealthy');
    expect(st.repositories[0].stores.map((x) => x.state)).toEqual(['ok', 'behind']);
    expect(st.repositories[0].stores[1].missingSnapshots).toEqual([r.id]);
    expect(st.repositories[0].problems).toEqual([expect.stringContaining(`mirror ${mirror} is degraded: it lacks`)]);
    const s = await syncRepo(spec, {}, newContext());
    expect(s.outcome).toBe('ok');
    expect(s.stores[1].copied.snapshot).toBe(1);
    expect(s.stores[1].copied.data).toBeGreaterThan(0);
    const again = await syncRepo(spec, {}, newContext());
    expect(again.stores.map((x) => x.copied)).toEqual([0, 0].map(() => ({ data: 0, index: 0, key: 0, snapshot: 0 })));
    const after = await checkRepo(spec, { readData: { kind: 'all' } }, newContext());
    expect(after.stores!.map((x) => x.outcome)).toEqual(['ok', 'ok']);
    expect((await status({}, cfg, cfg.apps, newContext())).outcome).toBe('ok');
  });

  it('a snapshot written while the primary was down is listed and restorable, and sync copies it to the primary', async () => {
    await rename(primary, `${primary}.away`);
    await writeFile(primary, 'not a directory');
    await writeFile(join(src, 'newer.bin'), randomBytesFor('mirror:newer', MiB));
    const r = await backupPaths(spec, { paths: [src] }, newContext());
    expect(r.degraded?.map((d) => d.store)).toEqual([primary]);
    await rm(primary);
    await rename(`${primary}.away`, primary);
    const list = await listSnapshots(spec, {}, newContext());
    expect(list.snapshots[0].id).toBe(r.id);
    await restoreExact('restore-mirror-only');
    const s = await syncRepo(spec, {}, newContext());
    expect(s.stores[0].copied.snapshot).toBe(1);
    expect([...(await objects(primary)).keys()].sort()).toEqual([...(await objects(mirror)).keys()].sort());
  });

  it('the same pack damaged on both stores fails the file with an error naming the pack and both stores', async () => {
    // A blob of a file the latest snapshot holds, damaged in the same place on both stores.
    const blob = (await fileBlobs(primary, process.env.SB_MIRROR_TEST_PW)).get(join(src, 'f-3.bin'))![0];
    await flipMiddle(primary, blob);
    await flipMiddle(mirror, blob);
    const pack = `data/${blob.pack.slice(0, 2)}/${blob.pack}`;
    const { ctx, warnings, fileWarnings } = collect();
    const target = join(tmp.path, 'restore-both');
    const r = await restorePaths(spec, { snapshot: 'latest', target }, ctx);
    expect(r.outcome).toBe('incomplete');
    const name = pack.split('/').pop()!;
    // The file that needs the blob is the one left out; its failure names the pack and why each store failed.
    const file = join(target, src, 'f-3.bin');
    expect(r.failed.map((f) => [f.path, f.pack])).toEqual([[file, blob.pack]]);
    const why = `no good copy on any store: ${primary}: authentication failed`;
    expect(r.failed[0].message).toContain(why);
    expect(r.failed[0].message).toContain(`; ${mirror}: authentication failed`);
    // And so does the warning about that file (the CLI prints it as "warning: PATH: MESSAGE").
    expect(fileWarnings.filter((w) => w.startsWith(`${file}: `))).toEqual([`${file}: ${r.failed[0].message}`]);
    const w = warnings.find((m) => m.includes(name) && m.includes(primary) && m.includes(mirror));
    expect(w, warnings.join('\n')).toBeDefined();
    const err = await syncRepo(spec, { repair: true }, newContext());
    expect(err.outcome).toBe('errors');
    expect(err.errors.join('\n')).toContain(name);
  });

  it('sync refuses a mirror that holds another repository, naming it', async () => {
    const other = join(tmp.path, 'other');
    await initRepository({ location: other, password: spec.password }, newContext());
    const err = await syncRepo({ ...spec, mirrors: [{ location: other }] }, {}, newContext()).catch((e: unknown) => e);
    expect(isStrongboxError(err, 'CONFIG'), String(err)).toBe(true);
    expect((err as Error).message).toContain(`the store ${other} holds another repository than ${primary}`);
  });

  it('init refuses a mirror that already holds a repository, naming that store', async () => {
    const fresh = join(tmp.path, 'fresh-primary');
    const err = await initRepository(
      { location: fresh, password: spec.password, mirrors: [{ location: mirror }] },
      newContext(),
    ).catch((e: unknown) => e);
    expect(isStrongboxError(err, 'REPO_EXISTS'), String(err)).toBe(true);
    expect((err as Error).message).toBe(`a repository already exists at ${mirror}`);
  });

  it('a forget needs every store: with the mirror down it changes nothing and names the mirror', async () => {
    const before = (await listSnapshots(spec, {}, newContext())).snapshots.length;
    await rename(mirror, `${mirror}.away`);
    await writeFile(mirror, 'not a directory');
    const err = await forget(spec, { apps: [], policy: { last: 1 }, dryRun: false }, newContext()).catch(
      (e: unknown) => e,
    );
    await rm(mirror);
    await rename(`${mirror}.away`, mirror);
    expect(isStrongboxError(err, 'BACKEND'), String(err)).toBe(true);
    expect((err as Error).message).toContain(`store ${mirror} does not answer`);
    expect((await listSnapshots(spec, {}, newContext())).snapshots.length).toBe(before);
  });
});

describe('sync after a forget and prune that ran without the mirror', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-mirror-forget-');
  });
  afterAll(async () => tmp?.cleanup());

  it('drops what prune removed and sets the forgotten snapshots aside on the mirror instead of copying them back broken', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(src);
    const primary = join(tmp.path, 'primary');
    const mirror = join(tmp.path, 'mirror');
    const password = { env: 'SB_MIRROR_TEST_PW' };
    const spec: RepoSpec = { location: primary, password, mirrors: [{ location: mirror }] };
    await initRepository(spec, newContext(), { packSizeMiB: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      // Each backup replaces the data: the older snapshots' packs are unused once they are forgotten.
      await writeFile(join(src, 'data.bin'), randomBytesFor(`mirror-forget:${i}`, 2 * MiB));
      ids.push((await backupPaths(spec, { paths: [src] }, newContext())).id);
    }
    // The primary alone, as `strongbox -r PRIMARY forget --prune` without the config would.
    await forget(
      { location: primary, password },
      { apps: [], policy: { last: 1 }, prune: true, repackUnused: 0 },
      newContext(),
    );
    const s = await syncRepo(spec, {}, newContext());
    expect(s.outcome).toBe('ok');
    expect(s.quarantined.map((q) => q.id).sort()).toEqual(ids.slice(0, 2).sort());
    expect(s.quarantined.every((q) => q.stores.length === 1 && q.stores[0] === mirror)).toBe(true);
    expect(s.stores[1].removed).toBeGreaterThan(0);
    expect(s.stores[0].copied).toEqual({ data: 0, index: 0, key: 0, snapshot: 0 });
    const after = await checkRepo(spec, { readData: { kind: 'all' } }, newContext());
    expect(after.stores!.map((x) => [x.outcome, x.snapshots])).toEqual([
      ['ok', 1],
      ['ok', 1],
    ]);
    const keys = async (d: string) => [...(await objects(d)).keys()].filter((k) => !k.startsWith('quarantine/')).sort();
    expect(await keys(mirror)).toEqual(await keys(primary));
    expect([...(await objects(mirror)).keys()].filter((k) => k.startsWith('quarantine/snapshot-'))).toHaveLength(2);
  });
});

describe('sync after a copy was cut short on a store (a killed upload where writes are not atomic)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-mirror-short-');
  });
  afterAll(async () => tmp?.cleanup());

  it('finds the copy whose size differs from the other stores, rewrites it from a good one, and both check clean', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'data.bin'), randomBytesFor('mirror-short', 3 * MiB));
    const [primary, mirror] = [join(tmp.path, 'primary'), join(tmp.path, 'mirror')];
    const spec: RepoSpec = {
      location: primary,
      password: { env: 'SB_MIRROR_TEST_PW' },
      mirrors: [{ location: mirror }],
    };
    await initRepository(spec, newContext(), { packSizeMiB: 1 });
    await backupPaths(spec, { paths: [src] }, newContext());
    // The mirror's copy of one pack holds only its first half, under the pack's name.
    const pack = (await packsOf(mirror))[0];
    const full = await readFile(join(mirror, pack));
    await chmod(join(mirror, pack), 0o644);
    await writeFile(join(mirror, pack), full.subarray(0, full.length >> 1));
    const s = await syncRepo(spec, {}, newContext());
    expect(s.outcome).toBe('ok');
    expect(s.stores.map((x) => x.repaired)).toEqual([[], [`data/${pack.split('/').pop()}`]]);
    expect((await readFile(join(mirror, pack))).equals(full)).toBe(true);
    const after = await checkRepo(spec, { readData: { kind: 'all' } }, newContext());
    expect(after.stores!.map((x) => x.outcome)).toEqual(['ok', 'ok']);
  });
});
