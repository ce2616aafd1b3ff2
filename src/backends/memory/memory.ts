// An in-memory backend for tests and `memory:` locations: one Map per object type. Bytes are copied in
// and out, so neither the caller's buffer nor a loaded buffer can change what is stored.

import { FILE_TYPES, type Backend, type FileInfo, type FileType, type Handle } from '../backend.js';
import { checkHandle, checkRange, checkType, objectName, type Range } from '../checks.js';
import { alreadyExists, isAlreadyExistsError, isNotFoundError, isPermanentError, notFound } from '../errors.js';

export function createMemoryBackend(location = 'memory:'): Backend {
  const store = new Map<FileType, Map<string, Buffer>>(FILE_TYPES.map((t) => [t, new Map()]));

  function objects(type: FileType): Map<string, Buffer> {
    checkType(type, location);
    return store.get(type)!;
  }

  function stored(h: Handle): Buffer {
    checkHandle(h, location);
    const data = objects(h.type).get(objectName(h));
    if (data === undefined) throw notFound(h, location);
    return data;
  }

  return {
    location,
    capabilities: { atomicCreate: true, consistentListing: true, connections: 1, rangeReads: true, persistent: false },

    async create(): Promise<void> {},

    async save(h: Handle, data: Uint8Array, opts?: { exclusive?: boolean }): Promise<void> {
      checkHandle(h, location);
      const map = objects(h.type);
      const name = objectName(h);
      // Check and set happen in one synchronous step, which is what makes exclusive saves atomic here.
      if (opts?.exclusive && map.has(name)) throw alreadyExists(h, location);
      map.set(name, Buffer.from(data));
    },

    async load(h: Handle, range?: Range): Promise<Buffer> {
      const data = stored(h);
      if (range === undefined) return Buffer.from(data);
      checkRange(h, range, data.length, location);
      return Buffer.from(data.subarray(range.offset, range.offset + range.length));
    },

    async stat(h: Handle): Promise<FileInfo> {
      return { name: objectName(h), size: stored(h).length };
    },

    async *list(type: FileType): AsyncIterable<FileInfo> {
      // Take a snapshot first so saves and removes during iteration cannot confuse the iterator.
      const entries = [...objects(type)].map(([name, data]) => ({ name, size: data.length }));
      yield* entries;
    },

    async remove(h: Handle): Promise<void> {
      checkHandle(h, location);
      objects(h.type).delete(objectName(h));
    },

    isNotFound: isNotFoundError,
    isAlreadyExists: isAlreadyExistsError,
    isPermanent: isPermanentError,

    async close(): Promise<void> {},
  };
}
