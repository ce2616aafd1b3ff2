// The SFTP session as the backend uses it: connected on first use and again after a drop, a bounded number
// of operations at once, and every remote request under a timeout that drops a connection which stopped answering.

import type { SFTPWrapper } from 'ssh2';
import { Semaphore } from '../../util/concurrency.js';
import { requestAborts } from '../abort.js';
import { BackendError } from '../backend.js';
import { openSession, type Session } from './connection.js';
import type { SftpTarget } from './location.js';
import type { ResolvedSftpOptions } from './options.js';

export type Callback<T> = (err: Error | null | undefined, result?: T) => void;

export interface Remote {
  /** Run one backend operation in one of the `connections` slots. */
  slot<T>(fn: () => Promise<T>): Promise<T>;
  /** One SFTP request, failed with a transient error (and the connection dropped) if it takes too long. */
  call<T>(what: string, fn: (sftp: SFTPWrapper, cb: Callback<T>) => void): Promise<T>;
  close(): Promise<void>;
}

export function createRemote(
  target: SftpTarget,
  opts: ResolvedSftpOptions,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Remote {
  const slots = new Semaphore(Math.max(1, opts.connections));
  const aborts = requestAborts(signal);
  let current: Promise<Session> | undefined;
  const promiseOf = new WeakMap<Session, Promise<Session>>();
  let closed = false;

  function session(): Promise<Session> {
    if (closed) return Promise.reject(new BackendError('permanent', 'the SFTP backend was closed'));
    if (current === undefined) {
      const p: Promise<Session> = openSession(target, opts, env, () => {
        if (current === p) current = undefined;
      });
      current = p;
      p.then(
        (s) => promiseOf.set(s, p),
        () => {
          if (current === p) current = undefined;
        },
      );
    }
    return current;
  }

  /** Forget a connection that stopped answering; its pending requests fail and later ones reconnect. */
  function drop(s: Session): void {
    if (current === promiseOf.get(s)) current = undefined;
    s.client.destroy();
  }

  /**
   * Settles with `p`, or fails as INTERRUPTED as soon as the operation is cancelled (then `onAbort` runs). A request
   * started after the cancel gets AFTER_ABORT_MS instead (releasing the lock must not hang on a stalled server).
   */
  function abortable<T>(p: Promise<T>, onAbort: () => void): Promise<T> {
    const stop = aborts.forRequest();
    if (stop === undefined) return p;
    return new Promise<T>((resolve, reject) => {
      const abort = () => {
        onAbort();
        reject(aborts.error());
      };
      if (stop.aborted) return abort();
      stop.addEventListener('abort', abort, { once: true });
      p.then(resolve, reject).finally(() => stop.removeEventListener('abort', abort));
    });
  }

  async function call<T>(what: string, fn: (sftp: SFTPWrapper, cb: Callback<T>) => void): Promise<T> {
    // A connection still being opened when the operation is cancelled is dropped once it is up.
    const opening = session();
    const s = await abortable(opening, () => void opening.then(drop, () => {}));
    const answer = new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        drop(s);
        const why = `${what} got no answer within ${opts.timeoutMs / 1000} s; the connection was dropped`;
        reject(new BackendError('transient', why));
      }, opts.timeoutMs);
      const done: Callback<T> = (err, result) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result as T);
      };
      try {
        fn(s.sftp, done);
      } catch (e) {
        done(e as Error); // ssh2 throws synchronously for an extension the server lacks
      }
    });
    // Cancelled: the connection is dropped, which fails every request on it (they all belong to this operation).
    return abortable(answer, () => drop(s));
  }

  return {
    async slot<T>(fn: () => Promise<T>): Promise<T> {
      await slots.acquire();
      try {
        return await fn();
      } finally {
        slots.release();
      }
    },
    call,
    async close(): Promise<void> {
      closed = true;
      aborts.dispose();
      const p = current;
      current = undefined;
      if (p === undefined) return;
      const s = await p.catch(() => undefined);
      if (s === undefined) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          s.client.destroy();
          resolve();
        }, 5_000);
        s.client.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        s.client.end();
      });
    },
  };
}
