// Keys and locks at the operations level: which passwords open a repository as keys are added and removed, and
// how locks behave (stale ones removed with a warning event, live ones refused with LOCKED naming the holder or
// waited for, unlock keeping live locks unless told to remove all). A live lock held by this process blocks an
// operation just as one held by another process would: a lock is a file naming a host and a live pid.
// test/e2e/locks-keys.test.ts keeps what the CLI adds: password sources, exit statuses, text on stdout/stderr.
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { type ErrorCode, isStrongboxError, type StrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { backupPaths } from '../../src/ops/backup.js';
import { checkRepo } from '../../src/ops/check.js';
import { newContext, type OpContext } from '../../src/ops/context.js';
import { addKey, listKeys, removeKey, unlock } from '../../src/ops/keys.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { type RestoreResult, restorePaths } from '../../src/ops/restore.js';
import { listFiles, listSnapshots } from '../../src/ops/snapshots.js';
import { type LockInfo, RepoLock } from '../../src/repository/lock.js';
import { Repository } from '../../src/repository/repository.js';
import { tempDir } from '../e2e/helpers.js';
import { plantLock as plantLockIn } from '../support/locks.js';

process.env.SB_OPS_KEYS_PW = 'the first password';
process.env.SB_OPS_KEYS_PW2 = 'a second, different password';
process.env.SB_OPS_KEYS_NEW = process.env.SB_OPS_KEYS_PW2;
process.env.SB_OPS_KEYS_EMPTY = '';
process.env.SB_OPS_LOCKS_PW = 'locks';
process.env.SB_OPS_LOCKS_NEW = 'another key';
const MINUTE = 60_000;

/** Runs an operation in a fresh context; returns its result and every event it reported. */
async function withEvents<T>(fn: (ctx: OpContext) => Promise<T>): Promise<{ result: T; events: OpEvent[] }> {
  const events: OpEvent[] = [];
  const ctx = newContext({ emit: (e) => void events.push(e) });
  try {
    return { result: await fn(ctx), events };
  } finally {
    ctx.scope.close();
  }
}
const run = async <T>(fn: (ctx: OpContext) => Promise<T>): Promise<T> => (await withEvents(fn)).result;
const warningsOf = (events: OpEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
const lockPhases = (events: OpEvent[]) =>
  events.flatMap((e) => (e.type === 'phase' && e.phase === 'lock' ? [`${e.state}: ${e.message}`] : []));

/** The StrongboxError of code CODE the operation fails with (fails the test if it succeeds or fails otherwise). */
async function failure(code: ErrorCode, fn: (ctx: OpContext) => Promise<unknown>): Promise<StrongboxError> {
  const err = await run(fn).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isStrongboxError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  return err as StrongboxError;
}

interface Waiting<T> {
  events: OpEvent[];
  /** Settles once the operation says it waits for a lock (or has ended without waiting). */
  isWaiting: Promise<void>;
  done: Promise<T>;
}

/** Starts FN in a fresh context, keeping its events; `isWaiting` tells when its 'lock' phase has started. */
function startWaiting<T>(fn: (ctx: OpContext) => Promise<T>): Waiting<T> {
  const events: OpEvent[] = [];
  let waiting!: () => void;
  const isWaiting = new Promise<void>((res) => (waiting = res));
  const ctx = newContext({
    emit: (e) => {
      events.push(e);
      if (e.type === 'phase' && e.phase === 'lock' && e.state === 'started') waiting();
    },
  });
  const done = fn(ctx).finally(() => ctx.scope.close());
  return {
    events,
    isWaiting: Promise.race([
      isWaiting,
      done.then(
        () => {},
        () => {},
      ),
    ]),
    done,
  };
}

describe('keys (operations)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let location: string;
  const spec = (env: string): RepoSpec => ({ location, password: { env } });
  const first = () => spec('SB_OPS_KEYS_PW');
  const second = () => spec('SB_OPS_KEYS_PW2');
  const keys = async (s = first()) => (await run((ctx) => listKeys(s, ctx))).keys;

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-keys-');
    location = join(tmp.path, 'repo');
    await run((ctx) => initRepository(first(), ctx));
  });
  afterAll(async () => tmp?.cleanup());

  it('a new repository has one key, the current one', async () => {
    const list = await keys();
    expect(list).toHaveLength(1);
    expect(list[0].current).toBe(true);
    expect(list[0].id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an added key opens the repository with its password, and each password sees its own key as current', async () => {
    await failure('WRONG_PASSWORD', (ctx) => listSnapshots(second(), {}, ctx));
    const added = await run((ctx) => addKey(first(), { env: 'SB_OPS_KEYS_NEW' }, ctx));
    await run((ctx) => listSnapshots(second(), {}, ctx));
    const seenByNew = await keys(second());
    expect(seenByNew).toHaveLength(2);
    expect(seenByNew.filter((k) => k.current).map((k) => k.id)).toEqual([added.id]);
    const seenByOld = await keys(first());
    expect(seenByOld.filter((k) => k.current)).toHaveLength(1);
    expect(seenByOld.find((k) => k.current)!.id).not.toBe(added.id);
  });

  it('adding a key without a new password fails with NO_PASSWORD and adds nothing', async () => {
    await failure('NO_PASSWORD', (ctx) => addKey(first(), { env: 'SB_OPS_KEYS_EMPTY' }, ctx));
    expect(await keys()).toHaveLength(2);
  });

  it('a key added from a password file opens the repository until it is removed (by ID prefix)', async () => {
    const file = join(tmp.path, 'third');
    await writeFile(file, 'third password\n');
    const third = (): RepoSpec => ({ location, password: { file } });
    const { id } = await run((ctx) => addKey(first(), { file }, ctx));
    await run((ctx) => listSnapshots(third(), {}, ctx));
    expect(await run((ctx) => removeKey(first(), id.slice(0, 12), ctx))).toEqual({ id });
    await failure('WRONG_PASSWORD', (ctx) => listSnapshots(third(), {}, ctx));
    expect(await keys()).toHaveLength(2);
  });

  it('removing the key in use (by ID prefix) is refused with USAGE, and the key stays', async () => {
    const current = (await keys()).find((k) => k.current)!;
    const err = await failure('USAGE', (ctx) => removeKey(first(), current.id.slice(0, 8), ctx));
    expect(err.message).toMatch(/in use/);
    const after = await keys();
    expect(after).toHaveLength(2);
    expect(after.map((k) => k.id)).toContain(current.id);
  });

  it('removing an unknown key fails with NOT_FOUND', async () => {
    const err = await failure('NOT_FOUND', (ctx) => removeKey(first(), 'ffffffffffff', ctx));
    expect(err.message).toMatch(/no key/);
    expect(await keys()).toHaveLength(2);
  });

  it('removing the other key works, and its password then opens nothing (WRONG_PASSWORD)', async () => {
    const original = (await keys(first())).find((k) => k.current)!;
    await run((ctx) => removeKey(second(), original.id, ctx));
    const err = await failure('WRONG_PASSWORD', (ctx) => listSnapshots(first(), {}, ctx));
    expect(err.message).toMatch(/no key/);
    const left = await keys(second());
    expect(left).toHaveLength(1);
    expect(left[0].current).toBe(true);
  });
});

describe('locks (operations)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let spec: RepoSpec;
  let src: string;
  /** The repository opened directly, to plant locks and to hold them as another operation would. */
  let lib: Repository;
  const lockFiles = async () => await readdir(join(spec.location, 'locks')).catch(() => [] as string[]);
  const snapshotCount = async () => (await run((ctx) => listSnapshots(spec, {}, ctx))).snapshots.length;
  const backup = (ctx: OpContext, lockWaitMs = 0, paths = [src]) => backupPaths(spec, { paths, lockWaitMs }, ctx);
  const plantLock = (info: Partial<LockInfo>) => plantLockIn(lib, info);

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-locks-');
    spec = { location: join(tmp.path, 'repo'), password: { env: 'SB_OPS_LOCKS_PW' } };
    src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'f.txt'), 'data\n');
    await run((ctx) => initRepository(spec, ctx));
    lib = await Repository.open(await openBackend(spec.location), process.env.SB_OPS_LOCKS_PW!);
  });
  afterAll(async () => {
    await lib?.close();
    await tmp?.cleanup();
  });

  it('a backup leaves no lock behind', async () => {
    expect((await run((ctx) => backup(ctx))).outcome).toBe('ok');
    expect(await lockFiles()).toEqual([]);
  });

  it('a lock left by a dead process on this host is removed with a warning event, and the backup succeeds', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await plantLock({ pid: dead, exclusive: true });
    expect(await lockFiles()).toHaveLength(1);
    const { result, events } = await withEvents((ctx) => backup(ctx));
    expect(result.outcome).toBe('ok');
    expect(warningsOf(events)).toEqual([expect.stringMatching(new RegExp(`^removing stale lock .* pid ${dead} `))]);
    expect(await lockFiles()).toEqual([]);
  });

  it('a lock from another host not refreshed for over 30 minutes is stale too', async () => {
    const old = new Date(Date.now() - 31 * MINUTE).toISOString();
    await plantLock({ host: 'elsewhere', pid: 1, exclusive: true, time: old, refreshed: old });
    const { result, events } = await withEvents((ctx) => backup(ctx));
    expect(result.outcome).toBe('ok');
    expect(warningsOf(events)).toEqual([expect.stringMatching(/^removing stale lock .* host elsewhere /)]);
    expect(await lockFiles()).toEqual([]);
  });

  it('a fresh exclusive lock from another host refuses a backup (LOCKED, naming it); unlock keeps it, unlock all removes it', async () => {
    await plantLock({ host: 'web-2', pid: 811, exclusive: true });
    const err = await failure('LOCKED', (ctx) => backup(ctx));
    expect(err.message).toMatch(/locked by host web-2 .*pid 811/);
    expect(await lockFiles()).toHaveLength(1); // the refused backup removed its own lock
    // Not stale: unlock alone keeps it, and says why and what would remove it.
    const kept = await withEvents((ctx) => unlock(spec, {}, ctx));
    expect(kept.result).toMatchObject({ removed: 0, kept: 1 });
    expect(kept.result.advice).toEqual([
      expect.stringMatching(/^kept exclusive lock [0-9a-f]{8} of host web-2 pid 811 .*another host/),
      expect.stringMatching(/'strongbox unlock --remove-all' removes it/),
    ]);
    expect(warningsOf(kept.events)).toEqual([]);
    expect(await lockFiles()).toHaveLength(1);
    const all = await withEvents((ctx) => unlock(spec, { all: true }, ctx));
    expect(all.result).toMatchObject({ removed: 1, kept: 0, advice: [] });
    expect(warningsOf(all.events)).toEqual([expect.stringMatching(/^removed lock [0-9a-f]{8} of host web-2 pid 811/)]);
    expect(await lockFiles()).toEqual([]);
  });

  it('a live exclusive lock refuses a backup (LOCKED, naming host and pid, pointing to strongbox unlock); only unlock all removes it', async () => {
    const before = await snapshotCount();
    const lock = await RepoLock.acquire(lib, true);
    try {
      const err = await failure('LOCKED', (ctx) => backup(ctx, 1000));
      expect(err.message).toContain(`host ${hostname()}`);
      expect(err.message).toContain(`pid ${process.pid}`);
      expect(err.message).toContain('strongbox unlock');
      expect(await snapshotCount()).toBe(before);
      const kept = await run((ctx) => unlock(spec, {}, ctx));
      expect(kept).toMatchObject({ removed: 0, kept: 1 });
      expect(kept.advice[0]).toMatch(`process ${process.pid} on this host is still running`);
      expect(await lockFiles()).toHaveLength(1);
      expect(await run((ctx) => unlock(spec, { all: true }, ctx))).toMatchObject({ removed: 1, kept: 0 });
      expect(await lockFiles()).toEqual([]);
      expect((await run((ctx) => backup(ctx))).outcome).toBe('ok');
      expect(await snapshotCount()).toBe(before + 1);
    } finally {
      await lock.release();
    }
  });

  it('a backup waits for an exclusive lock (a prune) to be released, says so, then completes its snapshot', async () => {
    const before = await snapshotCount();
    const lock = await RepoLock.acquire(lib, true);
    const waiting = startWaiting((ctx) => backup(ctx, 2 * MINUTE));
    try {
      await waiting.isWaiting;
      expect(await snapshotCount()).toBe(before);
    } finally {
      await lock.release();
    }
    expect((await waiting.done).outcome).toBe('ok');
    expect(await snapshotCount()).toBe(before + 1);
    // It said whom it waited for, and for how long at most, then that it had the lock.
    expect(lockPhases(waiting.events)).toEqual([
      expect.stringMatching(
        /^started: .*exclusively locked by host \S+ since \d\d:\d\d \(pid \d+\); waiting up to 2min$/,
      ),
      expect.stringMatching(/^finished: lock taken after waiting \d+s$/),
    ]);
    expect(await lockFiles()).toEqual([]);
  });

  it('a live shared lock lets a backup run but refuses key removal, which needs an exclusive lock', async () => {
    const lock = await RepoLock.acquire(lib, false);
    try {
      expect((await run((ctx) => backup(ctx))).outcome).toBe('ok');
      const added = await run((ctx) => addKey(spec, { env: 'SB_OPS_LOCKS_NEW' }, ctx));
      const err = await failure('LOCKED', (ctx) => removeKey(spec, added.id, ctx));
      expect(err.message).toMatch(/locked by host/);
      expect(await lockFiles()).toHaveLength(1);
      expect((await run((ctx) => listKeys(spec, ctx))).keys.map((k) => k.id)).toContain(added.id);
    } finally {
      await lock.release();
    }
    expect(await lockFiles()).toEqual([]);
  });

  it('three backups running at once all succeed (shared locks), and a check reading all data finds no errors', async () => {
    const other = join(tmp.path, 'src2');
    await mkdir(other);
    await writeFile(join(other, 'g.txt'), Buffer.alloc(3 * 1024 * 1024, 7));
    const before = await snapshotCount();
    const results = await Promise.all([
      run((ctx) => backup(ctx, MINUTE)),
      run((ctx) => backup(ctx, MINUTE, [other])),
      run((ctx) => backup(ctx, MINUTE, [other])),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(await snapshotCount()).toBe(before + 3);
    const check = await run((ctx) => checkRepo(spec, { readData: { kind: 'all' } }, ctx));
    expect(check.errors).toEqual([]);
    expect(check.outcome).toBe('ok');
    expect(await lockFiles()).toEqual([]);
  });

  it('listing works while an exclusive lock is held; restore and check, which read packs a prune may delete, wait for it', async () => {
    const lock = await RepoLock.acquire(lib, true);
    let waiting: Waiting<RestoreResult> | undefined;
    try {
      expect(await snapshotCount()).toBeGreaterThan(0);
      expect((await run((ctx) => listFiles(spec, 'latest', ctx))).entries.length).toBeGreaterThan(0);
      await failure('LOCKED', (ctx) => checkRepo(spec, { readData: null, lockWaitMs: 0 }, ctx));
      const refused = await failure('LOCKED', (ctx) =>
        restorePaths(spec, { snapshot: 'latest', target: join(tmp.path, 'out-refused'), lockWaitMs: 0 }, ctx),
      );
      expect(refused.message).toMatch(/exclusively locked/);
      // With the operation's default wait (none passed here), restore waits for the lock.
      waiting = startWaiting((ctx) => restorePaths(spec, { snapshot: 'latest', target: join(tmp.path, 'out') }, ctx));
      await waiting.isWaiting;
    } finally {
      await lock.release();
    }
    const restored = await waiting.done;
    expect(restored.outcome).toBe('ok');
    expect(restored.files).toBeGreaterThan(0);
    expect(lockPhases(waiting.events)).toEqual([
      expect.stringMatching(/^started: .*exclusively locked by host /),
      expect.stringMatching(/^finished: lock taken after waiting /),
    ]);
  });
});
