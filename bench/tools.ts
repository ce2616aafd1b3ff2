// Process plumbing for the benchmark: making sure peer tools are installed, and running a command timed,
// with its wall time and peak RSS (via GNU time), its output kept in a log file.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';

const TIME_BIN = '/usr/bin/time';
/** Debian package for each command the benchmark needs. */
const PACKAGES: Record<string, string> = { restic: 'restic', zstd: 'zstd', tar: 'tar', [TIME_BIN]: 'time' };

function hasCommand(command: string): boolean {
  return command.startsWith('/') ? existsSync(command) : spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Installs missing tools with apt-get (needs root); throws with what to install otherwise. */
export function ensureTools(log: (line: string) => void): void {
  const missing = Object.keys(PACKAGES).filter((c) => !hasCommand(c));
  if (missing.length === 0) return;
  const packages = missing.map((c) => PACKAGES[c]);
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing.join(', ')}; install them with: sudo apt-get install ${packages.join(' ')}`);
  }
  log(`installing ${packages.join(' ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
  const still = missing.filter((c) => !hasCommand(c));
  if (still.length > 0) throw new Error(`apt-get install ${packages.join(' ')} did not provide ${still.join(', ')}`);
}

/** First line of `argv`'s output, for recording tool versions; '?' when it cannot run. */
export function versionOf(argv: string[]): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : '?';
}

export interface Command {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
}
export interface Timing {
  seconds: number;
  peakRssKb: number;
}

function lastLines(path: string, n: number): string {
  return existsSync(path) ? readFileSync(path, 'utf8').trimEnd().split('\n').slice(-n).join('\n') : '';
}

/** Runs `cmd` to completion with stdout/stderr appended to `logFile`; throws (with the log's tail) on failure. */
export async function run(cmd: Command, logFile: string): Promise<void> {
  await timed(cmd, logFile, false);
}

/** Runs `cmd` under GNU time after flushing dirty pages, so earlier writes are not billed to it. */
export async function timed(cmd: Command, logFile: string, measure = true): Promise<Timing> {
  if (measure) execFileSync('sync');
  const rssFile = `${logFile}.rss`;
  const argv = measure ? [TIME_BIN, '-f', '%M', '-o', rssFile, ...cmd.argv] : cmd.argv;
  const log = openSync(logFile, 'a');
  const started = performance.now();
  try {
    const status = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), {
        cwd: cmd.cwd,
        env: { ...process.env, ...cmd.env },
        stdio: ['ignore', log, log],
      });
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    const seconds = (performance.now() - started) / 1000;
    if (status !== 0) {
      throw new Error(
        `${cmd.argv.join(' ')} exited with status ${status}; log ${logFile} ends:\n${lastLines(logFile, 15)}`,
      );
    }
    const peakRssKb = measure ? Number(lastLines(rssFile, 1)) : 0;
    return { seconds, peakRssKb };
  } finally {
    closeSync(log);
    rmSync(rssFile, { force: true });
  }
}

/** Bytes on disk under `path`, as `du -sb` counts them. */
export function diskBytes(path: string): number {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}

/** Runs a command and returns its stdout, or throws with its stderr. */
export function capture(cmd: Command): string {
  const r = spawnSync(cmd.argv[0], cmd.argv.slice(1), {
    cwd: cmd.cwd,
    env: { ...process.env, ...cmd.env },
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`${cmd.argv.join(' ')} failed (${r.status ?? r.error?.message}): ${r.stderr.trim()}`);
  return r.stdout;
}
