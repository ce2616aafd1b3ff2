// Round trips of generated trees at the operations level: backupPaths, then restorePaths and listFiles on a local
// repository, compared byte for byte and inode for inode (names, types, modes, owners, mtimes to the nanosecond,
// hard links, holes); subpath restores, verify, the listing, and incremental backups against a parent. Also the
// metadata the tree comparison does not cover (owners as root), a name that is not UTF-8, and a FIFO.
// test/e2e/roundtrip.test.ts keeps what the CLI adds: one round trip, the `ls --json` shape, SNAPSHOT:subpath.
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { lchown, lstat, lutimes, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { type BackupOpResult, backupPaths } from '../../src/ops/backup.js';
import { newContext, type OpContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { type RestoreResult, restorePaths } from '../../src/ops/restore.js';
import { listFiles, listSnapshots } from '../../src/ops/snapshots.js';
import { describeTree, diffTrees } from '../../src/util/treediff.js';
import { tempDir } from '../e2e/helpers.js';
import { randomBytesFor } from '../e2e/proc.js';
import { type Fixture, makeTree, mutateTree } from '../e2e/tree-fixture.js';

process.env.SB_OPS_ROUNDTRIP_PW = 'round trip';
const SEEDS = [1, 20251122, 424242];

/** Runs an operation in a fresh context; returns its result and the warnings it reported. */
async function withWarnings<T>(fn: (ctx: OpContext) => Promise<T>): Promise<{ result: T; warnings: OpEvent[] }> {
  const warnings: OpEvent[] = [];
  const ctx = newContext({ emit: (e) => void (e.type === 'warning' && warnings.push(e)) });
  try {
    return { result: await fn(ctx), warnings };
  } finally {
    ctx.scope.close();
  }
}
const run = async <T>(fn: (ctx: OpContext) => Promise<T>): Promise<T> => (await withWarnings(fn)).result;

/** A local repository in DIR, initialised; its spec. */
async function newRepo(dir: string): Promise<RepoSpec> {
  const spec = { location: dir, password: { env: 'SB_OPS_ROUNDTRIP_PW' } };
  await run((ctx) => initRepository(spec, ctx));
  return spec;
}

describe.each(SEEDS)('round trip of a generated tree (seed %i)', (seed) => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let spec: RepoSpec;
  let fx: Fixture;
  let first: BackupOpResult;
  let firstWarnings: OpEvent[];
  const backup = () => withWarnings((ctx) => backupPaths(spec, { paths: [src] }, ctx));
  const restore = (snapshot: string, target: string, more: { overwrite?: boolean; verify?: boolean } = {}) =>
    run((ctx) => restorePaths(spec, { snapshot, target, ...more }, ctx));
  /** Where a restore of the whole snapshot puts the source (its absolute path is rebuilt). */
  const inTarget = (target: string) => join(target, src);
  const full = () => join(tmp.path, 'restore-full');
  let fullRestore: RestoreResult;

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-roundtrip-');
    src = join(tmp.path, 'src');
    await mkdir(src);
    fx = await makeTree(src, seed);
    spec = await newRepo(join(tmp.path, 'repo'));
    ({ result: first, warnings: firstWarnings } = await backup());
    fullRestore = await restore('latest', full());
  });
  afterAll(async () => tmp?.cleanup());

  it('restores every name, type, mode, size, content, symlink target, mtime and hardlink group exactly', async () => {
    expect(await diffTrees(src, inTarget(full()))).toEqual([]);
    expect(first.outcome).toBe('ok');
    expect(first.snapshot.incomplete).toBeUndefined();
    expect(firstWarnings).toEqual([]);
    expect(first.parent).toBeNull();
    expect(fullRestore).toMatchObject({ outcome: 'ok', failed: [], snapshot: first.id, skipped: 0 });
  });

  it('the first backup counts every file as new, hardlinked names included (new + changed + unmodified = files)', () => {
    const s = first.snapshot.summary!;
    expect(s.filesChanged + s.filesUnmodified).toBe(0);
    expect(s.filesNew).toBe(s.files);
  });

  it('restores hardlinked names as one inode, also across directories', async () => {
    for (const group of fx.hardlinks) {
      const stats = await Promise.all(group.map((p) => stat(join(inTarget(full()), p))));
      expect(new Set(stats.map((s) => s.ino)).size).toBe(1);
      expect(stats[0].nlink).toBe(group.length);
    }
    // Every name past the first of a group is a link, not a copy.
    expect(fullRestore.hardlinks).toBe(fx.hardlinks.flat().length - fx.hardlinks.length);
  });

  it('restores the sparse file with holes (fewer blocks than its size)', async () => {
    const restored = await stat(join(inTarget(full()), fx.sparse));
    expect(restored.size).toBe(50 * 1024 * 1024);
    expect(restored.blocks * 512).toBeLessThan(restored.size);
  });

  it('restoring again over the same target with overwrite gives the same tree, hardlinks included', async () => {
    expect((await restore('latest', full(), { overwrite: true })).outcome).toBe('ok');
    expect(await diffTrees(src, inTarget(full()))).toEqual([]);
    for (const group of fx.hardlinks) {
      const inodes = await Promise.all(group.map(async (p) => (await stat(join(inTarget(full()), p))).ino));
      expect(new Set(inodes).size).toBe(1);
    }
  });

  it('restores a subdirectory on its own: its contents land directly in the target', async () => {
    const target = join(tmp.path, 'restore-sub');
    const res = await restore(`latest:${src}/a`, target);
    expect(res).toMatchObject({ outcome: 'ok', subpath: `${src}/a` });
    expect(await diffTrees(join(src, 'a'), target)).toEqual([]);
  });

  it('restores a single file by path, keeping its name', async () => {
    const target = join(tmp.path, 'restore-one');
    expect(await restore(`latest:${src}/big-1.bin`, target)).toMatchObject({ outcome: 'ok', files: 1, dirs: 0 });
    expect((await readFile(join(target, 'big-1.bin'))).equals(await readFile(join(src, 'big-1.bin')))).toBe(true);
  });

  it('restore with verify re-reads every restored file and succeeds', async () => {
    const target = join(tmp.path, 'restore-verify');
    expect(await restore('latest', target, { verify: true })).toMatchObject({ outcome: 'ok', verified: true });
    expect(await diffTrees(src, inTarget(target))).toEqual([]);
  });

  it('the listing names every path of the source with its type and size', async () => {
    const { entries, snapshot } = await run((ctx) => listFiles(spec, `latest:${src}`, ctx));
    expect(snapshot).toBe(first.id);
    const want = await describeTree(src);
    expect(entries.map((e) => e.path).sort()).toEqual([...want.keys()].map((k) => `${src}/${k}`).sort());
    for (const e of entries) {
      const w = want.get(e.path.slice(src.length + 1))!;
      expect(e.type).toBe(w.type);
      if (w.type === 'file') expect(e.size).toBe(w.size);
      if (w.type === 'symlink') expect(e.linktarget).toBe(w.link);
    }
    const whole = await run((ctx) => listFiles(spec, 'latest', ctx));
    expect(whole.entries.map((e) => e.path)).toContain(src);
  });

  it('a second backup after changes restores exactly to the new state and records the first as parent', async () => {
    await mutateTree(src, fx, seed);
    const { result: second, warnings } = await backup();
    expect(warnings).toEqual([]);
    expect(second.parent).toBe(first.id);
    const s = second.snapshot.summary!;
    expect(s.filesChanged).toBeGreaterThan(0);
    expect(s.filesNew).toBeGreaterThan(0);
    expect(s.filesUnmodified).toBeGreaterThan(0);
    const target = join(tmp.path, 'restore-second');
    expect((await restore('latest', target)).snapshot).toBe(second.id);
    expect(await diffTrees(src, inTarget(target))).toEqual([]);
    const { snapshots } = await run((ctx) => listSnapshots(spec, {}, ctx));
    expect(snapshots.map((r) => [r.id, r.snapshot.parent ?? null])).toEqual([
      [second.id, first.id],
      [first.id, null],
    ]);
    // the first snapshot still restores the old state (spot check: the deleted directory is there)
    const old = join(tmp.path, 'restore-first-again');
    await restore(`${first.id.slice(0, 10)}:${src}/deep`, old);
    expect((await lstat(join(old, 'er/than/that'))).isDirectory()).toBe(true);
  });

  it('a third backup of an unchanged tree reports every file unmodified', async () => {
    const s = (await backup()).result.snapshot.summary!;
    expect(s.files).toBeGreaterThan(0);
    expect(s.filesUnmodified).toBe(s.files);
    expect(s.filesNew + s.filesChanged).toBe(0);
  });
});

/** A temporary directory with a `src` in it and a repository beside it, removed after FN. */
async function inScratch(prefix: string, fn: (dir: string, src: string, spec: RepoSpec) => Promise<void>) {
  const tmp = await tempDir(prefix);
  try {
    const src = join(tmp.path, 'src');
    await mkdir(src);
    await fn(tmp.path, src, await newRepo(join(tmp.path, 'repo')));
  } finally {
    await tmp.cleanup();
  }
}

describe('mtimes', () => {
  it('restores mtimes to the nanosecond on files, directories and symbolic links (as stat --format=%y shows them)', () =>
    inScratch('sb-ops-mtime-', async (dir, src, spec) => {
      await mkdir(join(src, 'dir'));
      // Exact on a millisecond, within a microsecond, one nanosecond past a second, and before 1970.
      const times = ['1600000000.123', '1234567890.001', '1700000000.000000001', '1650000000.123456789', '-1.5'];
      for (const [i, t] of times.entries()) {
        await writeFile(join(src, `f${i}`), `file ${i}`);
        execFileSync('touch', ['-m', '-d', `@${t}`, join(src, `f${i}`)]); // touch sets nanoseconds; Node's utimes cannot
      }
      await symlink('f0', join(src, 'link'));
      execFileSync('touch', ['-h', '-m', '-d', '@1500000000.987654321', join(src, 'link')]);
      execFileSync('touch', ['-m', '-d', '@1400000000.000000999', join(src, 'dir')]);
      execFileSync('touch', ['-m', '-d', '@1300000000.111111111', src]);
      const out = join(dir, 'out');
      await run((ctx) => backupPaths(spec, { paths: [src] }, ctx));
      const { result, warnings } = await withWarnings((ctx) =>
        restorePaths(spec, { snapshot: `latest:${src}`, target: out }, ctx),
      );
      expect(result.outcome).toBe('ok');
      expect(warnings).toEqual([]); // none saying mtimes are restored to the microsecond only
      const names = [...times.map((_, i) => `f${i}`), 'link', 'dir'];
      const statY = (root: string) =>
        execFileSync('stat', ['--format=%n %y', ...names], {
          cwd: root,
          env: { ...process.env, TZ: 'UTC' },
        }).toString();
      expect(statY(out)).toBe(statY(src));
      expect(statY(out)).toContain('f2 2023-11-14 22:13:20.000000001 +0000');
      expect(statY(out)).toContain('link 2017-07-14 02:40:00.987654321 +0000');
      expect(await diffTrees(src, out)).toEqual([]);
    }));
});

describe('verify', () => {
  it('re-reads what it restored: a file changed on disk after it was written fails the restore (VERIFY_FAILED)', () =>
    inScratch('sb-ops-verify-', async (dir, src, spec) => {
      await writeFile(join(src, 'empty'), '');
      await writeFile(join(src, 'data.bin'), randomBytesFor('ops-roundtrip-verify', 300_000));
      await run((ctx) => backupPaths(spec, { paths: [src] }, ctx));
      // An empty file is in place before the first pack is read, when the first progress event comes: one byte
      // appended then is on disk when the restore ends.
      const tampering = (target: string, verify: boolean) => {
        let done = false;
        const ctx = newContext({
          emit: (e) => {
            if (e.type !== 'progress' || done) return;
            appendFileSync(join(target, 'empty'), 'x');
            done = true;
          },
        });
        return restorePaths(spec, { snapshot: `latest:${src}`, target, verify }, ctx).finally(() => ctx.scope.close());
      };
      const unverified = join(dir, 'unverified');
      expect((await tampering(unverified, false)).outcome).toBe('ok');
      expect(await readFile(join(unverified, 'empty'), 'utf8')).toBe('x');
      const verified = join(dir, 'verified');
      const err = await tampering(verified, true).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isStrongboxError(err, 'VERIFY_FAILED'), String(err)).toBe(true);
      expect(String(err)).toContain(join(verified, 'empty'));
    }));
});

describe('metadata beyond what diffTrees compares', () => {
  it.skipIf(process.getuid?.() !== 0)(
    'as root, restores numeric owners of files, directories and symlinks, and symlink mtimes',
    () =>
      inScratch('sb-ops-owners-', async (dir, src, spec) => {
        await mkdir(join(src, 'd'));
        await writeFile(join(src, 'd/f'), 'owned\n');
        await symlink('d/f', join(src, 'l'));
        await lchown(join(src, 'd/f'), 1234, 5678);
        await lchown(join(src, 'd'), 1000, 1001);
        await lchown(join(src, 'l'), 4321, 8765);
        await lutimes(join(src, 'l'), 1_555_555_555.5, 1_555_555_555.5);
        await run((ctx) => backupPaths(spec, { paths: [src] }, ctx));
        const out = join(dir, 'out');
        await run((ctx) => restorePaths(spec, { snapshot: `latest:${src}`, target: out }, ctx));
        for (const p of ['d/f', 'd', 'l']) {
          const [a, b] = await Promise.all([lstat(join(src, p)), lstat(join(out, p))]);
          expect({ p, uid: b.uid, gid: b.gid }).toEqual({ p, uid: a.uid, gid: a.gid });
        }
        expect((await lstat(join(out, 'l'))).mtimeMs).toBe(1_555_555_555_500);
      }),
  );

  it('a file whose name is not valid UTF-8 is never silently dropped: restored byte-exact, or the backup is incomplete naming it', () =>
    inScratch('sb-ops-rawname-', async (dir, src, spec) => {
      const rawName = Buffer.concat([Buffer.from('latin1-'), Buffer.from([0xe9, 0xff]), Buffer.from('.txt')]);
      await writeFile(Buffer.concat([Buffer.from(`${src}/`), rawName]), 'bytes in the name\n');
      await writeFile(join(src, 'plain.txt'), 'plain\n');
      const backup = await withWarnings((ctx) => backupPaths(spec, { paths: [src] }, ctx));
      const out = join(dir, 'out');
      await run((ctx) => restorePaths(spec, { snapshot: `latest:${src}`, target: out }, ctx));
      const names = (await readdir(out, { encoding: 'buffer' })).map((b) => b.toString('hex')).sort();
      if (names.includes(rawName.toString('hex'))) {
        const restored = Buffer.concat([Buffer.from(`${out}/`), rawName]);
        expect(await readFile(restored, 'utf8')).toBe('bytes in the name\n');
        expect(backup.result.outcome).toBe('ok');
      } else {
        expect(backup.result.outcome).toBe('incomplete');
        expect(backup.warnings.map((w) => (w.type === 'warning' ? w.path : ''))).toContainEqual(
          expect.stringMatching(/latin1-/),
        );
      }
      expect(await readFile(join(out, 'plain.txt'), 'utf8')).toBe('plain\n');
    }));
});

describe('special files', () => {
  it('a FIFO in the source is recorded without being opened (the backup does not block) and restore warns it is skipped', () =>
    inScratch('sb-ops-fifo-', async (dir, src, spec) => {
      await writeFile(join(src, 'regular.txt'), 'regular\n');
      execFileSync('mkfifo', [join(src, 'pipe')]);
      await run((ctx) => backupPaths(spec, { paths: [src] }, ctx));
      const { entries } = await run((ctx) => listFiles(spec, `latest:${src}`, ctx));
      expect(entries).toContainEqual(expect.objectContaining({ path: `${src}/pipe`, type: 'fifo' }));
      const out = join(dir, 'out');
      const { result, warnings } = await withWarnings((ctx) =>
        restorePaths(spec, { snapshot: `latest:${src}`, target: out }, ctx),
      );
      expect(await readFile(join(out, 'regular.txt'), 'utf8')).toBe('regular\n');
      const pipe = await lstat(join(out, 'pipe')).catch(() => null);
      if (pipe) expect(pipe.isFIFO()).toBe(true);
      else {
        expect(result).toMatchObject({ outcome: 'ok', skipped: 1 });
        expect(warnings).toEqual([
          expect.objectContaining({ path: join(out, 'pipe'), message: expect.stringMatching(/^not restored: fifo/) }),
        ]);
      }
    }));
});
