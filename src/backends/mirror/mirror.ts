// A repository kept on several stores at once (docs/usage/mirrors.md): writes go to every store in parallel,
// listings are the union, and a read is served by the first store that has a good copy (the "supersafe" mirror).
import { createHash } from 'node:crypto';
import { StrongboxError, systemReason } from '../../errors.js';
import {
  type Backend,
  type BackendCapabilities,
  BackendError,
  type FileInfo,
  type FileType,
  type Handle,
  handleToString,
  type ListOptions,
  type SaveOptions,
} from '../backend.js';
import { isAlreadyExistsError, isNotFoundError, isPermanentError } from '../errors.js';

/** A read that the first store could not serve and a later one did. */
export interface FallbackNote {
  handle: Handle;
  /** The store that served it. */
  servedBy: string;
  /** Why each earlier store did not ("/srv/repo: missing"). */
  reasons: string[];
}

/** A store that missed a write or stopped answering during this session: it is behind until `sync`. */
export interface StoreFault {
  store: string;
  /** The first failure, for people. */
  reason: string;
  /** Writes and removals it missed. */
  missed: number;
}

export interface MirrorBackend extends Backend {
  /** The primary first, then the mirrors in their configured order. */
  readonly stores: readonly Backend[];
  /** Stores that failed in this session (they are skipped from their first failure on). */
  faults(): StoreFault[];
  /** Called for each read a later store served. */
  onFallback: (note: FallbackNote) => void;
  /**
   * Called when every store's copy of a content-addressed object fails its name check; the load then returns the
   * primary's copy, so that the reader above reports the damage as it would without mirrors.
   */
  onDamaged: (handle: Handle, reasons: string[]) => void;
}

export function isMirrorBackend(b: Backend): b is MirrorBackend {
  return Array.isArray((b as Partial<MirrorBackend>).stores);
}

/** Types named by the SHA-256 of their bytes: a whole read of one is checked against its name. */
const HASHED: ReadonlySet<FileType> = new Set(['data', 'index', 'snapshot']);

/** An error for people: a backend's short detail where it gives one. */
function describe(e: unknown): string {
  return e instanceof BackendError && e.detail ? e.detail : systemReason(e);
}

/** Why a store did not serve a read: "missing", or the error. */
function reasonOf(e: unknown): string {
  return isNotFoundError(e) ? 'missing' : describe(e);
}

/**
 * Compose `stores` (primary first) into one backend. A write succeeds when at least one store takes it; a store
 * that fails is recorded in `faults()` and left alone for the rest of the session, so one that is down costs its
 * retries once, not per object. Whole reads of content-addressed objects are checked against their name and
 * taken from the next store when they do not match; ranged reads (blobs) are checked above, by the repository.
 */
export function createMirrorBackend(stores: Backend[]): MirrorBackend {
  if (stores.length < 2) throw new StrongboxError('INTERNAL', 'a mirrored backend needs at least two stores');
  const down = new Map<Backend, StoreFault>();
  const fail = (s: Backend, e: unknown): void => {
    const f = down.get(s);
    if (f) f.missed++;
    else down.set(s, { store: s.location, reason: describe(e), missed: 1 });
  };
  const live = (): Backend[] => {
    const l = stores.filter((s) => !down.has(s));
    if (!l.length) {
      const why = [...down.values()].map((f) => `${f.store}: ${f.reason}`).join('; ');
      throw new BackendError('transient', `no store of the repository at ${stores[0].location} answers (${why})`);
    }
    return l;
  };

  /** Run `fn` on every live store at once; a failing store is marked down unless `tolerate` accepts its error. */
  async function onAll(
    what: string,
    fn: (s: Backend) => Promise<void>,
    tolerate?: (e: unknown) => boolean,
  ): Promise<void> {
    const targets = live();
    const results = await Promise.allSettled(targets.map(fn));
    const errors: unknown[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      if (tolerate?.(r.reason)) throw r.reason;
      errors.push(r.reason);
      fail(targets[i], r.reason);
    });
    if (errors.length === targets.length) {
      // Refused by every store alike (an invalid name): the request is at fault, not the stores.
      if (errors.every(isPermanentError)) {
        targets.forEach((s) => down.delete(s));
        throw errors[0];
      }
      throw errors.length === 1
        ? errors[0]
        : new BackendError(
            'transient',
            `${what} failed on every store: ` +
              targets.map((s, i) => `${s.location}: ${reasonOf(errors[i])}`).join('; '),
            { cause: errors[0] },
          );
    }
  }

  const caps = stores.map((s) => s.capabilities);
  const capabilities: BackendCapabilities = {
    atomicCreate: caps.every((c) => c.atomicCreate),
    consistentListing: caps.every((c) => c.consistentListing),
    connections: Math.max(1, Math.min(...caps.map((c) => c.connections))),
    rangeReads: caps.every((c) => c.rangeReads),
    persistent: caps.every((c) => c.persistent),
  };

  const backend: MirrorBackend = {
    location: stores[0].location,
    capabilities,
    ...(stores[0].localPath !== undefined ? { localPath: stores[0].localPath } : {}),
    stores,
    onFallback: () => {},
    onDamaged: () => {},
    faults: () => [...down.values()].map((f) => ({ ...f })),

    // `init` creates every store: a repository whose mirror cannot be created is not what was asked for.
    async create() {
      await Promise.all(stores.map((s) => s.create()));
    },

    async save(h: Handle, data: Uint8Array, opts?: SaveOptions) {
      // An exclusive save that finds the object (a racing lock, an existing config) fails as a whole.
      const tolerate = opts?.exclusive ? isAlreadyExistsError : undefined;
      await onAll(`saving ${handleToString(h)}`, (s) => s.save(h, data, opts), tolerate);
    },

    async load(h: Handle, range?: { offset: number; length: number }) {
      const reasons: string[] = [];
      const check = HASHED.has(h.type) && range === undefined;
      let damaged: Buffer | null = null;
      let refused: unknown = null;
      for (const s of live()) {
        let buf: Buffer;
        try {
          buf = await s.load(h, range);
        } catch (e) {
          // A permanent refusal (a range past the end, no permission) is an answer; a store that does not answer
          // after its retries is left alone from now on.
          if (isPermanentError(e)) {
            if (!isNotFoundError(e)) refused ??= e;
          } else fail(s, e);
          reasons.push(`${s.location}: ${reasonOf(e)}`);
          continue;
        }
        if (check && createHash('sha256').update(buf).digest('hex') !== h.name) {
          damaged ??= buf;
          reasons.push(`${s.location}: content does not match its name`);
          continue;
        }
        if (reasons.length) backend.onFallback({ handle: h, servedBy: s.location, reasons });
        return buf;
      }
      if (damaged) {
        backend.onDamaged(h, reasons);
        return damaged;
      }
      if (refused) throw refused;
      const what = handleToString(h);
      if (reasons.every((r) => r.endsWith(': missing'))) {
        const where = stores.map((s) => s.location).join(' or ');
        throw new BackendError('not-found', `${what} not found in repository at ${where}`);
      }
      throw new BackendError('transient', `cannot read ${what}: ${reasons.join('; ')}`);
    },

    async stat(h: Handle) {
      let notFound: unknown;
      let refused: unknown;
      for (const s of live()) {
        try {
          return await s.stat(h);
        } catch (e) {
          if (isNotFoundError(e)) notFound ??= e;
          else if (isPermanentError(e)) refused ??= e;
          else fail(s, e);
        }
      }
      if (refused) throw refused;
      if (notFound === undefined) {
        throw new BackendError('transient', `cannot stat ${handleToString(h)}: no store answers`);
      }
      throw notFound instanceof BackendError && notFound.kind === 'not-found'
        ? notFound
        : new BackendError('not-found', `${handleToString(h)} not found on any store`, { cause: notFound });
    },

    async *list(type: FileType, opts?: ListOptions): AsyncIterable<FileInfo> {
      const seen = new Map<string, FileInfo>();
      let answered = 0;
      let last: unknown;
      for (const s of live()) {
        try {
          const mine: FileInfo[] = [];
          for await (const f of s.list(type, opts)) mine.push(f);
          for (const f of mine) if (!seen.has(f.name)) seen.set(f.name, f);
          answered++;
        } catch (e) {
          fail(s, e);
          last = e;
        }
      }
      if (!answered) throw last;
      yield* seen.values();
    },

    async remove(h: Handle) {
      await onAll(`removing ${handleToString(h)}`, (s) => s.remove(h));
    },

    async removeLeftovers() {
      let freed = 0;
      for (const s of live()) freed += (await s.removeLeftovers?.()) ?? 0;
      return freed;
    },

    isNotFound: isNotFoundError,
    isAlreadyExists: isAlreadyExistsError,
    isPermanent: (e) => isPermanentError(e) || (e instanceof StrongboxError && e.code === 'INTEGRITY'),

    async close() {
      await Promise.all(stores.map((s) => s.close().catch(() => {})));
    },
  };
  return backend;
}
