// What every command shares: the global options, where output goes, and running one operation with a context
// whose events are rendered and whose scope is closed however the operation ends.
import { type OpContext, newContext } from '../ops/context.js';
import type { RepoChoice } from '../ops/target.js';
import { parseDuration } from '../util/duration.js';
import { parseDateTime } from '../util/time.js';
import type { Scope } from '../util/scope.js';
import { type Renderer, renderer } from './output/render.js';

export interface GlobalOptions {
  repo?: string;
  config?: string;
  passwordFile?: string;
  passwordCommand?: string;
  passwordCommandTimeout?: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Redraws the one progress line (a terminal only; '' clears it). */
  progress?: (line: string) => void;
  isTTY: boolean;
  /** Aborted when the user interrupts (SIGINT, SIGTERM): the running operation is cancelled. */
  signal?: AbortSignal;
}

/** Set once stdout's reader went away (`strongbox ls | head`): nothing more is written there. */
export const stdoutState = { closed: false };

export const processIo: Io = {
  out: (s) => {
    if (!stdoutState.closed) process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  },
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r\x1b[K${line}`) : undefined,
  isTTY: !!process.stderr.isTTY,
};

/** The repository choice the global options make. */
export function choice(g: GlobalOptions): RepoChoice {
  const timeout = g.passwordCommandTimeout;
  return {
    repo: g.repo,
    config: g.config,
    passwordFile: g.passwordFile,
    passwordCommand: g.passwordCommand,
    ...(timeout !== undefined
      ? { passwordCommandTimeoutMs: parseDuration(timeout, '--password-command-timeout', { positive: true }) }
      : {}),
  };
}

/** A command that handles SIGINT/SIGTERM itself (the daemon: a shutdown backup, then exit) sets this while it runs. */
export const signalOwner: { handle?: (signal: string) => void } = {};

/** Scopes of the operations running now: a second interrupt kills their processes before the CLI exits. */
export const liveScopes = new Set<Scope>();

/**
 * Runs one operation with a fresh context whose events the renderer draws (with `stream` and --json, as JSON
 * lines on stdout that a summary line ends); the context's scope is closed
 * afterwards (what an aborted operation kept on purpose is reported).
 */
export async function runOp<T>(
  g: GlobalOptions,
  io: Io,
  fn: (ctx: OpContext, r: Renderer) => Promise<T>,
  opts: { stream?: boolean } = {},
): Promise<T> {
  const r = renderer(g, io, opts);
  const ctx = newContext({ signal: io.signal, emit: r.emit });
  liveScopes.add(ctx.scope);
  try {
    return await fn(ctx, r);
  } finally {
    r.done();
    liveScopes.delete(ctx.scope);
    for (const note of ctx.scope.close()) io.err(`strongbox: ${note}`);
  }
}

/** --retry-lock in ms (the one duration grammar), or `fallbackMs` when it was not given. */
export function lockWait(retryLock: string | undefined, fallbackMs: number): number {
  return retryLock === undefined ? fallbackMs : parseDuration(retryLock, '--retry-lock');
}

/** A --time/--since/--until value in ms since the epoch (the one date grammar: util/time.ts). */
export function parseTime(flag: string, v: string | undefined): number | undefined {
  return v === undefined ? undefined : parseDateTime(v, flag);
}

export const collect = (v: string, acc: string[] = []) => [...acc, v];

export function printJson(io: Io, v: unknown): void {
  io.out(JSON.stringify(v, null, 2));
}
