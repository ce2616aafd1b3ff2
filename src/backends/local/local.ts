// The local-directory backend: one file per object in the layout of docs/design/repository-format.md,
// saved atomically (temp file, fsync, rename or link, fsync of the directory).

import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../clock.js';
import {
  BackendError,
  handleToString,
  type Backend,
  type FileInfo,
  type FileType,
  type Handle,
  type ListOptions,
  type SaveOptions,
} from '../backend.js';
import { checkHandle, checkRange, checkRangeShape, checkType, objectName, TEMP_PREFIX, type Range } from '../checks.js';
import { TYPE_DIRS } from '../layout.js';
import { isAlreadyExistsError, isNotFoundError, isPermanentError, toBackendError } from '../errors.js';
import { readExactly, syncDir, writeNewFileDurably } from './fsutil.js';
import { makeDirs } from '../../util/local-paths.js';

const DIRS = TYPE_DIRS;

const DIR_MODE = 0o700;
/** A lock file is written in milliseconds; a temp file in locks/ this old was left by a killed writer. */
const LOCK_TEMP_MIN_AGE_MS = 10 * 60_000;

/**
 * A backend storing objects as files below `dir`. The 256 `data/<xx>` shard directories are created
 * lazily on first save: `create()` stays cheap, and repositories copied with tools that drop empty
 * directories (git, some sync tools) keep working, since `list` must tolerate missing shards anyway.
 */
export function createLocalBackend(dir: string): Backend {
  const root = path.resolve(dir);
  const location = root;

  function pathOf(h: Handle): string {
    if (h.type === 'config') return path.join(root, 'config');
    if (h.type === 'data') return path.join(root, 'data', h.name.slice(0, 2), h.name);
    return path.join(root, DIRS[h.type], h.name);
  }

  /** Write the temp file; a missing data shard directory is created (and made durable) on demand. */
  async function writeTemp(h: Handle, tmp: string, data: Uint8Array): Promise<void> {
    try {
      await writeNewFileDurably(tmp, data);
    } catch (err) {
      if (h.type !== 'data' || !isNotFoundError(err)) throw err;
      // Not recursive: if data/ itself is missing the repository was never created, and that should fail.
      await fs.mkdir(path.dirname(tmp), { mode: DIR_MODE }).catch((e: unknown) => {
        if (!isAlreadyExistsError(e)) throw e;
      });
      await syncDir(path.join(root, 'data'));
      await writeNewFileDurably(tmp, data);
    }
  }

  async function save(h: Handle, data: Uint8Array, opts: SaveOptions = {}): Promise<void> {
    checkHandle(h, location);
    const file = pathOf(h);
    const parent = path.dirname(file);
    const tmp = path.join(parent, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    let tmpLeft = true;
    try {
      await writeTemp(h, tmp, data);
      if (opts.exclusive) {
        // link(2) fails with EEXIST when the name is taken and never exposes a partial file.
        await fs.link(tmp, file);
      } else {
        await fs.rename(tmp, file); // atomically replaces an existing object
        tmpLeft = false;
      }
    } catch (err) {
      throw toBackendError(err, 'save', h, location);
    } finally {
      if (tmpLeft) await fs.rm(tmp, { force: true }).catch(() => {});
    }
    await syncDir(parent).catch((err: unknown) => {
      throw toBackendError(err, 'save', h, location);
    });
  }

  async function loadRange(h: Handle, range: Range): Promise<Buffer> {
    checkRangeShape(h, range, location);
    const fh = await fs.open(pathOf(h), 'r');
    try {
      checkRange(h, range, (await fh.stat()).size, location);
      return await readExactly(fh, range.offset, range.length);
    } finally {
      await fh.close();
    }
  }

  async function* listDir(dir: string, type: FileType, opts?: ListOptions): AsyncIterable<FileInfo> {
    for (const entry of await readdirIfExists(dir, type)) {
      if (entry.name.startsWith('.') || !entry.isFile()) continue;
      const info = await statIfExists(path.join(dir, entry.name), type);
      // mtime is set by the clock of whoever wrote the file: this host, or a network file system's server.
      if (info) yield { name: entry.name, size: info.size, ...(opts?.modTime ? { modTime: info.mtimeMs } : {}) };
    }
  }

  async function readdirIfExists(dir: string, type: FileType) {
    try {
      return await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isNotFoundError(err)) return [];
      throw toBackendError(err, 'list', `${type} objects`, location);
    }
  }

  /** An object removed between readdir and stat is simply not listed. */
  async function statIfExists(file: string, type: FileType) {
    try {
      return await fs.stat(file);
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw toBackendError(err, 'list', `${type} objects`, location);
    }
  }

  return {
    location,
    localPath: root,
    capabilities: { atomicCreate: true, consistentListing: true, connections: 1, rangeReads: true, persistent: true },

    async create(): Promise<void> {
      try {
        await makeDirs(root, DIR_MODE);
        for (const sub of Object.values(DIRS))
          await fs.mkdir(path.join(root, sub), { recursive: true, mode: DIR_MODE });
        await syncDir(root);
      } catch (err) {
        throw toBackendError(err, 'create', 'the repository layout', location);
      }
    },

    save,

    async load(h: Handle, range?: Range): Promise<Buffer> {
      checkHandle(h, location);
      try {
        return range === undefined ? await fs.readFile(pathOf(h)) : await loadRange(h, range);
      } catch (err) {
        throw toBackendError(err, 'load', h, location);
      }
    },

    async stat(h: Handle): Promise<FileInfo> {
      checkHandle(h, location);
      try {
        const st = await fs.stat(pathOf(h));
        if (!st.isFile()) {
          throw new BackendError('permanent', `${handleToString(h)} at ${location} is not a regular file`);
        }
        return { name: objectName(h), size: st.size };
      } catch (err) {
        throw toBackendError(err, 'stat', h, location);
      }
    },

    async *list(type: FileType, opts?: ListOptions): AsyncIterable<FileInfo> {
      checkType(type, location);
      if (type === 'config') {
        const info = await statIfExists(path.join(root, 'config'), type);
        if (info?.isFile())
          yield { name: 'config', size: info.size, ...(opts?.modTime ? { modTime: info.mtimeMs } : {}) };
      } else if (type === 'data') {
        const dataDir = path.join(root, 'data');
        for (const shard of await readdirIfExists(dataDir, type)) {
          if (shard.isDirectory() && !shard.name.startsWith('.'))
            yield* listDir(path.join(dataDir, shard.name), type, opts);
        }
      } else {
        yield* listDir(path.join(root, DIRS[type]), type, opts);
      }
    },

    async remove(h: Handle): Promise<void> {
      checkHandle(h, location);
      try {
        await unlinkReadOnly(pathOf(h));
      } catch (err) {
        if (!isNotFoundError(err)) throw toBackendError(err, 'remove', h, location);
      }
    },

    async removeLeftovers(): Promise<number> {
      let freed = 0;
      const sweep = async (dir: string, minAgeMs = 0) => {
        for (const e of await readdirIfExists(dir, 'data')) {
          if (!e.isFile() || !e.name.startsWith(TEMP_PREFIX)) continue;
          const file = path.join(dir, e.name);
          const st = await statIfExists(file, 'data');
          if (!st || systemClock.now() - st.mtimeMs < minAgeMs) continue;
          await fs.rm(file, { force: true });
          freed += st.size;
        }
      };
      const dataDir = path.join(root, 'data');
      await sweep(dataDir);
      for (const shard of await readdirIfExists(dataDir, 'data'))
        if (shard.isDirectory()) await sweep(path.join(dataDir, shard.name));
      for (const d of ['index', 'snapshots', 'keys']) await sweep(path.join(root, d));
      // Other processes write lock files while we hold ours (that is how they find the repository locked), so
      // only temp files too old to belong to a write still in progress are swept there.
      await sweep(path.join(root, 'locks'), LOCK_TEMP_MIN_AGE_MS);
      return freed;
    },

    isNotFound: isNotFoundError,
    isAlreadyExists: isAlreadyExistsError,
    isPermanent: isPermanentError,

    async close(): Promise<void> {},
  };
}

/** Windows refuses to unlink read-only files (EPERM); elsewhere the directory's permissions decide. */
async function unlinkReadOnly(file: string): Promise<void> {
  try {
    await fs.unlink(file);
  } catch (err) {
    if (process.platform !== 'win32' || (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    await fs.chmod(file, 0o644);
    await fs.unlink(file);
  }
}
