// What one operation owns that must not outlive it: child processes (a restore tool must be killed before its
// input ends, or it would commit half a database), private temporary directories (dump copies, options
// files holding a database password) and temporary files (a restored file not yet renamed into place). Each
// operation has its own scope, so cancelling one kills only its tools.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StrongboxError } from '../errors.js';

export interface TempDir {
  path: string;
  dispose(): Promise<void>;
  /** Leave the directory in place when the scope closes (it holds something the user must get back). */
  keep(): void;
  /**
   * Until the returned function is called, an aborted operation leaves the directory in place and the
   * scope reports `note` for the user (the directory holds the only copy of something while it is armed).
   */
  keepOnAbort(note: string): () => void;
}

/** The error an operation ends with once its signal is aborted: the signal's reason when it is ours. */
export function abortError(signal: AbortSignal): StrongboxError {
  const r = signal.reason;
  if (r instanceof StrongboxError) return r;
  return new StrongboxError('INTERRUPTED', typeof r === 'string' ? r : 'cancelled');
}

/** Throws the abort error when `signal` is aborted (a cheap check between steps of a long loop). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Waits `ms`, or rejects with the abort error as soon as `signal` is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * SIGKILL to `child`, and to its whole process group when it leads one (tracked with `group`): a tool or hook that
 * started processes of its own (a wrapper script, `docker exec`) must not leave them running.
 */
export function killChild(child: ChildProcess): void {
  const c = child as ChildProcess & { strongboxGroup?: boolean };
  try {
    if (c.strongboxGroup && c.pid) process.kill(-c.pid, 'SIGKILL');
    else c.kill('SIGKILL');
  } catch {
    // already gone
  }
}

export class Scope {
  private readonly children = new Set<ChildProcess & { strongboxGroup?: boolean }>();
  private readonly dirs = new Set<string>();
  /** Directories an abort must leave in place, with what to tell the user about each. */
  private readonly rescues = new Map<string, string>();
  private readonly files = new Set<string | Buffer>();

  constructor(readonly signal: AbortSignal = new AbortController().signal) {
    // Killed at the moment of the abort, synchronously: a tool fed from a stream must die before it could see
    // the stream's end.
    signal.addEventListener('abort', () => this.killChildren(), { once: true });
  }

  /** Kills `child` (its process group, when it leads one) if the operation is aborted while it runs. */
  track(child: ChildProcess, group = false): void {
    const c = child as ChildProcess & { strongboxGroup?: boolean };
    c.strongboxGroup = group;
    this.children.add(c);
    // Gone once it exited: what it left running in the background (a hook's `service start &`) is not ours.
    child.once('exit', () => this.children.delete(c));
    child.once('error', () => this.children.delete(c));
  }

  /** A private (0700) temporary directory, removed by `dispose` or when the scope closes. */
  async tempDir(prefix: string): Promise<TempDir> {
    const path = await mkdtemp(join(tmpdir(), `strongbox-${prefix}-`));
    this.dirs.add(path);
    return {
      path,
      dispose: async () => {
        if (!this.dirs.has(path)) return;
        await rm(path, { recursive: true, force: true });
        this.dirs.delete(path);
      },
      keep: () => {
        this.dirs.delete(path);
      },
      keepOnAbort: (note) => {
        this.rescues.set(path, note);
        return () => {
          this.rescues.delete(path);
        };
      },
    };
  }

  /**
   * A temporary file the operation made outside its temp dirs (beside where it will be renamed to): removed when
   * the scope closes, unless `untrackFile` was called first (the file was renamed into place or removed).
   */
  trackFile(path: string | Buffer): void {
    this.files.add(path);
  }

  untrackFile(path: string | Buffer): void {
    this.files.delete(path);
  }

  /** Writes `input` to a 0600 file in a private temporary directory (for tools that need a seekable file). */
  async spool(input: AsyncIterable<Buffer>, prefix: string, name: string): Promise<TempDir & { file: string }> {
    const dir = await this.tempDir(prefix);
    const file = join(dir.path, name);
    try {
      await pipeline(input, createWriteStream(file, { mode: 0o600 }));
    } catch (e) {
      await dir.dispose();
      throw e;
    }
    return { ...dir, file };
  }

  /** Kills every child still running (SIGKILL; the whole process group of those that lead one). */
  killChildren(): void {
    for (const c of this.children) killChild(c);
    this.children.clear();
  }

  /**
   * Ends the scope: kills what still runs and removes every temporary directory, except those armed with
   * keepOnAbort when the operation was aborted; returns the notes about those, for the user. Synchronous,
   * so that a process about to exit can call it too.
   */
  close(): string[] {
    this.killChildren();
    const aborted = this.signal.aborted;
    const notes: string[] = [];
    for (const d of this.dirs) {
      if (aborted && this.rescues.has(d)) notes.push(this.rescues.get(d)!);
      else rmSync(d, { recursive: true, force: true });
    }
    for (const f of this.files) rmSync(f, { force: true });
    this.dirs.clear();
    this.rescues.clear();
    this.files.clear();
    return notes;
  }
}
