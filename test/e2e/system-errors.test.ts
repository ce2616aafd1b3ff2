// Whole-CLI tests of failures the system causes (issue 14, rows 4 and 13): a full disk under the restore target or
// the repository, a read-only filesystem, permission denied. Each must be a one-line message naming the path and
// what to do, with its exit status, never "internal error" with a stack trace; and a failed backup loses nothing.
// Also: a restore target inside the repository is refused, and a backup of a directory holding the repository
// leaves the repository out.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, jsonOut, mountTmpfs, PASSWORD, sb, sbOk, tempDir } from './helpers.js';

/** What a user sees on failure: one message, no trace. */
function expectMessage(r: { stderr: string }, ...parts: (string | RegExp)[]): void {
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  for (const p of parts) expect(r.stderr).toMatch(p);
}

describe('system errors become messages', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let src: string;
  const mounts: string[] = [];
  const mount = (name: string, options: string): string | null => {
    const dir = join(tmp.path, name);
    mkdirSync(dir);
    if (!mountTmpfs(dir, options)) return null;
    mounts.push(dir);
    return dir;
  };

  beforeAll(async () => {
    tmp = await tempDir('sb-syserr-');
    repo = join(tmp.path, 'repo');
    src = join(tmp.path, 'src');
    mkdirSync(src);
    // 30 MiB that does not compress, so it cannot fit on a 20 MiB filesystem in any form.
    writeFileSync(join(src, 'big.bin'), randomBytes(30 << 20));
    writeFileSync(join(src, 'small.txt'), 'small\n');
    await sbOk(['-r', repo, 'init']);
    await sbOk(['-r', repo, 'backup', src]);
  }, 120_000);

  afterAll(async () => {
    for (const m of mounts.reverse()) spawnSync('umount', [m]);
    await tmp?.cleanup();
  });

  it('restore onto a full filesystem: exit 7, the file and "no space left" named', async () => {
    const small = mount('full', 'size=20m');
    if (!small) return;
    const r = await sb(['-r', repo, 'restore', `latest:${src}`, '--target', join(small, 'out')]);
    expect(r.code, r.stderr).toBe(7);
    expectMessage(r, /ENOSPC/, /no space left on the device/, /big\.bin/);
  });

  it('restore onto a read-only filesystem: exit 7, "read-only" and the target named (not ENOENT)', async () => {
    const ro = mount('ro', 'size=1m,ro');
    if (!ro) return;
    const target = join(ro, 'out');
    const r = await sb(['-r', repo, 'restore', `latest:${src}`, '--target', target]);
    expect(r.code, r.stderr).toBe(7);
    expectMessage(r, /EROFS/, /read-only/, target);
  });

  it('backup into a repository on a full filesystem fails with a message, and the repository checks clean afterwards', async () => {
    const small = mount('repofull', 'size=20m');
    if (!small) return;
    const full = join(small, 'repo');
    await sbOk(['-r', full, 'init']);
    const r = await sb(['-r', full, 'backup', src]);
    expect(r.code, r.stderr).toBe(1);
    expectMessage(r, /no space left on the device/, full);
    // Nothing half-written is visible: no snapshot, and check finds no error.
    expect(jsonOut((await sbOk(['-r', full, '--json', 'snapshots'])).stdout)).toEqual([]);
    await sbOk(['-r', full, 'check', '--read-data']);
  });

  it('permission denied: exit 1 naming the object and what to do', async () => {
    // As the user nobody, the root-owned repository cannot take a lock.
    execFileSync('chmod', ['a+rx', tmp.path]);
    execFileSync('chmod', ['-R', 'a+rX', repo, src]);
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, '-r', repo, 'snapshots'],
      {
        encoding: 'utf8',
        env: { ...process.env, STRONGBOX_PASSWORD: PASSWORD },
      },
    );
    if (r.error) throw r.error;
    // `snapshots` takes no lock; a backup does.
    expect(r.status, r.stderr).toBe(0);
    const b = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, '-r', repo, 'backup', src],
      {
        encoding: 'utf8',
        env: { ...process.env, STRONGBOX_PASSWORD: PASSWORD },
      },
    );
    expect(b.status, b.stderr).toBe(1);
    expectMessage(b, /EACCES/, /permission denied/, repo);
  });

  it('refuses a restore target inside the repository', async () => {
    const r = await sb(['-r', repo, 'restore', 'latest', '--target', join(repo, 'data', 'x'), '--overwrite']);
    expect(r.code, r.stderr).toBe(2);
    expectMessage(r, /inside the repository/);
    expect(existsSync(join(repo, 'data', 'x'))).toBe(false);
    // The same through a symlink to the repository.
    const link = join(tmp.path, 'repo-link');
    execFileSync('ln', ['-s', repo, link]);
    const l = await sb(['-r', repo, 'restore', 'latest', '--target', link, '--overwrite']);
    expect(l.code, l.stderr).toBe(2);
    expectMessage(l, /inside the repository/);
  });

  it('a backup of a directory that holds the repository leaves the repository out, with a warning', async () => {
    const home = join(tmp.path, 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'notes.txt'), 'mine\n');
    const inner = join(home, 'backups');
    await sbOk(['-r', inner, 'init']);
    const r = await sbOk(['-r', inner, 'backup', home]);
    expect(r.stderr).toMatch(/the repository .*backups is inside the backed-up path; it is left out/);
    const list = jsonOut((await sbOk(['-r', inner, '--json', 'ls', `latest:${home}`])).stdout) as { path: string }[];
    const rel = list
      .map((e) => e.path.slice(home.length + 1))
      .filter(Boolean)
      .sort();
    expect(rel).toEqual(['notes.txt']);
    // Leaving it out is deliberate, not a read failure: the snapshot is complete.
    const snaps = jsonOut((await sbOk(['-r', inner, '--json', 'snapshots'])).stdout) as { incomplete?: boolean }[];
    expect(snaps[0]!.incomplete ?? false).toBe(false);
  });
});
