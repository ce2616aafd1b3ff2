// The git backend: a repository's objects as files in one branch of a git repository, written through a local
// cache repository with git's plumbing commands (docs/design/git-backend.md).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Scope } from '../../util/scope.js';
import { BackendError, type Backend, type FileInfo, type FileType, type Handle } from '../backend.js';
import { checkHandle, checkRange, checkRangeShape, checkType, type Range } from '../checks.js';
import { alreadyExists, isAlreadyExistsError, isNotFoundError, isPermanentError, notFound } from '../errors.js';
import { objectPath, TYPE_DIRS } from '../layout.js';
import { cleanCache, dropOwnRef } from './cache.js';
import { buildsSshCommand, gitEnvironment } from './environment.js';
import { endSshConnection, sshControlDir } from './ssh-mux.js';
import { gitError } from './errors.js';
import { parseGitLocation } from './location.js';
import {
  DEFAULT_MAX_FILE_MIB,
  DEFAULT_STALE_REF_LOCK_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_WARN_SIZE_MIB,
  type GitOptions,
} from './options.js';
import { createBlobReader } from './reader.js';
import { createGitRunner } from './run.js';
import { GitStore } from './store.js';

const MiB = 1024 * 1024;

/** Where the cache of a location lives unless the option cacheDir says. */
export function defaultCacheDir(key: string, env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'strongbox', 'git', createHash('sha256').update(key).digest('hex').slice(0, 16));
}

/**
 * `signal` is the operation's: its abort kills every git command at once and fails the saves not yet pushed;
 * close() still sends the queued removals (the released lock's), with commands of its own.
 */
export function openGitBackend(
  rest: string,
  options: GitOptions,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
  warn?: (message: string) => void,
): Backend {
  const target = parseGitLocation(rest, options.branch);
  const location = target.display;
  const gitDir = options.cacheDir ?? defaultCacheDir(`${target.url}#${target.branch}`, env);
  const closing = new AbortController();
  const scope = new Scope(signal === undefined ? closing.signal : AbortSignal.any([closing.signal, signal]));
  const mux =
    buildsSshCommand(options) && target.localPath === undefined && !/^https?:/i.test(target.url)
      ? sshControlDir()
      : undefined;
  const setup = gitEnvironment(options, env, location, mux?.socket);
  const git = createGitRunner(gitDir, setup.env, scope, setup.config);
  const reader = createBlobReader(git);
  const ref = `refs/strongbox/${process.pid}-${randomBytes(6).toString('hex')}`;
  const maxObject = (options.maxFileMiB ?? DEFAULT_MAX_FILE_MIB) * MiB;
  const store = new GitStore(git, target, {
    gitDir,
    ref,
    location,
    timeoutMs: (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    staleLockMs: (options.staleRefLockSeconds ?? DEFAULT_STALE_REF_LOCK_SECONDS) * 1000,
    ...(warn ? { warn } : {}),
    exists: (path) => alreadyExists(handleOf(path), location),
  });

  let ready: Promise<void> | undefined;
  /** The cache exists (made on first use) and the refs of this host's dead processes are gone. */
  const prepare = () =>
    (ready ??= (async () => {
      try {
        await mkdir(gitDir, { recursive: true, mode: 0o700 });
        await git.run(['init', '--quiet', '--bare']);
        await cleanCache(git, gitDir);
      } catch (err) {
        ready = undefined;
        throw gitError(err, 'prepare the cache repository', `${location} (cache ${gitDir})`);
      }
    })());
  let closed = false;

  const handleOf = (path: string): Handle => {
    if (path === 'config') return { type: 'config', name: 'config' };
    const [dir, ...rest] = path.split('/');
    const type = (Object.keys(TYPE_DIRS) as (keyof typeof TYPE_DIRS)[]).find((t) => TYPE_DIRS[t] === dir) ?? 'data';
    return { type, name: rest[rest.length - 1] };
  };

  async function find(h: Handle): Promise<{ oid: string; size: number }> {
    await prepare();
    const e = await store.lookup(objectPath(h), true).catch((err) => {
      throw gitError(err, 'fetch', location);
    });
    if (e === undefined) throw notFound(h, location);
    return e;
  }

  const backend: Backend = {
    location,
    capabilities: {
      atomicCreate: true,
      consistentListing: true,
      connections: 4,
      rangeReads: false,
      persistent: true,
      maxObjectSize: maxObject,
      warnSize: (options.warnSizeMiB ?? DEFAULT_WARN_SIZE_MIB) * MiB,
    },

    async create() {
      await prepare();
      if (target.localPath === undefined) return store.refresh(); // the provider makes the repository; is it there?
      try {
        await mkdir(target.localPath, { recursive: true });
        await git.run(['init', '--quiet', '--bare', target.localPath], { env: { GIT_DIR: target.localPath } });
      } catch (err) {
        throw gitError(err, 'create the bare repository', location);
      }
    },

    async save(h, data, opts = {}) {
      checkHandle(h, location);
      if (data.byteLength > maxObject) {
        throw new BackendError(
          'permanent',
          `cannot save ${h.type}/${h.name} (${(data.byteLength / MiB).toFixed(1)} MiB) to ${location}: ` +
            `objects may be at most ${maxObject / MiB} MiB there (option maxFileMiB; GitHub refuses files over 100 MB)`,
        );
      }
      if (closed) throw new BackendError('permanent', `the backend for ${location} is closed`);
      await prepare();
      let oid: string;
      try {
        oid = (await git.run(['hash-object', '-w', '--stdin'], { input: data })).toString('utf8').trim();
      } catch (err) {
        throw gitError(err, `save ${h.type}/${h.name}`, location);
      }
      await store.put(objectPath(h), { oid, size: data.byteLength }, !!opts.exclusive);
    },

    async load(h, range?: Range) {
      checkHandle(h, location);
      if (range !== undefined) checkRangeShape(h, range, location);
      const e = await find(h);
      if (range !== undefined) checkRange(h, range, e.size, location);
      let data: Buffer;
      try {
        data = await reader.read(e.oid);
      } catch (err) {
        throw gitError(err, `load ${h.type}/${h.name}`, location);
      }
      if (range === undefined) return data;
      return Buffer.from(data.subarray(range.offset, range.offset + range.length));
    },

    async stat(h) {
      checkHandle(h, location);
      return { name: h.type === 'config' ? 'config' : h.name, size: (await find(h)).size };
    },

    async *list(type: FileType): AsyncIterable<FileInfo> {
      checkType(type, location);
      await prepare();
      const prefix = type === 'config' ? 'config' : `${TYPE_DIRS[type]}/`;
      let entries;
      try {
        entries = await store.entries(prefix);
      } catch (err) {
        throw gitError(err, `list ${type} objects`, location);
      }
      for (const [path, e] of entries) {
        if (type === 'config' && path !== 'config') continue;
        const name = path.slice(path.lastIndexOf('/') + 1);
        // Only the layout's own paths: data/<2 hex>/<name>, <dir>/<name>; anything else was put there by hand.
        const depth = path.split('/').length;
        if (type === 'data' ? depth !== 3 || path.split('/')[1] !== name.slice(0, 2) : type !== 'config' && depth !== 2)
          continue;
        if (name.startsWith('.')) continue;
        yield { name, size: e.size };
      }
    },

    async remove(h) {
      checkHandle(h, location);
      await prepare();
      store.remove(objectPath(h));
    },

    isNotFound: isNotFoundError,
    isAlreadyExists: isAlreadyExistsError,
    isPermanent: isPermanentError,

    async close() {
      if (closed) return;
      closed = true;
      // Cancelled (before or during this): the operation's git commands are dead, but its queued removals (its
      // lock's) still go out, through commands of their own, which the process's forced exit bounds.
      let last: Scope | undefined;
      let runner = git;
      const afterCancel = () => {
        last = new Scope();
        runner = createGitRunner(gitDir, setup.env, last, setup.config);
        store.finishCancelled(runner, new BackendError('permanent', `the operation on ${location} was cancelled`));
      };
      try {
        if (
          ready !== undefined &&
          (await ready.then(
            () => true,
            () => false,
          ))
        ) {
          if (scope.signal.aborted) afterCancel();
          await store.flush().catch(async (err: unknown) => {
            if (last !== undefined || !scope.signal.aborted) throw err;
            afterCancel();
            await store.flush();
          });
          await dropOwnRef(runner, ref, store.rewrites > 0);
        }
      } finally {
        closing.abort();
        scope.close();
        last?.close();
        if (mux !== undefined) await endSshConnection(mux);
      }
    },
  };
  return backend;
}
