// Whole-CLI round trips of generated trees: backup, restore, compare byte for byte and inode for inode;
// subpath restores, --verify, ls --json, and incremental backups against a parent.
import { lchown, lstat, lutimes, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTree, diffTrees } from '../../src/util/treediff.js';
import { sb, sbOk, tempDir, jsonOut } from './helpers.js';
import { type Fixture, makeTree, mutateTree } from './tree-fixture.js';

interface BackupJson {
  id: string;
  parent: string | null;
  summary: { files: number; dirs: number; filesNew: number; filesChanged: number; filesUnmodified: number };
  incomplete: unknown;
}

const SEEDS = [1, 20251122, 424242];

describe.each(SEEDS)('round trip of a generated tree (seed %i)', (seed) => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repo: string;
  let fx: Fixture;
  let first: BackupJson;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);
  /** Where a restore of the whole snapshot puts the source (its absolute path is rebuilt). */
  const inTarget = (target: string) => join(target, src);

  beforeAll(async () => {
    tmp = await tempDir('sb-roundtrip-');
    src = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    await mkdir(src);
    fx = await makeTree(src, seed);
    await r(['init']);
    first = jsonOut((await r(['--json', 'backup', src])).stdout) as BackupJson;
  });
  afterAll(async () => tmp?.cleanup());

  it('restores every name, type, mode, size, content, symlink target, mtime and hardlink group exactly', async () => {
    const target = join(tmp.path, 'restore-full');
    await r(['restore', 'latest', '--target', target]);
    expect(await diffTrees(src, inTarget(target))).toEqual([]);
    expect(first.incomplete).toBeNull();
    expect(first.parent).toBeNull();
  });

  it('the first backup counts every file as new, hardlinked names included (new + changed + unmodified = files)', () => {
    expect(first.summary.filesChanged + first.summary.filesUnmodified).toBe(0);
    expect(first.summary.filesNew).toBe(first.summary.files);
  });

  it('restores hardlinked names as one inode, also across directories', async () => {
    const target = inTarget(join(tmp.path, 'restore-full'));
    for (const group of fx.hardlinks) {
      const stats = await Promise.all(group.map((p) => stat(join(target, p))));
      expect(new Set(stats.map((s) => s.ino)).size).toBe(1);
      expect(stats[0].nlink).toBe(group.length);
    }
  });

  it('restores the sparse file with holes (fewer blocks than its size)', async () => {
    const restored = await stat(join(inTarget(join(tmp.path, 'restore-full')), fx.sparse));
    expect(restored.size).toBe(50 * 1024 * 1024);
    expect(restored.blocks * 512).toBeLessThan(restored.size);
  });

  it('restoring again over the same target with --overwrite gives the same tree, hardlinks included', async () => {
    const target = join(tmp.path, 'restore-full');
    await r(['restore', 'latest', '--target', target, '--overwrite']);
    expect(await diffTrees(src, inTarget(target))).toEqual([]);
    for (const group of fx.hardlinks) {
      const inodes = await Promise.all(group.map(async (p) => (await stat(join(inTarget(target), p))).ino));
      expect(new Set(inodes).size).toBe(1);
    }
  });

  it('restores a subdirectory on its own: its contents land directly in the target', async () => {
    const target = join(tmp.path, 'restore-sub');
    await r(['restore', `latest:${src}/a`, '--target', target]);
    expect(await diffTrees(join(src, 'a'), target)).toEqual([]);
  });

  it('restores a single file by path, keeping its name', async () => {
    const target = join(tmp.path, 'restore-one');
    await r(['restore', `latest:${src}/big-1.bin`, '--target', target]);
    expect((await readFile(join(target, 'big-1.bin'))).equals(await readFile(join(src, 'big-1.bin')))).toBe(true);
  });

  it('restore --verify re-reads every restored file and succeeds', async () => {
    const target = join(tmp.path, 'restore-verify');
    const out = await r(['restore', 'latest', '--target', target, '--verify']);
    expect(out.stdout).toMatch(/verified/);
    expect(await diffTrees(src, inTarget(target))).toEqual([]);
  });

  it('ls --json lists every path of the source with its type and size', async () => {
    const listed = jsonOut((await r(['--json', 'ls', `latest:${src}`])).stdout) as {
      path: string;
      type: string;
      size: number;
      linktarget?: string;
    }[];
    const want = await describeTree(src);
    expect(listed.map((e) => e.path).sort()).toEqual([...want.keys()].map((k) => `${src}/${k}`).sort());
    for (const e of listed) {
      const w = want.get(e.path.slice(src.length + 1))!;
      expect(e.type).toBe(w.type);
      if (w.type === 'file') expect(e.size).toBe(w.size);
      if (w.type === 'symlink') expect(e.linktarget).toBe(w.link);
    }
    const whole = jsonOut((await r(['--json', 'ls', 'latest'])).stdout) as { path: string }[];
    expect(whole.map((e) => e.path)).toContain(src);
  });

  it('a second backup after changes restores exactly to the new state and records the first as parent', async () => {
    await mutateTree(src, fx, seed);
    const second = jsonOut((await r(['--json', 'backup', src])).stdout) as BackupJson;
    expect(second.parent).toBe(first.id);
    expect(second.summary.filesChanged).toBeGreaterThan(0);
    expect(second.summary.filesNew).toBeGreaterThan(0);
    expect(second.summary.filesUnmodified).toBeGreaterThan(0);
    const target = join(tmp.path, 'restore-second');
    await r(['restore', 'latest', '--target', target]);
    expect(await diffTrees(src, inTarget(target))).toEqual([]);
    const snaps = jsonOut((await r(['--json', 'snapshots'])).stdout) as { id: string; parent: string | null }[];
    expect(snaps).toHaveLength(2);
    expect(snaps[0]).toMatchObject({ id: second.id, parent: first.id });
    // the first snapshot still restores the old state (spot check: the deleted directory is there)
    const old = join(tmp.path, 'restore-first-again');
    await r(['restore', `${first.id.slice(0, 10)}:${src}/deep`, '--target', old]);
    expect((await lstat(join(old, 'er/than/that'))).isDirectory()).toBe(true);
  });

  it('a third backup of an unchanged tree reports every file unmodified', async () => {
    const third = jsonOut((await r(['--json', 'backup', src])).stdout) as BackupJson;
    expect(third.summary.files).toBeGreaterThan(0);
    expect(third.summary.filesUnmodified).toBe(third.summary.files);
    expect(third.summary.filesNew + third.summary.filesChanged).toBe(0);
  });
});

describe('mtimes', () => {
  it('restores mtimes to the nanosecond on files, directories and symbolic links (as stat --format=%y shows them)', async () => {
    const tmp = await tempDir('sb-mtime-');
    try {
      const src = join(tmp.path, 'src');
      await mkdir(join(src, 'dir'), { recursive: true });
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
      const repo = join(tmp.path, 'repo');
      const out = join(tmp.path, 'out');
      await sbOk(['-r', repo, 'init']);
      await sbOk(['-r', repo, 'backup', src]);
      await sbOk(['-r', repo, 'restore', `latest:${src}`, '--target', out]);
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
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('metadata beyond what diffTrees compares', () => {
  it.skipIf(process.getuid?.() !== 0)(
    'as root, restores numeric owners of files, directories and symlinks, and symlink mtimes',
    async () => {
      const tmp = await tempDir('sb-owners-');
      try {
        const src = join(tmp.path, 'src');
        await mkdir(join(src, 'd'), { recursive: true });
        await writeFile(join(src, 'd/f'), 'owned\n');
        await symlink('d/f', join(src, 'l'));
        await lchown(join(src, 'd/f'), 1234, 5678);
        await lchown(join(src, 'd'), 1000, 1001);
        await lchown(join(src, 'l'), 4321, 8765);
        await lutimes(join(src, 'l'), 1_555_555_555.5, 1_555_555_555.5);
        const repo = join(tmp.path, 'repo');
        await sbOk(['-r', repo, 'init']);
        await sbOk(['-r', repo, 'backup', src]);
        const out = join(tmp.path, 'out');
        await sbOk(['-r', repo, 'restore', `latest:${src}`, '--target', out]);
        for (const p of ['d/f', 'd', 'l']) {
          const [a, b] = await Promise.all([lstat(join(src, p)), lstat(join(out, p))]);
          expect({ p, uid: b.uid, gid: b.gid }).toEqual({ p, uid: a.uid, gid: a.gid });
        }
        expect((await lstat(join(out, 'l'))).mtimeMs).toBe(1_555_555_555_500);
      } finally {
        await tmp.cleanup();
      }
    },
  );

  it('a file whose name is not valid UTF-8 is never silently dropped: restored byte-exact, or the backup exits 3 naming it', async () => {
    const tmp = await tempDir('sb-rawname-');
    try {
      const src = join(tmp.path, 'src');
      await mkdir(src);
      const raw = Buffer.concat([Buffer.from(`${src}/latin1-`), Buffer.from([0xe9, 0xff]), Buffer.from('.txt')]);
      await writeFile(raw, 'bytes in the name\n');
      await writeFile(join(src, 'plain.txt'), 'plain\n');
      const repo = join(tmp.path, 'repo');
      await sbOk(['-r', repo, 'init']);
      const res = await sb(['-r', repo, 'backup', src]);
      const out = join(tmp.path, 'out');
      await sbOk(['-r', repo, 'restore', `latest:${src}`, '--target', out]);
      const names = (await readdir(out, { encoding: 'buffer' })).map((b) => b.toString('hex')).sort();
      const restoredRaw = names.includes(Buffer.from(raw.subarray(src.length + 1)).toString('hex'));
      if (!restoredRaw) {
        expect(res.code).toBe(3);
        expect(res.stderr).toMatch(/latin1-/);
      }
      expect(await readFile(join(out, 'plain.txt'), 'utf8')).toBe('plain\n');
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('special files', () => {
  it('a FIFO in the source is recorded without being opened (the backup does not block) and restore warns it is skipped', async () => {
    const tmp = await tempDir('sb-fifo-');
    try {
      const src = join(tmp.path, 'src');
      await mkdir(src);
      await writeFile(join(src, 'regular.txt'), 'regular\n');
      execFileSync('mkfifo', [join(src, 'pipe')]);
      const repo = join(tmp.path, 'repo');
      await sbOk(['-r', repo, 'init']);
      await sbOk(['-r', repo, 'backup', src]);
      const listed = jsonOut((await sbOk(['-r', repo, '--json', 'ls', `latest:${src}`])).stdout) as {
        path: string;
        type: string;
      }[];
      expect(listed).toContainEqual(expect.objectContaining({ path: `${src}/pipe`, type: 'fifo' }));
      const res = await sbOk(['-r', repo, 'restore', `latest:${src}`, '--target', join(tmp.path, 'out')]);
      expect(await readFile(join(tmp.path, 'out/regular.txt'), 'utf8')).toBe('regular\n');
      const pipe = await lstat(join(tmp.path, 'out/pipe')).catch(() => null);
      if (!pipe) expect(res.stderr).toMatch(/pipe: not restored: fifo/);
      else expect(pipe.isFIFO()).toBe(true);
    } finally {
      await tmp.cleanup();
    }
  });
});
