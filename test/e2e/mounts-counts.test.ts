// Whole-CLI tests of --one-file-system (a tmpfs mounted inside the tree) and of the backup summary when a
// file cannot be read (the backup runs as the user nobody, for whom a mode-000 file is unreadable).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, PASSWORD, mountTmpfs, sbOk, tempDir, jsonOut } from './helpers.js';

interface LsJson {
  path: string;
  type: string;
}

describe('--one-file-system', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repo: string;
  let mnt: string;
  let mounted = false;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);
  const paths = async (args: string[]) => {
    await r(['backup', ...args, src]);
    const list = jsonOut((await r(['--json', 'ls', `latest:${src}`])).stdout) as LsJson[];
    return list.map((e) => e.path.slice(src.length + 1)).sort();
  };

  beforeAll(async () => {
    tmp = await tempDir('sb-onefs-');
    src = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    mnt = join(src, 'mnt');
    mkdirSync(mnt, { recursive: true });
    writeFileSync(join(src, 'here.txt'), 'on the backed-up filesystem\n');
    mounted = mountTmpfs(mnt);
    if (mounted) {
      mkdirSync(join(mnt, 'sub'));
      writeFileSync(join(mnt, 'sub', 'elsewhere.txt'), 'on the tmpfs\n');
    }
    await r(['init']);
  });
  afterAll(async () => {
    if (mounted) execFileSync('umount', [mnt]);
    await tmp?.cleanup();
  });

  it('by default, the backup crosses into a filesystem mounted inside the tree', async (ctx) => {
    if (!mounted) ctx.skip();
    expect(await paths([])).toEqual(['here.txt', 'mnt', 'mnt/sub', 'mnt/sub/elsewhere.txt']);
  });

  it('with -x / --one-file-system, the mount point is kept as an empty directory and nothing below it is read', async (ctx) => {
    if (!mounted) ctx.skip();
    expect(await paths(['--one-file-system'])).toEqual(['here.txt', 'mnt']);
    expect(await paths(['-x'])).toEqual(['here.txt', 'mnt']);
  });
});

describe('backup summary when a file cannot be read', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repo: string;
  /** The CLI as the user nobody: root reads any file, whatever its mode. */
  const asNobody = (args: string[]) =>
    spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, '-r', repo, ...args],
      { encoding: 'utf8', env: { ...process.env, STRONGBOX_PASSWORD: PASSWORD } },
    );

  beforeAll(async () => {
    tmp = await tempDir('sb-counts-');
    chmodSync(tmp.path, 0o755);
    src = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    mkdirSync(src);
    writeFileSync(join(src, 'readable.txt'), 'fine\n');
    writeFileSync(join(src, 'secret.txt'), 'nobody may read this\n');
    chmodSync(join(src, 'secret.txt'), 0o000);
    mkdirSync(repo);
    chownSync(repo, 65534, 65534);
    const init = asNobody(['init']);
    if (init.status !== 0)
      throw new Error(`init as nobody failed (setpriv needed): ${init.stderr}${init.error?.message ?? ''}`);
  });
  afterAll(async () => tmp?.cleanup());

  it('counts only the stored file as new; the unreadable one is an error, and the snapshot is incomplete', () => {
    const res = asNobody(['--json', 'backup', src]);
    expect(res.status, res.stderr).not.toBe(0);
    const out = jsonOut(res.stdout) as {
      summary: { files: number; filesNew: number; filesChanged: number; bytes: number };
      incomplete: { errors: { path: string }[] };
    };
    expect(out.incomplete.errors.map((e) => e.path)).toEqual([join(src, 'secret.txt')]);
    expect(out.summary).toMatchObject({ files: 1, filesNew: 1, filesChanged: 0, bytes: 5 });
    const text = asNobody(['backup', src]);
    expect(text.stdout).toMatch(/^Files: 0 new, 0 changed, 1 unmodified \(1 total,/m);
  });
});
