// Helpers for whole-CLI tests: run the built CLI as a child process, make temp dirs, generate data.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
/**
 * PATH for the CLI: it is run as a user runs the installed command, through its first line (`env -S node` with
 * the flags it needs), so the `node` found first must be this one.
 */
export const CLI_PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
export const PASSWORD = 'correct horse battery staple';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `strongbox ARGS` (the built CLI) with the test password in the environment. */
export function sb(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } & SpawnOptions = {},
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(CLI, args, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, PATH: CLI_PATH, STRONGBOX_PASSWORD: PASSWORD, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
    child.stdin!.end(opts.input ?? '');
  });
}

/** Like sb, but fails the test with the output when the exit status is not `want`. */
export async function sbOk(args: string[], want = 0, opts: Parameters<typeof sb>[1] = {}): Promise<RunResult> {
  const r = await sb(args, opts);
  if (r.code !== want)
    throw new Error(
      `strongbox ${args.join(' ')} exited ${r.code} (want ${want})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
  return r;
}

export async function tempDir(prefix = 'sb-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A small fast deterministic PRNG (mulberry32) for generating fixtures. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A command's --json result: the one JSON document a listing prints, or, for an operation that prints JSON
 * lines (backup, restore, check, forget, prune), its `"type": "summary"` line (an `error` line may follow it,
 * as when a backup is saved incomplete).
 */
export function jsonOut<T = any>(stdout: string): T {
  const lines = stdout.split('\n').filter((l) => l.trim());
  if (lines.length > 1 && lines.every((l) => l.startsWith('{"type":'))) {
    const summary = lines.map((l) => JSON.parse(l)).filter((o) => o.type === 'summary');
    if (summary.length !== 1) throw new Error(`want exactly one summary line, got ${summary.length}:\n${stdout}`);
    return summary[0] as T;
  }
  return JSON.parse(stdout) as T;
}

/**
 * Mounts a tmpfs at `dir` (`options` as for mount -o, e.g. "size=20m" or "ro"); false, with a loud warning, where
 * this environment does not allow it (not root), except under CI, where that fails the test.
 */
export function mountTmpfs(dir: string, options?: string): boolean {
  const r = spawnSync('mount', ['-t', 'tmpfs', ...(options ? ['-o', options] : []), 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (r.status === 0) return true;
  const why = `cannot mount a tmpfs at ${dir}: ${r.stderr || r.error?.message}`;
  if (process.env.CI === 'true') throw new Error(why);
  console.warn(`SKIPPING tests that need a tmpfs: ${why}`);
  return false;
}

/**
 * How many times more rounds the randomized crash tests run (kills at random moments): 1 in `npm test`, which must
 * stay fast; `STRONGBOX_TEST_SOAK=10 npx vitest run test/e2e/crash.test.ts` for a long soak before a release.
 */
export const SOAK = Math.max(1, Math.floor(Number(process.env.STRONGBOX_TEST_SOAK ?? '1')) || 1);
