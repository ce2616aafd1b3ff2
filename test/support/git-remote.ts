// Bare git repositories for the git backend's tests: a fresh one per test in a temp dir, and how to read what a
// remote holds (its branch's commits), with real git. Skips loudly without git; fails in CI.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when git runs; false with a loud warning outside CI; throws in CI. */
export function haveGit(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    const msg = 'git is not installed: the git backend tests cannot run (apt-get install git)';
    if (process.env.CI) throw new Error(`${msg} (CI=true: this is a failure; .ci/run must install it)`);
    console.warn(`\n*** SKIPPING: ${msg} ***\n`);
    return false;
  }
}

export interface GitPlace {
  dir: string;
  /** A bare repository's path (made with git init --bare unless `create` is false). */
  bare(name?: string, create?: boolean): string;
  /** A cache directory of its own (another "host"). */
  cache(name: string): string;
  cleanup(): Promise<void>;
}

export async function gitPlace(prefix = 'sb-git-'): Promise<GitPlace> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    bare(name = 'remote.git', create = true) {
      const path = join(dir, name);
      if (create) execFileSync('git', ['init', '--quiet', '--bare', path]);
      return path;
    },
    cache: (name) => join(dir, `cache-${name}`),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs git in the bare repository `repo` and returns its output, trimmed. */
export function gitIn(repo: string, args: string[]): string {
  return execFileSync('git', args, {
    env: { ...process.env, GIT_DIR: repo },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  }).trim();
}

/** The commits of `branch` in `repo`, newest first (empty when the branch does not exist). */
export function commitsOf(repo: string, branch = 'main'): string[] {
  try {
    return gitIn(repo, ['rev-list', `refs/heads/${branch}`])
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** Every path in the tip of `branch`. */
export function pathsOf(repo: string, branch = 'main'): string[] {
  return gitIn(repo, ['ls-tree', '-r', '--name-only', '--full-tree', `refs/heads/${branch}`])
    .split('\n')
    .filter(Boolean);
}
