// Opens a backend from a location string ("memory:name", "local:/path", a plain path, "s3:…", "git:…") with its options,
// wrapped in the retry decorator: the registry of drivers, and the one place that knows which scheme is which.

import * as z from 'zod';
import { StrongboxError } from '../errors.js';
import type { Backend } from './backend.js';
import { createLocalBackend } from './local/local.js';
import { createMemoryBackend } from './memory/memory.js';
import { gitOptionsSchema } from './git/options.js';
import { GIT_SYNTAX } from './git/location.js';
import { createMirrorBackend } from './mirror/mirror.js';
import { defineDriver, type BackendDriver } from './registry.js';
import { s3OptionsSchema } from './s3/options.js';
import { sftpOptionsSchema } from './sftp/options.js';
import { createSftpBackend } from './sftp/sftp.js';
import { withRetry, type RetryOptions } from './wrappers/retry.js';

export * from './backend.js';
export { createLocalBackend } from './local/local.js';
export { createMemoryBackend } from './memory/memory.js';
export {
  createMirrorBackend,
  type FallbackNote,
  isMirrorBackend,
  type MirrorBackend,
  type StoreFault,
} from './mirror/mirror.js';
export { type BackendDriver, type OpenContext } from './registry.js';
export { withRetry, type RetryInfo, type RetryOptions } from './wrappers/retry.js';

const noOptions = z.strictObject({});

/**
 * Every backend, by scheme. A driver that pulls in a large SDK is imported inside `open`, so that nothing loads
 * it until a location of its scheme is opened. A location whose prefix is no scheme here is a local path.
 */
export const DRIVERS: readonly BackendDriver[] = [
  defineDriver({
    scheme: 'memory',
    syntax: 'memory:[name]',
    options: noOptions,
    open: async (rest) => openMemory(rest),
  }),
  defineDriver({
    scheme: 'local',
    syntax: 'local:/path (or a plain path)',
    options: noOptions,
    open: async (rest) => {
      if (rest === '')
        throw new StrongboxError('USAGE', 'location "local:" needs a path, e.g. local:/srv/backups/repo');
      return createLocalBackend(rest);
    },
  }),
  defineDriver({
    scheme: 's3',
    syntax: 's3:https://host[:port]/bucket[/prefix] or s3:bucket[/prefix]',
    options: s3OptionsSchema,
    open: async (rest, options, ctx) =>
      (await import('./s3/s3.js')).openS3Backend(rest, options, {
        env: ctx.env,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      }),
  }),
  // ssh2 itself is imported only when the backend first connects.
  defineDriver({
    scheme: 'sftp',
    syntax: 'sftp:user@host:/path or sftp://user@host:port//path',
    options: sftpOptionsSchema,
    open: async (rest, options, ctx) => createSftpBackend(`sftp:${rest}`, options, ctx.env, ctx.signal),
  }),
  defineDriver({
    scheme: 'git',
    syntax: GIT_SYNTAX,
    options: gitOptionsSchema,
    open: async (rest, options, ctx) =>
      (await import('./git/git.js')).openGitBackend(rest, options, ctx.env, ctx.signal, ctx.warn),
  }),
];

/** Named memory backends live as long as the process, so two opens of "memory:x" share objects. */
const memoryBackends = new Map<string, Backend>();

export interface OpenOptions {
  /** Options for the retry wrapper, or false for the bare backend. */
  retry?: RetryOptions | false;
  /** The driver's options (the repository's `options` in strongbox.yaml); checked against its schema. */
  options?: Record<string, unknown>;
  /** Environment for credentials (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The operation's signal (see OpenContext). */
  signal?: AbortSignal;
  /** Where the backend's warnings go (see OpenContext). */
  warn?: (message: string) => void;
}

/**
 * Open the backend a location names: `memory:` (a fresh, private store), `memory:<name>` (shared within
 * the process), `local:<path>`, `s3:…`, `sftp:…`, `git:…`, or any other string as a directory path. As in restic, a string whose
 * prefix is not a known scheme is a path, so "backups:2024" is a directory and Windows drive letters work.
 */
export async function openBackend(location: string, opts: OpenOptions = {}): Promise<Backend> {
  const backend = await openBare(location, opts);
  if (opts.retry === false) return backend;
  return withRetry(backend, { ...opts.retry, ...(opts.signal ? { signal: opts.signal } : {}) });
}

/** The driver for a location's scheme, and the rest of the location after "scheme:". */
export function driverFor(location: string): { driver: BackendDriver; rest: string } {
  if (location.trim() === '') {
    throw new StrongboxError(
      'USAGE',
      'empty repository location; give a directory path or a location such as memory:name',
    );
  }
  const colon = location.indexOf(':');
  const scheme = colon > 0 ? location.slice(0, colon) : '';
  const driver = DRIVERS.find((d) => d.scheme === scheme);
  if (driver) return { driver, rest: location.slice(colon + 1) };
  return { driver: DRIVERS.find((d) => d.scheme === 'local')!, rest: location };
}

/**
 * Check a location's options against its driver's schema without loading the driver or making a request; returns
 * them with defaults filled in. Throws CONFIG naming the location and every bad option.
 */
export function checkBackendOptions(location: string, options: Record<string, unknown> = {}): unknown {
  const { driver } = driverFor(location);
  const parsed = driver.options.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`)
      .join('; ');
    throw new StrongboxError('CONFIG', `invalid options for the ${driver.scheme} repository at ${location}: ${issues}`);
  }
  return parsed.data;
}

/** One store of a mirrored repository: its location and its backend's options. */
export interface StoreSpec {
  location: string;
  options?: Record<string, unknown>;
}

/**
 * Open a repository kept on several stores (the primary first, then its mirrors) as one backend: each store with
 * its own retry wrapper, composed by the mirror backend. Every location's options are checked before any opens.
 */
export async function openMirrored(stores: StoreSpec[], opts: Omit<OpenOptions, 'options'> = {}): Promise<Backend> {
  for (const s of stores) checkBackendOptions(s.location, s.options);
  const opened: Backend[] = [];
  try {
    for (const s of stores) opened.push(await openBackend(s.location, { ...opts, options: s.options }));
  } catch (e) {
    await Promise.all(opened.map((b) => b.close().catch(() => {})));
    throw e;
  }
  return createMirrorBackend(opened);
}

async function openBare(location: string, opts: OpenOptions): Promise<Backend> {
  const { driver, rest } = driverFor(location);
  const options = checkBackendOptions(location, opts.options);
  return driver.open(rest, options, {
    location,
    env: opts.env ?? process.env,
    signal: opts.signal,
    ...(opts.warn ? { warn: opts.warn } : {}),
  });
}

function openMemory(name: string): Backend {
  if (name === '') return createMemoryBackend('memory:');
  let backend = memoryBackends.get(name);
  if (backend === undefined) {
    backend = createMemoryBackend(`memory:${name}`);
    memoryBackends.set(name, backend);
  }
  return backend;
}

/** Forget every named memory backend (for tests that want a clean process-wide registry). */
export function clearMemoryBackends(): void {
  memoryBackends.clear();
}
