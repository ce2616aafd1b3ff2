// A decorator that retries transient backend failures with exponential backoff and jitter. Permanent
// failures (not found, already exists, permission denied, invalid request) are returned at once.

import { setTimeout as delay } from 'node:timers/promises';
import { isAbortError } from '../abort.js';
import type { Backend, FileInfo, FileType, Handle, ListOptions, SaveOptions } from '../backend.js';

export interface RetryInfo {
  op: string;
  handle?: Handle;
  /** The attempt that just failed, counting from 1; at most `retries`. */
  attempt: number;
  error: unknown;
  /** How long the wrapper waits before the next attempt. */
  delayMs: number;
}

export interface RetryOptions {
  /** Retries after the first attempt (default 5, so at most 6 attempts). */
  retries?: number;
  /** Nominal delay before the first retry, doubled for each later one (default 200 ms). */
  baseDelayMs?: number;
  /** Cap on the nominal delay (default 10 s). */
  maxDelayMs?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Injected in tests to avoid real waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1) (default Math.random); injected in tests for exact delays. */
  random?: () => number;
  /** The operation's signal: once it is aborted nothing is retried, and a wait before a retry ends at once. */
  signal?: AbortSignal;
}

/** `sleep(ms)`, cut short when `signal` is aborted. */
function sleepUnlessAborted(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    sleep(ms).then(done, done);
  });
}

/**
 * Wrap a backend so every operation except `close` is retried on transient errors. The delay before
 * retry n is drawn uniformly from [d/2, d] with d = min(maxDelayMs, baseDelayMs · 2^(n-1)): half
 * exponential, half jitter, so many clients failing together do not retry in lockstep.
 */
export function withRetry(backend: Backend, opts: RetryOptions = {}): Backend {
  const retries = opts.retries ?? 5;
  const baseDelayMs = opts.baseDelayMs ?? 200;
  const maxDelayMs = opts.maxDelayMs ?? 10_000;
  const sleep = opts.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const random = opts.random ?? Math.random;

  const fatal = (err: unknown): boolean =>
    isAbortError(err) ||
    opts.signal?.aborted === true ||
    backend.isPermanent(err) ||
    backend.isNotFound(err) ||
    backend.isAlreadyExists(err);

  /** Rethrow `error` if it must not be retried (or retries are used up); otherwise wait. */
  async function backoff(op: string, handle: Handle | undefined, attempt: number, error: unknown): Promise<void> {
    if (attempt > retries || fatal(error)) throw error;
    const nominal = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const delayMs = Math.round(nominal / 2 + (random() * nominal) / 2);
    opts.onRetry?.({ op, handle, attempt, error, delayMs });
    await (opts.signal ? sleepUnlessAborted(sleep, delayMs, opts.signal) : sleep(delayMs));
    if (opts.signal?.aborted) throw error;
  }

  async function run<T>(op: string, handle: Handle | undefined, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        await backoff(op, handle, attempt, err);
      }
    }
  }

  const load = (h: Handle, range?: { offset: number; length: number }): Promise<Buffer> =>
    run('load', h, () => backend.load(h, range));

  /**
   * An exclusive save is ambiguous after a transient failure: the earlier attempt may have stored the
   * object and only the reply was lost, so the retry sees "already exists" for our own write. We then
   * load the object and compare: identical bytes mean the object is exactly what we asked for (our
   * write, or a byte-identical one, which for config and locks is equally good), so the save counts as
   * done. Different bytes, or a failed load, mean someone else holds the name: already-exists stands.
   * On the first attempt already-exists is never second-guessed.
   */
  async function saveExclusive(h: Handle, data: Uint8Array, o: SaveOptions): Promise<void> {
    let retried = false;
    await run('save', h, async () => {
      try {
        await backend.save(h, data, o);
      } catch (err) {
        if (retried && backend.isAlreadyExists(err) && (await holds(h, data))) return;
        retried = true;
        throw err;
      }
    });
  }

  async function holds(h: Handle, data: Uint8Array): Promise<boolean> {
    try {
      return (await load(h)).equals(data);
    } catch {
      return false;
    }
  }

  /**
   * A failed listing is restarted from the beginning, skipping names already yielded, so the caller
   * sees each object at most once and results still stream. The set of yielded names costs about as
   * much memory as collecting the list, but the first results arrive without waiting for the end.
   */
  async function* list(type: FileType, opts?: ListOptions): AsyncIterable<FileInfo> {
    const seen = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const info of backend.list(type, opts)) {
          if (seen.has(info.name)) continue;
          seen.add(info.name);
          yield info;
        }
        return;
      } catch (err) {
        await backoff('list', undefined, attempt, err);
      }
    }
  }

  return {
    location: backend.location,
    localPath: backend.localPath,
    capabilities: backend.capabilities,
    create: () => run('create', undefined, () => backend.create()),
    save: (h, data, o = {}) =>
      o.exclusive ? saveExclusive(h, data, o) : run('save', h, () => backend.save(h, data, o)),
    load,
    stat: (h) => run('stat', h, () => backend.stat(h)),
    list,
    remove: (h) => run('remove', h, () => backend.remove(h)),
    isNotFound: (err) => backend.isNotFound(err),
    isAlreadyExists: (err) => backend.isAlreadyExists(err),
    isPermanent: (err) => backend.isPermanent(err),
    ...(backend.removeLeftovers ? { removeLeftovers: () => backend.removeLeftovers!() } : {}),
    close: () => backend.close(),
  };
}
