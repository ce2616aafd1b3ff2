// Shared plumbing for commands: global options, opening the repository, locking, output helpers.
import { openBackend } from '../backends/index.js';
import { configPath, loadConfig } from '../config/load.js';
import type { AppConfig, Config, RepositoryConfig } from '../config/schema.js';
import { StrongboxError } from '../errors.js';
import { RepoLock } from '../repository/lock.js';
import { Repository } from '../repository/repository.js';
import { resolvePassword, type PasswordSource } from './password.js';

export interface GlobalOptions extends PasswordSource {
  repo?: string;
  config?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  isTTY: !!process.stderr.isTTY,
};

export function repoLocation(g: GlobalOptions, env = process.env): string {
  const loc = g.repo ?? env.STRONGBOX_REPOSITORY;
  if (!loc) throw new StrongboxError('USAGE', 'no repository given: pass -r/--repo LOCATION or set STRONGBOX_REPOSITORY');
  return loc;
}

export async function openRepo(g: GlobalOptions, opts: { index?: boolean } = {}): Promise<Repository> {
  // With an explicit config and no repository named, the config's only repository is meant.
  if (g.repo === undefined && !process.env.STRONGBOX_REPOSITORY && (g.config !== undefined || process.env.STRONGBOX_CONFIG)) {
    const repos = Object.values(loadAppConfig(g).repositories);
    if (repos.length === 1) return openConfiguredRepo(g, repos[0], opts);
  }
  return openRepoAt(repoLocation(g), () => resolvePassword(g), opts);
}

async function openRepoAt(location: string, password: () => string, opts: { index?: boolean }): Promise<Repository> {
  const backend = openBackend(location);
  await Repository.readConfig(backend); // a missing or newer repository is reported before asking for a password
  const repo = await Repository.open(backend, password(), { warn: (m) => processIo.err(`warning: ${m}`) });
  if (opts.index !== false) await repo.loadIndex();
  return repo;
}

export function loadAppConfig(g: GlobalOptions): Config {
  return loadConfig(configPath(g.config)).config;
}

export function findApp(cfg: Config, id: string): AppConfig {
  const app = cfg.apps.find((a) => a.id === id);
  if (!app) throw new StrongboxError('USAGE', `no app "${id}" in the config (apps: ${cfg.apps.map((a) => a.id).join(', ') || 'none'})`);
  return app;
}

/**
 * The repository of an app: its configured location and password source, unless -r/--repo or
 * --password-file/--password-command on the command line say otherwise.
 */
export async function openAppRepo(g: GlobalOptions, cfg: Config, app: AppConfig, opts: { index?: boolean } = {}): Promise<Repository> {
  return openConfiguredRepo(g, cfg.repositories[app.repository], opts);
}

function openConfiguredRepo(g: GlobalOptions, rc: RepositoryConfig, opts: { index?: boolean }): Promise<Repository> {
  const fromFlags = g.passwordFile !== undefined || g.passwordCommand !== undefined;
  const password = () => fromFlags ? resolvePassword(g)
    : resolvePassword({ passwordFile: rc.passwordFile, passwordCommand: rc.passwordCommand }, process.env, rc.passwordEnv ?? 'STRONGBOX_PASSWORD');
  return openRepoAt(g.repo ?? rc.location, password, opts);
}

/**
 * Run `fn` holding a lock (waiting up to `waitMs` for a conflicting one); released however `fn` ends. The
 * index is loaded only once the lock is held: one read before could be stale by then (a prune that ran
 * meanwhile), and a backup deduplicating against it would reference deleted blobs.
 */
export async function withLock<T>(repo: Repository, exclusive: boolean, io: Io, fn: () => Promise<T>, waitMs = 0, opts: { index?: boolean } = {}): Promise<T> {
  const lock = await RepoLock.acquire(repo, exclusive, { warn: (m) => io.err(`warning: ${m}`), waitMs });
  try {
    if (opts.index) await repo.loadIndex();
    return await fn();
  } finally {
    await lock.release();
  }
}

/** How long a backup or a reader (restore, dump, check) waits by default for a running forget/prune. */
export const SHARED_LOCK_WAIT = '30m';

/** "90s", "10m", "2h" → ms (lock waits; not retention durations, where m means 31 days). */
export function parseWait(v: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(v);
  if (!m) throw new StrongboxError('USAGE', `--retry-lock ${v}: use a number and s, m or h, e.g. 10m`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

/** --retry-lock in ms, or `fallback` when it was not given. */
export function lockWait(retryLock: string | undefined, fallback = SHARED_LOCK_WAIT): number {
  return parseWait(retryLock ?? fallback);
}

export function printJson(io: Io, v: unknown): void {
  io.out(JSON.stringify(v, null, 2));
}
