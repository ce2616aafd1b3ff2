// Repository locks (format doc, "Locks"): shared for backup, exclusive for anything that deletes.
// Stale locks (not refreshed for 30 min, or left by a dead process on this host) are removed with a warning.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { safeUser } from '../util/user.js';
import { monotonicMs } from '../clock.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import { openObject, sealObject } from './objects.js';
import { sleep } from '../util/scope.js';
import { quarantine } from './quarantine.js';
import type { DamagedObject, Repository } from './repository.js';

export interface LockInfo {
  exclusive: boolean;
  host: string;
  pid: number;
  username: string;
  time: string;
  refreshed: string;
}

export interface LockOptions {
  staleAfterMs?: number;
  refreshEveryMs?: number;
  warn?: (msg: string) => void;
  /** Keep trying this long while another process holds a conflicting lock (0: fail at once). */
  waitMs?: number;
  /** Stops the wait (the operation was cancelled). */
  signal?: AbortSignal;
  /** Told once, with who holds it, when a conflicting lock is about to be waited for. */
  onWait?: (holder: string) => void;
  /** How long to wait before listing locks a second time on a store without atomic create (default 1 s). */
  recheckDelayMs?: number;
}

/** A conflicting lock: `holder` says whose (host, pid, since when). */
class LockedError extends StrongboxError {
  constructor(
    readonly holder: string,
    message: string,
  ) {
    super('LOCKED', message);
  }
}

export const STALE_AFTER_MS = 30 * 60 * 1000;
export const REFRESH_EVERY_MS = 5 * 60 * 1000;
/** The second look for conflicting locks on stores without atomic create or consistent listing (format doc, "Locks"). */
export const RECHECK_DELAY_MS = 1000;

export class RepoLock {
  private timer: NodeJS.Timeout | null = null;
  private released = false;

  private constructor(
    private readonly repo: Repository,
    private name: string,
    private readonly info: LockInfo,
  ) {}

  /** Take a lock, waiting up to `waitMs` for a conflicting one to go, else fail with LOCKED naming the holder. */
  static async acquire(repo: Repository, exclusive: boolean, opts: LockOptions = {}): Promise<RepoLock> {
    const until = monotonicMs() + (opts.waitMs ?? 0);
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await RepoLock.tryAcquire(repo, exclusive, opts);
      } catch (e) {
        if (!isStrongboxError(e, 'LOCKED') || monotonicMs() + delay > until) throw e;
        if (delay === 200) opts.onWait?.(e instanceof LockedError ? e.holder : e.message);
        // Jittered, so processes that began waiting together do not retry in step.
        await sleep(delay * (0.75 + Math.random() / 2), opts.signal);
      }
    }
  }

  private static async tryAcquire(repo: Repository, exclusive: boolean, opts: LockOptions): Promise<RepoLock> {
    const staleAfter = opts.staleAfterMs ?? STALE_AFTER_MS;
    await removeStaleLocks(repo, staleAfter, opts.warn ?? (() => {}));
    const now = new Date(repo.clock.now()).toISOString();
    const info: LockInfo = {
      exclusive,
      host: hostname(),
      pid: process.pid,
      username: safeUser(),
      time: now,
      refreshed: now,
    };
    const name = await writeLock(repo, info);
    const lock = new RepoLock(repo, name, info);
    const conflicting = async () =>
      (await readLocks(repo, () => {})).find((l) => l.name !== name && (exclusive || l.info.exclusive));
    let conflict: StoredLock | undefined;
    try {
      conflict = await conflicting();
      // Write, then list is enough where a listing shows every write completed before it began: of two processes
      // locking at once, the one listing second sees the other. Lock names are random, so an exclusive create that
      // is not atomic does not matter here. Where the listing may lag behind writes, look once more after a delay.
      if (!conflict && !repo.backend.capabilities.consistentListing) {
        await sleep(opts.recheckDelayMs ?? RECHECK_DELAY_MS, opts.signal);
        conflict = await conflicting();
      }
    } catch (e) {
      // Cancelled, or the listing failed: the lock just written must not stay behind.
      await lock.release().catch(() => {});
      throw e;
    }
    if (conflict) {
      await lock.release();
      const c = conflict.info;
      const since = new Date(c.time).toISOString().slice(11, 16);
      const holder = `repository at ${repo.backend.location} is ${c.exclusive ? 'exclusively ' : ''}locked by host ${c.host} since ${since} (pid ${c.pid})`;
      throw new LockedError(holder, `${holder}; if that process is gone, run 'strongbox unlock'`);
    }
    lock.timer = setInterval(() => {
      void lock.refresh();
    }, opts.refreshEveryMs ?? REFRESH_EVERY_MS);
    lock.timer.unref();
    return lock;
  }

  async refresh(): Promise<void> {
    if (this.released) return;
    const info = { ...this.info, refreshed: new Date(this.repo.clock.now()).toISOString() };
    const name = await writeLock(this.repo, info);
    const old = this.name;
    this.name = name;
    await this.repo.backend.remove({ type: 'lock', name: old });
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.released = true;
    await this.repo.backend.remove({ type: 'lock', name: this.name });
  }
}

async function writeLock(repo: Repository, info: LockInfo): Promise<string> {
  const name = randomBytes(32).toString('hex');
  await repo.save({ type: 'lock', name }, sealObject(repo.key.encKey, 'lock', Buffer.from(JSON.stringify(info))), true);
  return name;
}

export interface StoredLock {
  name: string;
  info: LockInfo;
}

/** The locks that read and verify, and the lock files that do not (which therefore cannot be valid locks). */
export async function readAllLocks(repo: Repository): Promise<{ locks: StoredLock[]; unreadable: DamagedObject[] }> {
  const locks: StoredLock[] = [];
  const unreadable: DamagedObject[] = [];
  for await (const f of repo.backend.list('lock')) {
    let stored: Buffer;
    try {
      stored = await repo.backend.load({ type: 'lock', name: f.name });
    } catch (e) {
      if (repo.backend.isNotFound(e)) continue; // removed between list and load: not a lock any more
      throw e;
    }
    try {
      const info = JSON.parse(openObject(repo.key.encKey, 'lock', stored, f.name).toString('utf8')) as LockInfo;
      if (!info || typeof info.host !== 'string' || typeof info.refreshed !== 'string')
        throw new Error('not a lock record');
      locks.push({ name: f.name, info });
    } catch (e) {
      // Saves are atomic, and every writer seals with the same master key: what does not open is no lock.
      unreadable.push({
        type: 'lock',
        name: f.name,
        message: isStrongboxError(e) ? e.message : `lock ${f.name}: ${(e as Error).message}`,
      });
    }
  }
  return { locks, unreadable };
}

/** The locks that read and verify; an unreadable lock file is skipped with a warning (it blocks nobody). */
export async function readLocks(
  repo: Repository,
  warn: (m: string) => void = (m) => repo.warn(m),
): Promise<StoredLock[]> {
  const { locks, unreadable } = await readAllLocks(repo);
  for (const u of unreadable)
    warn(`ignoring ${u.message}: it cannot be a valid lock; 'strongbox unlock' moves it to quarantine`);
  return locks;
}

export function isStale(info: LockInfo, nowMs: number, staleAfterMs: number, host = hostname()): boolean {
  if (nowMs - Date.parse(info.refreshed) > staleAfterMs) return true;
  return info.host === host && !processExists(info.pid);
}

/** Remove stale locks; with `all`, remove every lock (the `unlock --remove-all` escape hatch). */
export async function removeStaleLocks(
  repo: Repository,
  staleAfterMs: number,
  warn: (m: string) => void,
  all = false,
): Promise<number> {
  let n = 0;
  for (const l of await readLocks(repo, warn)) {
    if (all || isStale(l.info, repo.clock.now(), staleAfterMs)) {
      warn(
        `removing stale lock ${l.name.slice(0, 8)} of host ${l.info.host} pid ${l.info.pid} (last refreshed ${l.info.refreshed})`,
      );
      await repo.backend.remove({ type: 'lock', name: l.name });
      n++;
    }
  }
  return n;
}

export interface UnlockResult {
  /** Stale (or, with `all`, any) locks removed. */
  removed: StoredLock[];
  /** Lock files that could not be read, moved to quarantine. */
  unreadable: DamagedObject[];
  /** Locks that look alive and were kept. */
  kept: StoredLock[];
}

/**
 * `unlock`: remove stale locks (with `all`, every lock), and move lock files that cannot be read to
 * quarantine; they cannot be valid, and would otherwise stay behind for ever.
 */
export async function unlockRepository(
  repo: Repository,
  opts: { all?: boolean; staleAfterMs?: number } = {},
): Promise<UnlockResult> {
  const { locks, unreadable } = await readAllLocks(repo);
  for (const u of unreadable) await quarantine(repo, { type: 'lock', name: u.name });
  const r: UnlockResult = { removed: [], unreadable, kept: [] };
  for (const l of locks) {
    if (opts.all || isStale(l.info, repo.clock.now(), opts.staleAfterMs ?? STALE_AFTER_MS)) {
      await repo.backend.remove({ type: 'lock', name: l.name });
      r.removed.push(l);
    } else r.kept.push(l);
  }
  return r;
}

/** Why a kept lock was kept, and what `--remove-all` would do about it (for `unlock` to print). */
export function keptLockAdvice(kept: StoredLock[], host = hostname()): string[] {
  if (!kept.length) return [];
  const lines = kept.map(({ name, info }) => {
    const why =
      info.host === host
        ? `process ${info.pid} on this host is still running`
        : `it is held by another host, where this host cannot see whether pid ${info.pid} still runs; it becomes stale 30 minutes after its last refresh`;
    return `kept ${info.exclusive ? 'exclusive' : 'shared'} lock ${name.slice(0, 8)} of host ${info.host} pid ${info.pid} (last refreshed ${info.refreshed}): ${why}`;
  });
  lines.push(
    `if ${kept.length === 1 ? 'that process is' : 'those processes are'} gone, 'strongbox unlock --remove-all' removes ${kept.length === 1 ? 'it' : `these ${kept.length} locks`}` +
      ' (removing a live lock lets a prune delete data a running backup or restore still needs)',
  );
  return lines;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
