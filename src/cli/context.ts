// Shared plumbing for commands: global options, opening the repository, locking, output helpers.
import { openBackend } from '../backends/index.js';
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
  const backend = openBackend(repoLocation(g));
  await Repository.readConfig(backend); // a missing or newer repository is reported before asking for a password
  const repo = await Repository.open(backend, resolvePassword(g));
  if (opts.index !== false) await repo.loadIndex();
  return repo;
}

/** Run `fn` holding a lock; the lock is released however `fn` ends. */
export async function withLock<T>(repo: Repository, exclusive: boolean, io: Io, fn: () => Promise<T>): Promise<T> {
  const lock = await RepoLock.acquire(repo, exclusive, { warn: (m) => io.err(`warning: ${m}`) });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

export function printJson(io: Io, v: unknown): void {
  io.out(JSON.stringify(v, null, 2));
}
