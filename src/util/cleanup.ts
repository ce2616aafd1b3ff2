// What must not outlive an interrupted strongbox: child processes (a restore tool must be killed before
// its input ends, or it would commit half a database) and private temporary directories (dump copies,
// options files holding a database password). The signal handler in cli/main.ts calls cleanupNow().
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
/** Directories cleanupNow must leave in place, with what to tell the user about each. */
const rescues = new Map<string, string>();
/** How long interrupt tasks get, in all, before strongbox exits anyway. */
export const INTERRUPT_TASK_BUDGET_MS = 120_000;
/** Work an interruption must still do before strongbox exits (an app's after hooks). */
const interruptTasks = new Set<() => Promise<void>>();

/**
 * Registers `task` to run when strongbox is interrupted (after its children are killed, before it exits);
 * returns the function that unregisters it. The task must bound its own time.
 */
export function onInterrupt(task: () => Promise<void>): () => void {
  interruptTasks.add(task);
  return () => { interruptTasks.delete(task); };
}

/** The registered interrupt tasks, run once each (the signal handler calls this after cleanupNow). */
export async function runInterruptTasks(): Promise<void> {
  const tasks = [...interruptTasks];
  interruptTasks.clear();
  await Promise.allSettled(tasks.map((t) => t()));
}

/** Kills `child` (its process group, when it leads one) if strongbox is interrupted while it runs. */
export function trackChild(child: ChildProcess, group = false): void {
  (child as ChildProcess & { strongboxGroup?: boolean }).strongboxGroup = group;
  children.add(child);
  child.once('close', () => children.delete(child));
  child.once('error', () => children.delete(child));
}

export interface TempDir {
  path: string;
  dispose(): Promise<void>;
  /** Leave the directory in place, even on interruption (it holds something the user must get back). */
  keep(): void;
  /**
   * Until the returned function is called, an interruption leaves the directory in place and cleanupNow
   * returns `note` for the user (the directory holds the only copy of something while it is armed).
   */
  keepOnInterrupt(note: string): () => void;
}

/** A private (0700) temporary directory, removed by `dispose` or, if strongbox is interrupted, by cleanupNow. */
export async function privateTempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `strongbox-${prefix}-`));
  dirs.add(path);
  return {
    path,
    dispose: async () => {
      if (!dirs.has(path)) return;
      await rm(path, { recursive: true, force: true });
      dirs.delete(path);
    },
    keep: () => { dirs.delete(path); },
    keepOnInterrupt: (note) => {
      rescues.set(path, note);
      return () => { rescues.delete(path); };
    },
  };
}

/** Writes `input` to a 0600 file in a private temporary directory (for tools that need a seekable file). */
export async function spool(input: AsyncIterable<Buffer>, prefix: string, name: string): Promise<TempDir & { file: string }> {
  const dir = await privateTempDir(prefix);
  const file = join(dir.path, name);
  try {
    await pipeline(input, createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    await dir.dispose();
    throw e;
  }
  return { ...dir, file };
}

/**
 * Synchronously kills every tracked child and removes every tracked directory, except those armed with
 * keepOnInterrupt: their notes are returned, for the user.
 */
let interrupted = false;

/** Whether cleanupNow has run: strongbox is being interrupted, and its interrupt tasks take over. */
export function isInterrupted(): boolean {
  return interrupted;
}

export function cleanupNow(): string[] {
  interrupted = true;
  for (const c of children) {
    try {
      if ((c as ChildProcess & { strongboxGroup?: boolean }).strongboxGroup && c.pid) process.kill(-c.pid, 'SIGKILL');
      else c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const d of dirs) if (!rescues.has(d)) rmSync(d, { recursive: true, force: true });
  dirs.clear();
  const notes = [...rescues.values()];
  rescues.clear();
  return notes;
}
