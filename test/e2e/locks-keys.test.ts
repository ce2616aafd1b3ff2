// Whole-CLI tests of keys (add, list, remove, which passwords open the repository) and locks (stale
// locks are cleaned up, live ones block with a message naming the holder, unlock --remove-all).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { type LockInfo, RepoLock } from '../../src/repository/lock.js';
import { sealObject } from '../../src/repository/objects.js';
import { Repository } from '../../src/repository/repository.js';
import { PASSWORD, sbOk, tempDir, jsonOut } from './helpers.js';

const SECOND = 'a second, different password';

interface KeyRow {
  id: string;
  current: boolean;
  host: string;
  username: string;
  created: string;
}

describe('keys', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  const r = (args: string[], want = 0, env?: NodeJS.ProcessEnv) => sbOk(['-r', repo, ...args], want, { env });
  const keys = async (pw = PASSWORD) =>
    jsonOut((await r(['--json', 'key', 'list'], 0, { STRONGBOX_PASSWORD: pw })).stdout) as KeyRow[];

  beforeAll(async () => {
    tmp = await tempDir('sb-keys-');
    repo = join(tmp.path, 'repo');
    await r(['init']);
  });
  afterAll(async () => tmp?.cleanup());

  it('a new repository has one key, the current one', async () => {
    const list = await keys();
    expect(list).toHaveLength(1);
    expect(list[0].current).toBe(true);
    expect(list[0].id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('key add takes the new password from STRONGBOX_NEW_PASSWORD, and that password then opens the repository', async () => {
    const added = jsonOut((await r(['--json', 'key', 'add'], 0, { STRONGBOX_NEW_PASSWORD: SECOND })).stdout) as {
      id: string;
    };
    await r(['snapshots'], 0, { STRONGBOX_PASSWORD: SECOND });
    const seenByNew = await keys(SECOND);
    expect(seenByNew).toHaveLength(2);
    expect(seenByNew.filter((k) => k.current).map((k) => k.id)).toEqual([added.id]);
    const seenByOld = await keys(PASSWORD);
    expect(seenByOld.filter((k) => k.current)).toHaveLength(1);
    expect(seenByOld.find((k) => k.current)!.id).not.toBe(added.id);
  });

  it('key add without a new password fails with exit 12 and adds nothing', async () => {
    await r(['key', 'add'], 12, { STRONGBOX_NEW_PASSWORD: '' });
    expect(await keys()).toHaveLength(2);
  });

  it('key add reads the new password from --new-password-file', async () => {
    const file = join(tmp.path, 'third');
    await writeFile(file, 'third password\n');
    const { id } = jsonOut((await r(['--json', 'key', 'add', '--new-password-file', file])).stdout) as { id: string };
    await r(['snapshots'], 0, { STRONGBOX_PASSWORD: 'third password' });
    await r(['key', 'remove', id.slice(0, 12)]);
    await r(['snapshots'], 12, { STRONGBOX_PASSWORD: 'third password' });
  });

  it('key remove refuses the key in use (by ID prefix) and keeps it', async () => {
    const current = (await keys()).find((k) => k.current)!;
    const res = await r(['key', 'remove', current.id.slice(0, 8)], 2);
    expect(res.stderr).toMatch(/in use/);
    expect(await keys()).toHaveLength(2);
  });

  it('key remove of an unknown key exits 1', async () => {
    const res = await r(['key', 'remove', 'ffffffffffff'], 1);
    expect(res.stderr).toMatch(/no key/);
  });

  it('removing the other key works, and its password no longer opens the repository (exit 12)', async () => {
    const original = (await keys(PASSWORD)).find((k) => k.current)!;
    await r(['key', 'remove', original.id], 0, { STRONGBOX_PASSWORD: SECOND });
    const res = await r(['snapshots'], 12, { STRONGBOX_PASSWORD: PASSWORD });
    expect(res.stderr).toMatch(/no key/);
    const left = await keys(SECOND);
    expect(left).toHaveLength(1);
    expect(left[0].current).toBe(true);
  });
});

describe('locks', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let src: string;
  let lib: Repository;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);
  const lockFiles = async () => await readdir(join(repo, 'locks')).catch(() => [] as string[]);
  const writeLock = async (info: Partial<LockInfo>) => {
    const now = new Date().toISOString();
    const full: LockInfo = {
      exclusive: false,
      host: hostname(),
      pid: process.pid,
      username: 'test',
      time: now,
      refreshed: now,
      ...info,
    };
    await lib.save(
      { type: 'lock', name: randomBytes(32).toString('hex') },
      sealObject(lib.key.encKey, 'lock', Buffer.from(JSON.stringify(full))),
      true,
    );
  };

  beforeAll(async () => {
    tmp = await tempDir('sb-locks-');
    repo = join(tmp.path, 'repo');
    src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'f.txt'), 'data\n');
    await r(['init']);
    lib = await Repository.open(await openBackend(repo), PASSWORD);
  });
  afterAll(async () => tmp?.cleanup());

  it('a backup leaves no lock behind', async () => {
    await r(['backup', src]);
    expect(await lockFiles()).toEqual([]);
  });

  it('a lock left by a dead process on this host is removed with a warning, and the backup succeeds', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeLock({ pid: dead, exclusive: true });
    expect(await lockFiles()).toHaveLength(1);
    const res = await r(['backup', src]);
    expect(res.stderr).toMatch(new RegExp(`warning: removing stale lock .* pid ${dead}`));
    expect(await lockFiles()).toEqual([]);
  });

  it('a lock from another host not refreshed for over 30 minutes is stale too', async () => {
    const old = new Date(Date.now() - 31 * 60 * 1000).toISOString();
    await writeLock({ host: 'elsewhere', pid: 1, exclusive: true, time: old, refreshed: old });
    const res = await r(['backup', src]);
    expect(res.stderr).toMatch(/removing stale lock .* host elsewhere/);
    expect(await lockFiles()).toEqual([]);
  });

  it('a fresh exclusive lock from another host blocks a backup (exit 11) naming that host', async () => {
    await writeLock({ host: 'web-2', pid: 811, exclusive: true });
    const res = await r(['backup', src, '--retry-lock', '0s'], 11);
    expect(res.stderr).toMatch(/locked by host web-2 .*pid 811/);
    expect(await lockFiles()).toHaveLength(1); // the failed backup removed its own lock
    const kept = await r(['unlock']); // not stale: unlock alone keeps it, and says why and what would remove it
    expect(await lockFiles()).toHaveLength(1);
    expect(kept.stdout).toMatch(/removed 0 lock\(s\), kept 1/);
    expect(kept.stderr).toMatch(/kept exclusive lock [0-9a-f]{8} of host web-2 pid 811 .*another host/);
    expect(kept.stderr).toMatch(/'strongbox unlock --remove-all' removes it/);
    await r(['unlock', '--remove-all']);
    expect(await lockFiles()).toEqual([]);
  });

  it('a live exclusive lock blocks a backup with exit 11, naming host and pid and pointing to strongbox unlock', async () => {
    const before = (jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length;
    const lock = await RepoLock.acquire(lib, true);
    try {
      const res = await r(['backup', src, '--retry-lock', '1s'], 11);
      expect(res.stderr).toContain(`host ${hostname()}`);
      expect(res.stderr).toContain(`pid ${process.pid}`);
      expect(res.stderr).toContain('strongbox unlock');
      expect((jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length).toBe(before);
      const kept = await r(['unlock']);
      expect(kept.stdout).toMatch(/removed 0 lock/);
      expect(await lockFiles()).toHaveLength(1);
      const removed = await r(['unlock', '--remove-all']);
      expect(removed.stdout).toMatch(/removed 1 lock/);
      expect(await lockFiles()).toEqual([]);
      await r(['backup', src]);
    } finally {
      await lock.release();
    }
  });

  it('a backup waits for an exclusive lock (a prune) to be released, then completes its snapshot', async () => {
    const before = (jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length;
    const lock = await RepoLock.acquire(lib, true);
    const backup = r(['backup', src, '--retry-lock', '2min']);
    await new Promise((res) => setTimeout(res, 1500));
    expect((jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length).toBe(before);
    await lock.release();
    const res = await backup;
    expect((jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length).toBe(before + 1);
    // It said whom it waited for, and for how long at most, then that it had the lock.
    expect(res.stderr).toMatch(/exclusively locked by host \S+ since \d\d:\d\d \(pid \d+\); waiting up to 2min/);
    expect(res.stderr).toMatch(/lock taken after waiting \d+s/);
  });

  it('a live shared lock lets a backup run but blocks key remove, which needs an exclusive lock', async () => {
    const lock = await RepoLock.acquire(lib, false);
    try {
      await r(['backup', src]);
      const added = jsonOut(
        (await sbOk(['-r', repo, '--json', 'key', 'add'], 0, { env: { STRONGBOX_NEW_PASSWORD: SECOND } })).stdout,
      ) as { id: string };
      const res = await r(['key', 'remove', added.id], 11);
      expect(res.stderr).toMatch(/locked by host/);
      expect((await lockFiles()).length).toBe(1);
    } finally {
      await lock.release();
    }
    expect(await lockFiles()).toEqual([]);
  });

  it('two backups running at once both succeed (shared locks), and check finds no errors', async () => {
    const other = join(tmp.path, 'src2');
    await mkdir(other);
    await writeFile(join(other, 'g.txt'), Buffer.alloc(3 * 1024 * 1024, 7));
    const before = (jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length;
    await Promise.all([r(['backup', src]), r(['backup', other]), r(['backup', other])]);
    expect((jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length).toBe(before + 3);
    await r(['check', '--read-data']);
    expect(await lockFiles()).toEqual([]);
  });

  it('listing works while an exclusive lock is held; restore and check, which read packs a prune may delete, wait for it', async () => {
    const lock = await RepoLock.acquire(lib, true);
    try {
      await r(['snapshots']);
      await r(['ls', 'latest']);
      await r(['check', '--retry-lock', '0s'], 11);
      const refused = await r(
        ['restore', 'latest', '--target', join(tmp.path, 'out-refused'), '--retry-lock', '0s'],
        11,
      );
      expect(refused.stderr).toMatch(/exclusively locked/);
      const waiting = r(['restore', 'latest', '--target', join(tmp.path, 'out')]);
      await new Promise((res) => setTimeout(res, 1000));
      await lock.release();
      await waiting;
    } finally {
      await lock.release();
    }
  });
});
