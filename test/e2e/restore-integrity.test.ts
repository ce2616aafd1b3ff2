// Restore never lies: a file whose data fails verification (a flipped byte, a deleted pack) is left out and
// named with its blob and pack, never written under its name; every other file is restored byte-exact, the
// exit status is 3, and --overwrite keeps the file that was there. --fail-fast stops at the first (exit 1).
import { execFileSync } from 'node:child_process';
import { link, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/util/treediff.js';
import { fileBlobs, flipMiddle, packFile, stagingLeftovers, type StoredBlob } from './damage.js';
import { sb, sbOk, tempDir } from './helpers.js';
import { randomBytesFor } from './proc.js';

const MiB = 1024 * 1024;

const jsonLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

describe('restore past damaged data', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let pristine: string;
  let blobs: Map<string, StoredBlob[]>;
  let n = 0;
  const copyRepo = () => {
    const dir = join(tmp.path, `copy-${n++}`);
    execFileSync('cp', ['-a', pristine, dir]);
    return dir;
  };
  /** The files that hold any of `bad` (blob IDs), as paths under `target`. */
  const holding = (target: string, bad: (b: StoredBlob) => boolean) =>
    [...blobs]
      .filter(([, bs]) => bs.some(bad))
      .map(([p]) => join(target, p))
      .sort();
  /** diffTrees lines a restore into `target` must show: exactly the files left out, missing. */
  const missing = (target: string, paths: string[]) =>
    paths.map((p) => `missing in ${join(target, src)}: ${p.slice(join(target, src).length + 1)}`).sort();

  beforeAll(async () => {
    tmp = await tempDir('sb-restore-integrity-');
    src = join(tmp.path, 'src');
    pristine = join(tmp.path, 'pristine');
    await mkdir(join(src, 'docs'), { recursive: true });
    for (let i = 0; i < 12; i++) await writeFile(join(src, 'docs', `note-${i}.txt`), `note ${i}\n`.repeat(50 + i * 40));
    await writeFile(join(src, 'big.bin'), randomBytesFor('integrity:big', 6 * MiB));
    await link(join(src, 'big.bin'), join(src, 'big-link.bin'));
    await writeFile(join(src, 'other.bin'), randomBytesFor('integrity:other', 2 * MiB));
    await symlink('docs/note-0.txt', join(src, 'latest-note'));
    await sbOk(['-r', pristine, 'init', '--pack-size-mib', '1']);
    await sbOk(['-r', pristine, '-q', 'backup', src]);
    blobs = await fileBlobs(pristine);
  }, 120_000);
  afterAll(async () => tmp?.cleanup());

  /** A blob in the middle of big.bin: bytes before and after it are written before the bad one is met. */
  const middleOfBig = () => {
    const bs = blobs.get(join(src, 'big.bin'))!;
    expect(bs.length).toBeGreaterThanOrEqual(3);
    return bs[Math.floor(bs.length / 2)];
  };

  it("a flipped byte in a large file's blob: every other file exact, the damaged one absent, exit 3, file/pack/blob named (JSON)", async () => {
    const repo = copyRepo();
    const bad = middleOfBig();
    await flipMiddle(repo, bad);
    const target = join(tmp.path, 'flip');
    const r = await sb(['-r', repo, '--json', 'restore', 'latest', '--target', target]);
    expect(r.code, r.stderr).toBe(3);
    const failedPaths = holding(target, (b) => b.blob === bad.blob);
    expect(failedPaths).toEqual([join(target, src, 'big-link.bin'), join(target, src, 'big.bin')]);
    expect((await diffTrees(src, join(target, src))).sort()).toEqual(missing(target, failedPaths));
    expect(await stagingLeftovers(target)).toEqual([]);

    const lines = jsonLines(r.stdout);
    const summary = lines.find((l) => l.type === 'summary');
    expect(summary.outcome).toBe('incomplete');
    expect(summary.failed.map((f: { path: string }) => f.path).sort()).toEqual(failedPaths);
    for (const f of summary.failed) expect(f).toMatchObject({ blob: bad.blob, pack: bad.pack });
    const warnings = lines.filter((l) => l.type === 'warning' && l.blob);
    expect(warnings.map((w) => w.path).sort()).toEqual(failedPaths);
    for (const w of warnings) expect(w).toMatchObject({ blob: bad.blob, pack: bad.pack });
    expect(lines.find((l) => l.type === 'error')).toMatchObject({ code: 'INCOMPLETE', exit: 3 });
    expect(r.stderr).toContain(join(target, src, 'big.bin'));
    expect(r.stderr).toContain(bad.pack.slice(0, 8));
  });

  it('a deleted pack: every file with a blob in it is named with the pack (text), all others are exact, exit 3', async () => {
    const repo = copyRepo();
    const gone = middleOfBig().pack;
    await rm(packFile(repo, gone));
    const target = join(tmp.path, 'deleted');
    const r = await sb(['-r', repo, 'restore', 'latest', '--target', target]);
    expect(r.code, r.stderr).toBe(3);
    const failedPaths = holding(target, (b) => b.pack === gone);
    expect(failedPaths).toContain(join(target, src, 'big.bin'));
    expect((await diffTrees(src, join(target, src))).sort()).toEqual(missing(target, failedPaths));
    for (const p of failedPaths)
      expect(r.stderr).toMatch(new RegExp(`warning: ${p}: not restored: blob [0-9a-f]{64} in pack ${gone}: .*missing`));
    expect(r.stderr).toMatch(/incomplete: \d+ files were not restored/);
    expect(await stagingLeftovers(target)).toEqual([]);
  });

  it('--overwrite over existing files keeps each one whose new content fails (and replaces the others)', async () => {
    const target = join(tmp.path, 'overwrite');
    await sbOk(['-r', pristine, '-q', 'restore', 'latest', '--target', target]);
    const here = join(target, src);
    await writeFile(join(here, 'other.bin'), 'stale, to be replaced\n');
    const before = await stat(join(here, 'big.bin'));
    const repo = copyRepo();
    await flipMiddle(repo, middleOfBig());
    const r = await sb(['-r', repo, 'restore', 'latest', '--target', target, '--overwrite']);
    expect(r.code, r.stderr).toBe(3);
    expect((await readFile(join(here, 'big.bin'))).equals(await readFile(join(src, 'big.bin')))).toBe(true);
    expect((await stat(join(here, 'big.bin'))).ino).toBe(before.ino);
    expect(await diffTrees(src, here)).toEqual([]);
    expect(await stagingLeftovers(target)).toEqual([]);
  });

  it('--fail-fast stops at the first damaged file: exit 1, the pack and blob named, nothing half-written left', async () => {
    const repo = copyRepo();
    const bad = middleOfBig();
    await flipMiddle(repo, bad);
    const target = join(tmp.path, 'fail-fast');
    const r = await sb(['-r', repo, 'restore', 'latest', '--target', target, '--fail-fast']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`blob ${bad.blob} in pack ${bad.pack}`);
    expect(r.stderr).toMatch(/--fail-fast/);
    await expect(stat(join(target, src, 'big.bin'))).rejects.toThrow(/ENOENT/);
    expect(await stagingLeftovers(target)).toEqual([]);
  });
});
