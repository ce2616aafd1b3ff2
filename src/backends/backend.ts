// The storage contract every backend (local, memory, s3, sftp, git, mirror) implements. Objects are
// immutable, named by type and name; the repository layer above decides what the bytes mean.

import { StrongboxError } from '../errors.js';

export const FILE_TYPES = ['config', 'key', 'data', 'index', 'snapshot', 'lock', 'quarantine'] as const;
export type FileType = (typeof FILE_TYPES)[number];

/**
 * Names one stored object. `config` has the fixed name "config". `quarantine` holds the objects `repair`
 * and `unlock` moved aside (damaged or replaced); nothing reads them, so a repair never deletes anything.
 */
export interface Handle {
  type: FileType;
  name: string;
}

export interface FileInfo {
  name: string;
  size: number;
  /**
   * When the storage wrote the object (ms since the epoch), by the storage's clock where it keeps one
   * (S3 LastModified; a network file system's server). Only given when a listing asks for it, and only by
   * backends that know it: snapshots are ordered without it, it serves to spot a writer whose clock is off.
   */
  modTime?: number;
}

export interface ListOptions {
  /** Also report each object's modTime, where the backend knows it. */
  modTime?: boolean;
}

/**
 * What the engine may rely on. It reads these instead of asking which backend it has: the packer uploads
 * `connections` packs at once; the lock protocol and `init` re-check after a delay where `atomicCreate`
 * or `consistentListing` is false (docs/design/repository-format.md, "Locks").
 */
export interface BackendCapabilities {
  /**
   * save() with `exclusive` fails with an already-exists error atomically: of two concurrent exclusive saves of
   * one name, exactly one succeeds. Where false, an exclusive save still refuses an object that already exists,
   * but two racing writers can both succeed (check, then write).
   */
  atomicCreate: boolean;
  /** A listing shows every object whose save completed before it started, and none removed before then. */
  consistentListing: boolean;
  /** How many requests the engine should have in flight at once (packs uploaded in parallel). At least 1. */
  connections: number;
  /** load() honours offset/length without transferring the whole object. */
  rangeReads: boolean;
  /** Objects survive the process (false for memory). */
  persistent: boolean;
  /**
   * The largest object the storage takes (a git provider's file size limit), where it has one: `init` refuses a
   * pack size that could make a larger pack.
   */
  maxObjectSize?: number;
  /** Bytes above which the store's owner should be warned (a git provider's repository size guidance): `status` does. */
  warnSize?: number;
}

export interface SaveOptions {
  /** Fail with an AlreadyExists error if the object exists (used for locks and config). */
  exclusive?: boolean;
}

export interface Backend {
  /** Human-readable location, without secrets (e.g. "/var/backups/repo", "s3:bucket/prefix"). */
  readonly location: string;
  readonly capabilities: BackendCapabilities;
  /**
   * The absolute directory the objects live in when the store is this machine's filesystem (the local backend),
   * so a backup can leave the repository out of the paths it walks and a restore can refuse to write into it.
   */
  readonly localPath?: string;
  /** Create the backend's layout (directories, bucket prefix). Idempotent. */
  create(): Promise<void>;
  /** Store an object atomically: readers see all of it or nothing. */
  save(h: Handle, data: Uint8Array, opts?: SaveOptions): Promise<void>;
  /** Read an object, or `length` bytes of it from `offset`. Throws a not-found error if missing. */
  load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer>;
  stat(h: Handle): Promise<FileInfo>;
  /** List all objects of one type. */
  list(type: FileType, opts?: ListOptions): AsyncIterable<FileInfo>;
  /**
   * Remove an object; removing a missing object is not an error. A backend may queue removals (git batches them
   * into one commit): a queued removal is effective for this backend's own load, stat and list at once, and
   * reaches the storage with the next save, or by close() at the latest (which fails if it cannot send it).
   */
  remove(h: Handle): Promise<void>;
  /**
   * Remove partial uploads that killed writers left behind (temporary files no listing shows); returns
   * how many bytes that freed. Only called under the repository's exclusive lock (prune), when no writer runs.
   */
  removeLeftovers?(): Promise<number>;
  isNotFound(err: unknown): boolean;
  isAlreadyExists(err: unknown): boolean;
  /** A permanent error will not go away by retrying (not found, permission denied, invalid request). */
  isPermanent(err: unknown): boolean;
  /** Release connections and other resources; the backend is not used afterwards. May be called twice. */
  close(): Promise<void>;
}

/**
 * The one error classification every backend maps its failures to; the retry layer retries `transient` only.
 * `detail` is a short reason for people (e.g. 'bucket "b" does not exist') that callers may add to their own
 * message; like the message, it never holds a secret. It is a StrongboxError with code BACKEND, so one that
 * reaches a front end unwrapped still gets the BACKEND exit status and its message, not "internal error".
 */
export class BackendError extends StrongboxError {
  readonly kind: 'not-found' | 'already-exists' | 'permanent' | 'transient';
  readonly detail?: string;
  constructor(kind: BackendError['kind'], message: string, options?: { cause?: unknown; detail?: string }) {
    super('BACKEND', message, options);
    this.kind = kind;
    this.name = 'BackendError';
    if (options?.detail !== undefined) this.detail = options.detail;
  }
}

export function handleToString(h: Handle): string {
  return h.type === 'config' ? 'config' : `${h.type}/${h.name}`;
}
