// The operation context every operation takes: its cancellation signal, where its events go, the clock, and the
// scope that owns its child processes and temporary files. Front ends (CLI, daemon, HTTP) make one per operation.
import { type Clock, systemClock } from '../clock.js';
import { type Emit, ignoreEvents } from '../events.js';
import { Scope } from '../util/scope.js';

export interface OpContext {
  readonly signal: AbortSignal;
  readonly emit: Emit;
  readonly clock: Clock;
  readonly scope: Scope;
}

export interface ContextOptions {
  signal?: AbortSignal;
  emit?: Emit;
  clock?: Clock;
}

/** A context for one operation; `close` it when the operation has ended. */
export function newContext(opts: ContextOptions = {}): OpContext {
  const signal = opts.signal ?? new AbortController().signal;
  return { signal, emit: opts.emit ?? ignoreEvents, clock: opts.clock ?? systemClock, scope: new Scope(signal) };
}

/**
 * Runs `fn` in a fresh context and closes it however `fn` ends: what the operation left running is killed, its
 * temporary files are removed, and what an aborted operation deliberately kept (a safety copy) is reported as a warning.
 */
export async function withContext<T>(opts: ContextOptions, fn: (ctx: OpContext) => Promise<T>): Promise<T> {
  const ctx = newContext(opts);
  try {
    return await fn(ctx);
  } finally {
    for (const note of ctx.scope.close()) ctx.emit({ type: 'warning', message: note });
  }
}
