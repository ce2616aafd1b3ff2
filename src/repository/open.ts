// Opening and creating repositories by location: the one place above the backends that knows a location
// names a backend. Everything else gets a Repository and never touches the storage directly.
import { BackendError, openBackend, type SftpOptions } from '../backends/index.js';
import type { Clock } from '../clock.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import { type InitOptions, Repository } from './repository.js';

/**
 * Opens the repository at `location` with the password `password()` gives (asked only once the location is
 * known to hold a repository of a format this program reads), and loads its index unless `index` is false.
 */
export async function openRepository(location: string, password: () => Promise<string>, opts: { index?: boolean; clock?: Clock; warn?: (message: string) => void; sftp?: SftpOptions } = {}): Promise<Repository> {
  const backend = openBackend(location, { sftp: opts.sftp });
  try {
    await Repository.readConfig(backend);
    const repo = await Repository.open(backend, await password(), { clock: opts.clock, warn: opts.warn });
    if (opts.index !== false) await repo.loadIndex();
    return repo;
  } catch (e) {
    await backend.close().catch(() => {});
    throw storageFailure(e, 'opening', backend.location);
  }
}

/** Creates a repository at `location`. */
export async function createRepository(location: string, password: () => Promise<string>, opts: InitOptions & { sftp?: SftpOptions } = {}): Promise<Repository> {
  const backend = openBackend(location, { sftp: opts.sftp });
  try {
    return await Repository.init(backend, await password(), opts);
  } catch (e) {
    await backend.close().catch(() => {});
    throw storageFailure(e, 'creating', backend.location);
  }
}

/** A storage error that escaped the repository's own wrapping (a backend that cannot connect) as a BACKEND error. */
function storageFailure(e: unknown, doing: string, location: string): unknown {
  if (isStrongboxError(e) || !(e instanceof BackendError)) return e;
  return new StrongboxError('BACKEND', `${doing} the repository at ${location} failed: ${e.message}`, { cause: e });
}
