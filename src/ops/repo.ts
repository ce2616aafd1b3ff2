// Opening an operation's repository and holding its lock: every operation that reads or writes a repository goes
// through `withRepository`, which closes what it opened and releases the lock however the operation ends.
import { StrongboxError, toUserError } from '../errors.js';
import { monotonicMs } from '../clock.js';
import { formatDuration } from '../util/duration.js';
import { abortError, throwIfAborted } from '../util/scope.js';
import { RepoLock } from '../repository/lock.js';
import { createRepository, type MirrorLocation, openRepository } from '../repository/open.js';
import type { InitOptions, Repository } from '../repository/repository.js';
import type { OpContext } from './context.js';
import { type PasswordSource, resolvePassword } from './password.js';

/** Which repository, and where its password comes from. */
export interface RepoSpec {
  location: string;
  password: PasswordSource;
  /** The storage backend's options (the repository's `options` in strongbox.yaml). */
  options?: Record<string, unknown>;
  /** Stores that hold a copy of every object (the repository's `mirrors` in strongbox.yaml). */
  mirrors?: MirrorLocation[];
}

export type LockMode = 'none' | 'shared' | 'exclusive';

export interface RepoAccess {
  /** shared: backup, restore, dump, check (they exclude prune); exclusive: forget, prune, key removal. */
  lock: LockMode;
  /** How long to wait for a conflicting lock (ms; default 0: fail at once). */
  waitMs?: number;
  /** Load the blob index (after the lock is held; default true with a lock). */
  index?: boolean;
  /** Runs once the repository is open, before the lock is taken (sync gives empty mirrors their layout here). */
  beforeLock?: (repo: Repository) => Promise<void>;
}

/** How long a backup or a reader (restore, dump, check) waits by default for a running forget/prune. */
export const SHARED_LOCK_WAIT_MS = 30 * 60_000;

/**
 * Opens the repository, takes the lock, loads the index, runs `fn`, then releases and closes. The index is
 * loaded only once the lock is held: one read before could be stale by then (a prune that ran meanwhile), and a
 * backup deduplicating against it would reference deleted blobs.
 */
export async function withRepository<T>(
  spec: RepoSpec,
  ctx: OpContext,
  access: RepoAccess,
  fn: (repo: Repository) => Promise<T>,
): Promise<T> {
  const repo = await openRepository(spec.location, () => resolvePassword(spec.password, process.env, ctx.signal), {
    index: false,
    clock: ctx.clock,
    warn: (message) => ctx.emit({ type: 'warning', message }),
    backendOptions: spec.options,
    ...(spec.mirrors?.length ? { mirrors: spec.mirrors } : {}),
    signal: ctx.signal,
  }).catch((e: unknown) => {
    // Cancelled while opening (a backend's commands are killed by the abort): that is the cancellation.
    throw ctx.signal.aborted ? abortError(ctx.signal) : e;
  });
  try {
    return await locked(repo, ctx, access, fn);
  } catch (e) {
    // Cancelled: whatever failed on the way out (a killed tool, a closed pipe) is the cancellation.
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    throw toUserError(e);
  } finally {
    for (const f of repo.storeFaults()) {
      const message =
        `store ${f.store} of ${repo.location} failed (${f.reason}): ${f.missed} write(s) or read(s) went ` +
        "to the other stores only; the repository is degraded until 'strongbox sync' brings it up to date";
      ctx.emit({ type: 'warning', message });
    }
    await repo.close();
  }
}

async function locked<T>(
  repo: Repository,
  ctx: OpContext,
  access: RepoAccess,
  fn: (repo: Repository) => Promise<T>,
): Promise<T> {
  throwIfAborted(ctx.signal);
  await access.beforeLock?.(repo);
  if (access.lock === 'none') {
    if (access.index) await repo.loadIndex();
    return fn(repo);
  }
  let waitedSince: number | undefined;
  const lock = await RepoLock.acquire(repo, access.lock === 'exclusive', {
    waitMs: access.waitMs ?? 0,
    signal: ctx.signal,
    warn: (message) => ctx.emit({ type: 'warning', message }),
    // Waiting is said, not done in silence: a backup queued behind a prune can wait for many minutes.
    onWait: (holder) => {
      waitedSince = monotonicMs();
      const upTo = formatDuration(access.waitMs ?? 0);
      ctx.emit({ type: 'phase', phase: 'lock', state: 'started', message: `${holder}; waiting up to ${upTo}` });
    },
  });
  if (waitedSince !== undefined) {
    const waited = formatDuration(monotonicMs() - waitedSince);
    ctx.emit({ type: 'phase', phase: 'lock', state: 'finished', message: `lock taken after waiting ${waited}` });
  }
  try {
    if (access.lock === 'exclusive') requireEveryStore(repo);
    if (access.index !== false) await repo.loadIndex();
    return await fn(repo);
  } finally {
    await lock.release().catch((e) =>
      ctx.emit({
        type: 'warning',
        message: `releasing the lock on ${repo.location} failed: ${(e as Error).message}`,
      }),
    );
  }
}

/**
 * An operation under the exclusive lock removes objects (forget, prune, key removal, repair): it must hold the
 * lock on, and reach, every store, or a store that missed the removal would bring the objects back at the next sync.
 */
function requireEveryStore(repo: Repository): void {
  const down = repo.storeFaults();
  if (!down.length) return;
  const which = down.map((f) => `store ${f.store} does not answer (${f.reason})`).join('; ');
  throw new StrongboxError(
    'BACKEND',
    `${which}: ` +
      `this operation changes every store of ${repo.location}; run it when all are reachable (then 'strongbox sync')`,
  );
}

/** Creates a repository; `packSizeMiB` (1–128) sets the target pack size. */
export async function initRepository(
  spec: RepoSpec,
  ctx: OpContext,
  opts: { packSizeMiB?: number } = {},
): Promise<{ id: string; location: string; version: number; mirrors: string[] }> {
  const init: InitOptions = { clock: ctx.clock };
  if (opts.packSizeMiB !== undefined) {
    const n = opts.packSizeMiB;
    if (!Number.isInteger(n) || n < 1 || n > 128)
      throw new StrongboxError('USAGE', `pack size ${n} MiB: give a whole number from 1 to 128`);
    init.packSize = n * 1024 * 1024;
  }
  const repo = await createRepository(
    spec.location,
    () => resolvePassword(spec.password, process.env, ctx.signal),
    init,
    spec.options,
    spec.mirrors,
    ctx.signal,
  );
  try {
    const down = repo.storeFaults();
    if (down.length) {
      const where = down.map((f) => `${f.store} (${f.reason})`).join(', ');
      throw new StrongboxError(
        'BACKEND',
        `the repository was created at ${repo.location}, but not on ${where}; ` +
          "run 'strongbox sync' when it is reachable",
      );
    }
    const mirrors = (spec.mirrors ?? []).map((m) => m.location);
    return { id: repo.config.id, location: repo.location, version: repo.config.version, mirrors };
  } finally {
    await repo.close();
  }
}
