// When a bucket request is tried again: transient S3 errors (throttling, 5xx, cut connections) only, with
// exponential backoff and jitter. No AWS code: the archive and restore modules use it before the SDK loads.
import { getMaxListeners, setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { s3ErrorKind } from '../../backends/s3/errors.js';

/** Whether a failure of attempt `attempt` is worth another: transient ones, up to 5 attempts. */
export function retryable(e: unknown, attempt: number): boolean {
  return attempt < 5 && !(e as Error | undefined)?.name?.startsWith('Abort') && s3ErrorKind(e) === 'transient';
}

/** Exponential backoff with jitter: [d/2, d] for d = 200 ms · 2^(attempt-1), at most 5 s. */
export function backoff(attempt: number): Promise<void> {
  const d = Math.min(5000, 200 * 2 ** (attempt - 1));
  return delay(d / 2 + (Math.random() * d) / 2).then(() => undefined);
}

/** Whether `e` (as thrown by a Bucket) says the object or bucket does not exist. */
export function isMissing(e: unknown): boolean {
  const cause = (e as { cause?: unknown } | undefined)?.cause ?? e;
  return s3ErrorKind(cause) === 'not-found';
}

/**
 * Every request in flight listens to the operation's signal (so a cancel stops it at once): `connections` of them, and
 * the stream reads around them, are expected, not a leak for Node to warn about on stderr.
 */
export function roomForRequests(signal: AbortSignal | undefined, connections: number): void {
  if (signal && getMaxListeners(signal) < connections * 4 + 10) setMaxListeners(connections * 4 + 10, signal);
}
