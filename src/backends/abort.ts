// Cancellation for remote backends: the operation's AbortSignal ends the requests in flight at once instead of
// after the request timeout; a request made after the abort (releasing the lock, removing a temp file) gets a
// short deadline of its own, so cleanup still happens on a healthy store and cannot hang on a stalled one.
import { setMaxListeners } from 'node:events';
import { isStrongboxError, type StrongboxError } from '../errors.js';
import { abortError } from '../util/scope.js';

/** How long a request started after the operation was cancelled may take. */
export const AFTER_ABORT_MS = 5_000;

export interface RequestAborts {
  /** The operation's signal, if any, and whether it has fired. */
  readonly aborted: boolean;
  /**
   * The signal for a request starting now: one that fires when the operation is cancelled, or, once it has been,
   * after AFTER_ABORT_MS. Undefined without an operation signal.
   */
  forRequest(): AbortSignal | undefined;
  /** The error a request ends with when the operation was cancelled (INTERRUPTED, the signal's reason when ours). */
  error(): StrongboxError;
  /** Stop listening to the operation's signal (the backend is closed). */
  dispose(): void;
}

export function requestAborts(op: AbortSignal | undefined): RequestAborts {
  // One listener on the operation's signal however many requests run; requests listen to this one instead, and
  // there may be more than EventTarget's default of 10 (packs in flight, queued reads).
  const own = new AbortController();
  setMaxListeners(10_000, own.signal);
  const forward = () => own.abort(op?.reason);
  if (op?.aborted) forward();
  else op?.addEventListener('abort', forward, { once: true });
  return {
    get aborted() {
      return op?.aborted === true;
    },
    forRequest: () => (op === undefined ? undefined : op.aborted ? AbortSignal.timeout(AFTER_ABORT_MS) : own.signal),
    error: () => abortError(op ?? own.signal),
    dispose: () => op?.removeEventListener('abort', forward),
  };
}

/** True for the error a cancelled operation's requests end with: the retry layer never retries it. */
export function isAbortError(err: unknown): boolean {
  return isStrongboxError(err, 'INTERRUPTED');
}
