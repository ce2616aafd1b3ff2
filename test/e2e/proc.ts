// Process-level helpers for the whole-system tests (crash, tamper, at-rest, memory): spawn the built CLI
// without waiting, measure a run's peak RSS, list a repository's stored objects, generate bulk data.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CLI, CLI_PATH, PASSWORD, ROOT, type RunResult } from './helpers.js';

export interface Spawned {
  child: ChildProcess;
  /** Settles when the process has exited (by itself or by a signal). */
  done: Promise<RunResult>;
}

/** Start `strongbox ARGS` (the built CLI) with the test password, without waiting for it. */
export function spawnSb(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(CLI, args, {
    cwd: ROOT,
    env: { ...process.env, PATH: CLI_PATH, STRONGBOX_PASSWORD: PASSWORD, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<RunResult>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export const TIME_BIN = '/usr/bin/time';

/** Install GNU time (Debian package `time`) when /usr/bin/time is missing; the memory test needs it. */
export function ensureGnuTime(): void {
  if (existsSync(TIME_BIN)) return;
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'time'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export interface Measured extends RunResult {
  /** Peak resident set size of the whole process (all threads), in MiB. */
  maxRssMiB: number;
  /** Wall-clock seconds. */
  seconds: number;
}

/** Run `strongbox ARGS` under GNU time and report its peak RSS (`%M`, KiB) and elapsed time. */
export async function measuredSb(args: string[], statsFile: string, env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  const t0 = performance.now();
  const r = await new Promise<RunResult>((res, rej) => {
    const child = spawn(TIME_BIN, ['-f', '%M', '-o', statsFile, CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, PATH: CLI_PATH, STRONGBOX_PASSWORD: PASSWORD, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  const seconds = (performance.now() - t0) / 1000;
  // GNU time writes "Command exited with non-zero status N" before the figures when the command fails.
  const lines = (await readFile(statsFile, 'utf8')).trim().split('\n');
  const kib = Number(lines[lines.length - 1]);
  await rm(statsFile, { force: true });
  return { ...r, maxRssMiB: kib / 1024, seconds };
}

export interface StoredObject {
  /** Path relative to the repository root, e.g. `data/ab/ab12…`, `keys/…`, `config`. */
  rel: string;
  abs: string;
  /** `config`, `key`, `data`, `index`, `snapshot` or `lock`. */
  type: string;
  /** The object's name (file name). */
  name: string;
}

const TYPE_OF_DIR: Record<string, string> = {
  keys: 'key',
  data: 'data',
  index: 'index',
  snapshots: 'snapshot',
  locks: 'lock',
};

/** Every file below a repository directory (temporary files included), with its object type. */
export async function listRepoFiles(repo: string): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else {
        const rel = relative(repo, abs);
        const top = rel.split('/')[0];
        out.push({ rel, abs, type: rel === 'config' ? 'config' : (TYPE_OF_DIR[top] ?? 'unknown'), name: e.name });
      }
    }
  };
  await walk(repo);
  return out;
}

/** `n` pseudo-random bytes, fast and deterministic: the AES-256-CTR keystream of a seed-derived key. */
export function randomBytesFor(seed: string, n: number): Buffer {
  const key = createHash('sha256').update(`strongbox-test:${seed}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}
