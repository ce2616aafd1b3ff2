// Whole-CLI tests of keys and locks: what the CLI adds to the operations (test/ops/locks-keys.test.ts holds the
// behaviour): where a new password comes from (STRONGBOX_NEW_PASSWORD, --new-password-file), exit statuses
// (12 no or wrong password, 2 the key in use, 1 no such key, 11 locked), --retry-lock, and that the holder of a
// lock, stale-lock warnings, the wait for a lock and unlock's advice reach stdout/stderr. The live lock here is
// held by this test process, so one case also shows a lock blocking another process.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { type LockInfo, RepoLock } from '../../src/repository/lock.js';
import { Repository } from '../../src/repository/repository.js';
import { CLI, CLI_PATH, PASSWORD, type RunResult, sbOk, tempDir, jsonOut } from './helpers.js';
import { plantLock as plantLockIn } from '../support/locks.js';

const SECOND = 'a second, different password';

interface KeyRow {
  id: string;
  current: boolean;
}

describe('keys', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  const r = (args: string[], want = 0, env?: NodeJS.ProcessEnv) => sbOk(['-r', repo, ...args], want, { env });

  beforeAll(async () => {
    tmp = await tempDir('sb-keys-');
    repo = join(tmp.path, 'repo');
    await r(['init']);
  });
  afterAll(async () => tmp?.cleanup());

  it('key add takes the new password from STRONGBOX_NEW_PASSWORD or --new-password-file; exit 12, 2 and 1 for no password, the key in use and no such key', async () => {
    const added = jsonOut((await r(['--json', 'key', 'add'], 0, { STRONGBOX_NEW_PASSWORD: SECOND })).stdout) as {
      id: string;
    };
    const seenByNew = jsonOut((await r(['--json', 'key', 'list'], 0, { STRONGBOX_PASSWORD: SECOND })).stdout);
    expect((seenByNew as KeyRow[]).filter((k) => k.current).map((k) => k.id)).toEqual([added.id]);
    const empty = await r(['key', 'add'], 12, { STRONGBOX_NEW_PASSWORD: '' });
    expect(empty.stderr).toMatch(/STRONGBOX_NEW_PASSWORD/);

    const file = join(tmp.path, 'third');
    await writeFile(file, 'third password\n');
    const { id } = jsonOut((await r(['--json', 'key', 'add', '--new-password-file', file])).stdout) as { id: string };
    await r(['snapshots'], 0, { STRONGBOX_PASSWORD: 'third password' });
    expect((await r(['key', 'remove', id.slice(0, 12)])).stdout).toMatch(`removed key ${id.slice(0, 8)}`);
    expect((await r(['snapshots'], 12, { STRONGBOX_PASSWORD: 'third password' })).stderr).toMatch(/no key/);

    const inUse = await r(['key', 'remove', added.id.slice(0, 8)], 2, { STRONGBOX_PASSWORD: SECOND });
    expect(inUse.stderr).toMatch(/in use/);
    expect((await r(['key', 'remove', 'ffffffffffff'], 1)).stderr).toMatch(/no key/);
  });
});

/** Runs `strongbox ARGS`; `seen` resolves once its stderr matches PATTERN (or it has ended). */
function sbWatching(args: string[], pattern: RegExp): { seen: Promise<void>; done: Promise<RunResult> } {
  const child = spawn(CLI, args, {
    env: { ...process.env, PATH: CLI_PATH, STRONGBOX_PASSWORD: PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let seen!: () => void;
  const seenP = new Promise<void>((res) => (seen = res));
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (pattern.test(stderr)) seen();
  });
  const done = new Promise<RunResult>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { seen: Promise.race([seenP, done.then(() => {})]), done };
}

describe('locks', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let src: string;
  let lib: Repository;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);
  const lockFiles = async () => await readdir(join(repo, 'locks')).catch(() => [] as string[]);
  const plantLock = (info: Partial<LockInfo>) => plantLockIn(lib, info);

  beforeAll(async () => {
    tmp = await tempDir('sb-locks-');
    repo = join(tmp.path, 'repo');
    src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'f.txt'), 'data\n');
    await r(['init']);
    lib = await Repository.open(await openBackend(repo), PASSWORD);
  });
  afterAll(async () => {
    await lib?.close();
    await tmp?.cleanup();
  });

  it('a live lock of another process refuses a backup with exit 11 naming the holder; unlock keeps it and says why; a backup with --retry-lock waits and says so', async () => {
    const lock = await RepoLock.acquire(lib, true);
    let waiting: ReturnType<typeof sbWatching> | undefined;
    try {
      const refused = await r(['backup', src, '--retry-lock', '0s'], 11);
      expect(refused.stderr).toContain(`host ${hostname()}`);
      expect(refused.stderr).toContain(`pid ${process.pid}`);
      expect(refused.stderr).toContain('strongbox unlock');
      const kept = await r(['unlock']);
      expect(kept.stdout).toMatch(/removed 0 lock\(s\), kept 1/);
      expect(kept.stderr).toMatch(
        new RegExp(`kept exclusive lock [0-9a-f]{8} of host \\S+ pid ${process.pid} .*still running`),
      );
      expect(kept.stderr).toMatch(/'strongbox unlock --remove-all' removes it/);
      expect(await lockFiles()).toHaveLength(1);
      waiting = sbWatching(['-r', repo, 'backup', src, '--retry-lock', '2min'], /waiting up to 2min/);
      await waiting.seen;
    } finally {
      await lock.release();
    }
    const res = await waiting.done;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/exclusively locked by host \S+ since \d\d:\d\d \(pid \d+\); waiting up to 2min/);
    expect(res.stderr).toMatch(/lock taken after waiting \d+s/);
    expect(await lockFiles()).toEqual([]);
  });

  it('a stale lock is removed with a warning on stderr; unlock --remove-all removes a live one and counts it', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await plantLock({ pid: dead, exclusive: true });
    await plantLock({ host: 'web-2', pid: 811 });
    const res = await r(['backup', src]);
    expect(res.stderr).toMatch(new RegExp(`warning: removing stale lock .* pid ${dead}`));
    expect(await lockFiles()).toHaveLength(1);
    expect((await r(['unlock', '--remove-all'])).stdout).toMatch(/removed 1 lock\(s\)/);
    expect(await lockFiles()).toEqual([]);
  });
});
