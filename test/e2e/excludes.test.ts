// Whole-CLI tests of --exclude and --exclude-file: gitignore-style patterns relative to the backed-up
// root; excluded paths are neither listed nor restored.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTree } from '../../src/util/treediff.js';
import { sbOk, tempDir, jsonOut } from './helpers.js';

const TREE = [
  'top.txt',
  'keep.txt',
  'app.log',
  'important.log',
  'notes.md',
  'sub/top.txt',
  'sub/debug.log',
  'sub/x.txt',
  'cache/blob.bin',
  'cache/deeper/more.bin',
  'sub/cache/c.bin',
  'sub/nested/cache/d.bin',
  'not-a-cache-dir/cache', // a *file* named cache: "cache/" only matches directories
  'tmp/scratch.txt',
  'secret/key.pem',
  'secret/public.txt',
];

describe('excludes', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repo: string;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);

  /** Back up with `args`, then return the relative paths `ls` shows and the ones a restore writes. */
  async function backupAndList(args: string[], name: string): Promise<{ listed: string[]; restored: string[] }> {
    await r(['backup', '--tag', name, ...args, src]);
    const ls = jsonOut((await r(['--json', 'ls', `latest:${src}`])).stdout) as { path: string }[];
    const target = join(tmp.path, `restore-${name}`);
    await r(['restore', `latest:${src}`, '--target', target]);
    return {
      listed: ls.map((e) => e.path.slice(src.length + 1)).sort(),
      restored: [...(await describeTree(target)).keys()].sort(),
    };
  }

  beforeAll(async () => {
    tmp = await tempDir('sb-excludes-');
    src = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    for (const rel of TREE) {
      await mkdir(join(src, rel, '..'), { recursive: true });
      await writeFile(join(src, rel), `content of ${rel}\n`);
    }
    await r(['init']);
  });
  afterAll(async () => tmp?.cleanup());

  it('without excludes, everything is backed up', async () => {
    const { listed, restored } = await backupAndList([], 'all');
    for (const rel of TREE) expect(listed).toContain(rel);
    expect(restored).toEqual(listed);
  });

  it("--exclude 'cache/' drops directories named cache at any depth, and --exclude '*.log' every .log file", async () => {
    const { listed, restored } = await backupAndList(['--exclude', 'cache/', '--exclude', '*.log'], 'cli');
    expect(restored).toEqual(listed);
    for (const gone of [
      'cache',
      'cache/blob.bin',
      'sub/cache',
      'sub/nested/cache',
      'app.log',
      'important.log',
      'sub/debug.log',
    ]) {
      expect(listed).not.toContain(gone);
    }
    for (const kept of ['top.txt', 'sub/top.txt', 'sub/x.txt', 'sub/nested', 'not-a-cache-dir/cache', 'notes.md']) {
      expect(listed).toContain(kept);
    }
  });

  it("an anchored pattern '/top.txt' excludes only the file at the backed-up root", async () => {
    const { listed, restored } = await backupAndList(['--exclude', '/top.txt'], 'anchored');
    expect(restored).toEqual(listed);
    expect(listed).not.toContain('top.txt');
    expect(listed).toContain('sub/top.txt');
  });

  it('--exclude-file reads patterns (skipping comments and blank lines), and a later negation re-includes', async () => {
    const file = join(tmp.path, 'excludes.txt');
    await writeFile(file, '# scratch space\ntmp/\n\n*.pem\n*.log\n!important.log\n');
    const { listed, restored } = await backupAndList(['--exclude-file', file], 'file');
    expect(restored).toEqual(listed);
    for (const gone of ['tmp', 'tmp/scratch.txt', 'secret/key.pem', 'app.log', 'sub/debug.log'])
      expect(listed).not.toContain(gone);
    for (const kept of ['important.log', 'secret/public.txt', 'cache/blob.bin', 'keep.txt'])
      expect(listed).toContain(kept);
  });

  it('--exclude and --exclude-file combine', async () => {
    const file = join(tmp.path, 'more.txt');
    await writeFile(file, 'secret/\r\n'); // CRLF line endings are accepted
    const { listed } = await backupAndList(['--exclude', 'notes.md', '--exclude-file', file], 'both');
    expect(listed.filter((p) => p === 'notes.md' || p.startsWith('secret'))).toEqual([]);
    expect(listed).toContain('keep.txt');
  });

  it('an unreadable --exclude-file is a usage error (exit 2) and no snapshot is written', async () => {
    const before = (jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length;
    const res = await r(['backup', '--exclude-file', join(tmp.path, 'missing.txt'), src], 2);
    expect(res.stderr).toMatch(/exclude file/);
    expect((jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length).toBe(before);
  });
});
