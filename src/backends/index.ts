// Opens a backend from a location string ("memory:name", "local:/path", a plain path, "sftp:…") and
// wraps it in the retry decorator; the one place that knows which scheme means which driver.

import { StrongboxError } from '../errors.js';
import type { Backend } from './backend.js';
import { createLocalBackend } from './local/local.js';
import { createMemoryBackend } from './memory/memory.js';
import { createSftpBackend } from './sftp/sftp.js';
import type { SftpOptions } from './sftp/options.js';
import { withRetry, type RetryOptions } from './wrappers/retry.js';

export * from './backend.js';
export { createLocalBackend } from './local/local.js';
export { createMemoryBackend } from './memory/memory.js';
export { createSftpBackend } from './sftp/sftp.js';
export type { SftpOptions } from './sftp/options.js';
export { withRetry, type RetryInfo, type RetryOptions } from './wrappers/retry.js';

/** Schemes that are planned but have no driver yet. */
const NOT_IMPLEMENTED = ['s3', 'git'];

/** Named memory backends live as long as the process, so two opens of "memory:x" share objects. */
const memoryBackends = new Map<string, Backend>();

export interface OpenOptions {
  /** Options for the retry wrapper, or false for the bare backend. */
  retry?: RetryOptions | false;
  /** Options for sftp: locations (a repository's `sftp:` block in the config). */
  sftp?: SftpOptions;
}

/**
 * Open the backend a location names: `memory:` (a fresh, private store), `memory:<name>` (shared within
 * the process), `local:<path>`, `sftp:user@host:/path` or `sftp://user@host:port//path` (docs/usage/backends/sftp.md),
 * or any other string as a directory path. As in restic, a string whose
 * prefix is not a known scheme is a path, so "backups:2024" is a directory and Windows drive letters work.
 */
export function openBackend(location: string, opts: OpenOptions = {}): Backend {
  const backend = openBare(location, opts);
  return opts.retry === false ? backend : withRetry(backend, opts.retry);
}

function openBare(location: string, opts: OpenOptions): Backend {
  if (location.trim() === '') {
    throw new StrongboxError('USAGE', 'empty repository location; give a directory path or a location such as memory:name');
  }
  const colon = location.indexOf(':');
  const scheme = colon > 0 ? location.slice(0, colon) : '';
  const rest = location.slice(colon + 1);
  if (scheme === 'memory') return openMemory(rest);
  // ssh2 itself is imported only when the backend first connects.
  if (scheme === 'sftp') return createSftpBackend(location, opts.sftp);
  if (scheme === 'local') {
    if (rest === '') throw new StrongboxError('USAGE', 'location "local:" needs a path, e.g. local:/srv/backups/repo');
    return createLocalBackend(rest);
  }
  if (NOT_IMPLEMENTED.includes(scheme)) {
    throw new StrongboxError(
      'USAGE',
      `backend ${scheme} is not implemented yet (location ${scheme}:…); use a local directory path or memory:<name>`,
    );
  }
  return createLocalBackend(location);
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
