// Running git in the cache repository: one child process per command, tracked by the backend's scope (killed when
// it closes or its operation is cancelled), without strongbox's secrets in its environment, and with a timeout.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Scope } from '../../util/scope.js';

/**
 * Settings for every command: objects are stored as they are (strongbox's are compressed and encrypted already, so
 * zlib and delta search would burn CPU for nothing); fetched objects are unpacked loose, so that the cache's
 * clean-up needs no repack; no automatic gc or maintenance, no hooks, no signing, no prompts.
 */
const BASE_CONFIG = [
  'core.compression=0',
  'core.looseCompression=0',
  'core.bigFileThreshold=1m',
  'pack.compression=0',
  'gc.auto=0',
  'maintenance.auto=false',
  'fetch.unpackLimit=2000000000',
  'fetch.prune=false',
  'fetch.recurseSubmodules=false',
  'fetch.writeCommitGraph=false',
  'core.hooksPath=/dev/null',
  'commit.gpgSign=false',
  'push.gpgSign=false',
  'credential.interactive=false',
];

/** A git command that failed: its exit status (null when killed) and the last of what it said on stderr. */
export class GitFailure extends Error {
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly stderr: string,
    readonly timedOut = false,
    readonly stdout = '',
    readonly cancelled = false,
  ) {
    const said = stderr.trim().split('\n').slice(-4).join(' | ').slice(-800);
    super(
      cancelled
        ? `git ${command} was stopped: the operation was cancelled`
        : timedOut
          ? `git ${command} timed out`
          : `git ${command} ${status === null ? 'was killed' : `exited with status ${status}`}${said ? `: ${said}` : ''}`,
    );
    this.name = 'GitFailure';
  }
}

export interface RunOptions {
  /** Standard input. */
  input?: Uint8Array | string;
  /** Kill the command after this long (remote commands: fetch, push). */
  timeoutMs?: number;
  /** Extra environment (a private index file). */
  env?: Record<string, string>;
}

export interface GitRunner {
  /** Runs `git <config> args` and returns its standard output; throws GitFailure when it fails. */
  run(args: string[], opts?: RunOptions): Promise<Buffer>;
  /** Starts a long-running `git <config> args` (cat-file --batch), tracked like every other command. */
  start(args: string[]): ChildProcessWithoutNullStreams;
  /** The operation was cancelled (or the backend closed): nothing more may start. */
  readonly aborted: boolean;
}

const STDERR_KEEP = 16_384;

/** Hides anything that looks like credentials in a URL, in case git echoes one from the user's own config. */
export function redact(text: string): string {
  return text.replace(/(\/\/)[^/@\s]*@/g, '$1…@');
}

/**
 * `env` is the complete environment (childEnv already applied); `config` adds -c settings (the credential helper).
 */
export function createGitRunner(
  gitDir: string,
  env: NodeJS.ProcessEnv,
  scope: Scope,
  config: string[] = [],
): GitRunner {
  const configArgs = [...BASE_CONFIG, ...config].flatMap((c) => ['-c', c]);
  return {
    get aborted() {
      return scope.signal.aborted;
    },
    start(args) {
      if (scope.signal.aborted) throw new GitFailure(args[0], null, '', false, '', true);
      const child = spawn('git', [...configArgs, ...args], {
        env: { ...env, GIT_DIR: gitDir },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      scope.track(child);
      return child;
    },
    run(args, opts = {}) {
      return new Promise((resolve, reject) => {
        const name = args[0];
        if (scope.signal.aborted) return reject(new GitFailure(name, null, '', false, '', true));
        const child = spawn('git', [...configArgs, ...args], {
          env: { ...env, GIT_DIR: gitDir, ...opts.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        scope.track(child);
        const out: Buffer[] = [];
        let stderr = '';
        let timedOut = false;
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          stderr += d;
          if (stderr.length > 2 * STDERR_KEEP) stderr = stderr.slice(-STDERR_KEEP);
        });
        const timer =
          opts.timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                timedOut = true;
                child.kill('SIGKILL');
              }, opts.timeoutMs);
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        child.once('close', (code) => {
          clearTimeout(timer);
          const stdout = Buffer.concat(out);
          if (code === 0 && !timedOut) resolve(stdout);
          else
            reject(
              new GitFailure(
                name,
                code,
                redact(stderr),
                timedOut,
                redact(stdout.toString('utf8')),
                scope.signal.aborted,
              ),
            );
        });
        child.stdin.on('error', () => {}); // a command that exits early is reported by its status
        child.stdin.end(opts.input ?? '');
      });
    },
  };
}
