// The SFTP backend: the local backend's layout on an SSH server, each object written to a temp name, synced
// and moved into place with posix-rename (or hardlink, which fails on an existing name, for exclusive saves).

import { randomBytes } from 'node:crypto';
import type { FileEntryWithStats, Stats } from 'ssh2';
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
import { alreadyExists, isAlreadyExistsError, isNotFoundError, isPermanentError } from '../errors.js';
import { isNoSuchFile, isUnsupportedExtension, SFTP_STATUS, sftpError, sftpStatus } from './errors.js';
import { remoteFiles } from './files.js';
import { joinRemote, parseSftpLocation, withHost, type SftpTarget } from './location.js';
import { resolveSftpOptions, type SftpOptions } from './options.js';
import { createRemote } from './remote.js';
import { defaultSshConfigFile, sshHostConfig } from './ssh-config.js';

const DIRS: Record<Exclude<FileType, 'config'>, string> = {
  key: 'keys',
  data: 'data',
  index: 'index',
  snapshot: 'snapshots',
  lock: 'locks',
  quarantine: 'quarantine',
};
/** Directories listed at once by list('data'). */
const LIST_BATCH = 8;
/** A lock file is written in milliseconds; a temp file in locks/ this old was left by a killed writer. */
const LOCK_TEMP_MIN_AGE_MS = 10 * 60_000;

/** The location completed from ~/.ssh/config (its host may be an alias there), and the options with defaults. */
function resolveTarget(location: string, options: SftpOptions, env: NodeJS.ProcessEnv) {
  const parsed = parseSftpLocation(location);
  const file = options.sshConfigFile ?? defaultSshConfigFile();
  const c = sshHostConfig(file, parsed.host, parsed.userGiven ? parsed.user : undefined, !!options.sshConfigFile);
  const target: SftpTarget = {
    ...parsed,
    ...withHost(c.hostName ?? parsed.host, parsed.portGiven ? parsed.port : (c.port ?? 22), c.hostKeyAlias),
    user: parsed.userGiven ? parsed.user : (c.user ?? parsed.user),
  };
  return { target, resolved: resolveSftpOptions(options, env, c) };
}

/**
 * A backend for an `sftp:` location. Nothing is loaded or connected until the first operation; a dropped
 * connection is reopened by the next one (the retry wrapper retries the transient failure it caused). Aborting
 * `signal` (the operation's) drops the connection, so every request in flight fails at once as INTERRUPTED.
 */
export function createSftpBackend(
  location: string,
  options: SftpOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): Backend {
  const { target, resolved } = resolveTarget(location, options, env);
  const remote = createRemote(target, resolved, env, signal);
  const root = target.path;

  const dirOf = (h: Handle): string => {
    if (h.type === 'config') return root;
    return h.type === 'data' ? joinRemote(root, 'data', h.name.slice(0, 2)) : joinRemote(root, DIRS[h.type]);
  };
  const pathOf = (h: Handle): string => joinRemote(dirOf(h), objectName(h));

  const { open, closeHandle, stat, unlink, readdir, ensureDir, writeAll, readAll } = remoteFiles(remote);

  /** Create the temp file, making a missing data shard directory on demand; write, sync and close it. */
  async function writeTemp(h: Handle, tmp: string, data: Uint8Array): Promise<void> {
    let fh: Buffer;
    try {
      fh = await open(tmp, 'wx');
    } catch (err) {
      if (h.type !== 'data' || !isNoSuchFile(err)) throw err;
      await ensureDir(dirOf(h));
      fh = await open(tmp, 'wx');
    }
    try {
      await writeAll(tmp, fh, data);
    } catch (err) {
      await closeHandle(tmp, fh).catch(() => {});
      throw err;
    }
    await closeHandle(tmp, fh); // a server may report a failed write only here: the object must not go live then
  }

  /** Link the temp file to the name; a failure while the name exists means someone else holds it. */
  async function linkExclusive(h: Handle, tmp: string, file: string): Promise<void> {
    try {
      await remote.call<void>(`link ${file}`, (s, cb) => s.ext_openssh_hardlink(tmp, file, cb));
    } catch (err) {
      if (
        isUnsupportedExtension(err) ||
        !(await stat(file).then(
          () => true,
          () => false,
        ))
      )
        throw err;
      throw alreadyExists(h, location, err);
    }
  }

  /**
   * OpenSSH reports a full disk as SFTP's generic "Failure"; statvfs@openssh.com tells it apart, so that it
   * fails at once as permanent (as ENOSPC does locally) instead of being retried with the same result.
   */
  async function diskFull(err: unknown, h: Handle, need: number): Promise<BackendError | undefined> {
    if (sftpStatus(err) !== SFTP_STATUS.FAILURE) return undefined;
    const dir = dirOf(h);
    const vfs = await remote
      .call<{ f_frsize: number; f_bavail: number }>(`statvfs ${dir}`, (s, cb) => s.ext_openssh_statvfs(dir, cb))
      .catch(() => undefined);
    const free = vfs === undefined ? Infinity : vfs.f_bavail * vfs.f_frsize;
    if (free >= need) return undefined;
    return new BackendError(
      'permanent',
      `cannot save ${handleToString(h)} at ${location}: the server's disk is full ` +
        `(${free} bytes free in ${dir}, ${need} needed)`,
      { cause: err },
    );
  }

  async function save(h: Handle, data: Uint8Array, opts: SaveOptions = {}): Promise<void> {
    checkHandle(h, location);
    const file = pathOf(h);
    const tmp = joinRemote(dirOf(h), `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    await remote.slot(async () => {
      let tmpLeft = true;
      try {
        await writeTemp(h, tmp, data);
        if (opts.exclusive) {
          await linkExclusive(h, tmp, file);
        } else {
          await remote.call<void>(`rename ${file}`, (s, cb) => s.ext_openssh_rename(tmp, file, cb));
          tmpLeft = false;
        }
      } catch (err) {
        throw (await diskFull(err, h, data.byteLength)) ?? sftpError(err, 'save', h, location);
      } finally {
        if (tmpLeft) await unlink(tmp).catch(() => {}); // what a failed cleanup leaves, removeLeftovers takes
      }
    });
  }

  async function load(h: Handle, range?: Range): Promise<Buffer> {
    checkHandle(h, location);
    if (range !== undefined) checkRangeShape(h, range, location);
    const file = pathOf(h);
    return remote.slot(async () => {
      try {
        const fh = await open(file, 'r');
        try {
          const size = (await remote.call<Stats>(`stat ${file}`, (s, cb) => s.fstat(fh, cb))).size;
          const r = range ?? { offset: 0, length: size };
          checkRange(h, r, size, location);
          return await readAll(file, fh, r.offset, r.length);
        } finally {
          await closeHandle(file, fh).catch(() => {});
        }
      } catch (err) {
        throw sftpError(err, 'load', h, location);
      }
    });
  }

  /** A directory's regular files that are objects (no temp files); a missing directory lists nothing. */
  async function filesIn(dir: string, type: FileType): Promise<FileEntryWithStats[]> {
    try {
      return await remote.slot(() => readdir(dir));
    } catch (err) {
      if (isNoSuchFile(err)) return [];
      throw sftpError(err, 'list', `${type} objects`, location);
    }
  }

  /** The server's clock, to the second, when asked (it is what spots a writer whose own clock is off). */
  async function* list(type: FileType, opts?: ListOptions): AsyncIterable<FileInfo> {
    checkType(type, location);
    const info = (name: string, attrs: Stats): FileInfo => ({
      name,
      size: attrs.size,
      ...(opts?.modTime ? { modTime: attrs.mtime * 1000 } : {}),
    });
    if (type === 'config') {
      const st = await remote
        .slot(() => stat(pathOf({ type, name: 'config' })))
        .catch((err: unknown) => {
          if (isNoSuchFile(err)) return undefined;
          throw sftpError(err, 'list', 'config', location);
        });
      if (st?.isFile()) yield info('config', st);
      return;
    }
    const isObject = (e: FileEntryWithStats) => e.attrs.isFile() && !e.filename.startsWith('.');
    const dirs =
      type === 'data'
        ? (await filesIn(joinRemote(root, 'data'), type))
            .filter((e) => e.attrs.isDirectory() && !e.filename.startsWith('.'))
            .map((e) => joinRemote(root, 'data', e.filename))
        : [joinRemote(root, DIRS[type])];
    // Shard directories are read a few at a time: one by one, a repository's 256 would cost 256 round trips.
    for (let i = 0; i < dirs.length; i += LIST_BATCH) {
      for (const entries of await Promise.all(dirs.slice(i, i + LIST_BATCH).map((d) => filesIn(d, type)))) {
        for (const e of entries) if (isObject(e)) yield info(e.filename, e.attrs);
      }
    }
  }

  async function removeLeftovers(): Promise<number> {
    let freed = 0;
    const sweep = async (dir: string, minAgeMs = 0) => {
      for (const e of await filesIn(dir, 'data')) {
        if (!e.attrs.isFile() || !e.filename.startsWith(TEMP_PREFIX)) continue;
        if (systemClock.now() - e.attrs.mtime * 1000 < minAgeMs) continue;
        await remote
          .slot(() => unlink(joinRemote(dir, e.filename)))
          .catch((err: unknown) => {
            if (!isNoSuchFile(err)) throw sftpError(err, 'remove', `temp file ${e.filename}`, location);
          });
        freed += e.attrs.size;
      }
    };
    const dataDir = joinRemote(root, 'data');
    await sweep(dataDir);
    for (const shard of await filesIn(dataDir, 'data')) {
      if (shard.attrs.isDirectory()) await sweep(joinRemote(dataDir, shard.filename));
    }
    for (const d of ['index', 'snapshots', 'keys']) await sweep(joinRemote(root, d));
    // Other processes write lock files while we hold ours; only temp files too old to be a write in progress go.
    await sweep(joinRemote(root, 'locks'), LOCK_TEMP_MIN_AGE_MS);
    await sweep(root);
    return freed;
  }

  return {
    location,
    // Exclusive create is a hard link (atomic on the server's filesystem), and a directory listing is consistent.
    capabilities: {
      atomicCreate: true,
      rangeReads: true,
      persistent: true,
      consistentListing: true,
      connections: resolved.connections,
    },

    async create(): Promise<void> {
      await remote.slot(async () => {
        try {
          const parts = root.split('/');
          for (let i = 1; i <= parts.length; i++) {
            const p = parts.slice(0, i).join('/');
            if (p !== '' && p !== '.') await ensureDir(p);
          }
          for (const sub of Object.values(DIRS)) await ensureDir(joinRemote(root, sub));
        } catch (err) {
          throw sftpError(err, 'create', 'the repository layout', location);
        }
      });
    },

    save,
    load,

    async stat(h: Handle): Promise<FileInfo> {
      checkHandle(h, location);
      return remote.slot(async () => {
        try {
          const st = await stat(pathOf(h));
          if (!st.isFile()) throw new BackendError('permanent', `${pathOf(h)} at ${location} is not a regular file`);
          return { name: objectName(h), size: st.size };
        } catch (err) {
          throw sftpError(err, 'stat', h, location);
        }
      });
    },

    list,

    async remove(h: Handle): Promise<void> {
      checkHandle(h, location);
      await remote.slot(async () => {
        try {
          await unlink(pathOf(h));
        } catch (err) {
          if (!isNoSuchFile(err)) throw sftpError(err, 'remove', h, location);
        }
      });
    },

    removeLeftovers,
    isNotFound: isNotFoundError,
    isAlreadyExists: isAlreadyExistsError,
    isPermanent: isPermanentError,
    close: () => remote.close(),
  };
}
