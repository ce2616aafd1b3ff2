// Opening and creating repositories by location: the one place above the backends that knows a location
// names a backend. Everything else gets a Repository and never touches the storage directly.
import { type Backend, checkBackendOptions, openBackend, openMirrored, type StoreSpec } from '../backends/index.js';
import type { Clock } from '../clock.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import { type InitOptions, Repository } from './repository.js';

/** A backend's options (the repository's `options` in strongbox.yaml), checked by the backend's driver. */
export type BackendOptions = Record<string, unknown>;

/** A mirror of a repository: another store holding the same objects (docs/usage/mirrors.md). */
export type MirrorLocation = StoreSpec;

/** The repository's backend: the primary alone, or the primary and its mirrors as one mirrored backend. */
function openStores(
  location: string,
  options: BackendOptions | undefined,
  mirrors: MirrorLocation[] | undefined,
  signal?: AbortSignal,
  warn?: (message: string) => void,
): Promise<Backend> {
  const ctx = { signal, ...(warn ? { warn } : {}) };
  if (!mirrors?.length) return openBackend(location, { options, ...ctx });
  return openMirrored([{ location, ...(options !== undefined ? { options } : {}) }, ...mirrors], ctx);
}

/**
 * Opens the repository at `location` with the password `password()` gives (asked only once the location is
 * known to hold a repository of a format this program reads), and loads its index unless `index` is false.
 */
export async function openRepository(
  location: string,
  password: () => Promise<string>,
  opts: {
    index?: boolean;
    clock?: Clock;
    warn?: (message: string) => void;
    backendOptions?: BackendOptions;
    mirrors?: MirrorLocation[];
    signal?: AbortSignal;
  } = {},
): Promise<Repository> {
  const backend = await openStores(location, opts.backendOptions, opts.mirrors, opts.signal, opts.warn);
  try {
    await Repository.readConfig(backend);
    const repo = await Repository.open(backend, await password(), { clock: opts.clock, warn: opts.warn });
    if (opts.index !== false) await repo.loadIndex();
    return repo;
  } catch (e) {
    await backend.close().catch(() => {});
    throw withLocation(e, location);
  }
}

/** Creates a repository at `location` (and on each of its mirrors). */
export async function createRepository(
  location: string,
  password: () => Promise<string>,
  opts: InitOptions = {},
  backendOptions?: BackendOptions,
  mirrors?: MirrorLocation[],
  signal?: AbortSignal,
): Promise<Repository> {
  const backend = await openStores(location, backendOptions, mirrors, signal);
  try {
    return await Repository.init(backend, await password(), opts);
  } catch (e) {
    await backend.close().catch(() => {});
    throw withLocation(e, location);
  }
}

/** Check a location and its backend options (the repository's `options` in strongbox.yaml) without opening it. */
export function checkLocation(location: string, options?: BackendOptions): void {
  checkBackendOptions(location, options);
}

/** A storage failure whose message does not say which repository (a connection that failed) gets its location. */
function withLocation(e: unknown, location: string): unknown {
  if (!isStrongboxError(e, 'BACKEND') || e.message.includes(location)) return e;
  return new StrongboxError('BACKEND', `the repository at ${location}: ${e.message}`, { cause: e });
}
