// The storage contract every backend (local, memory, s3, sftp, git, mirror) implements. Objects are
// immutable, named by type and name; the repository layer above decides what the bytes mean.

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

export interface BackendCapabilities {
  /** save() with `exclusive` fails with a not-found-style "already exists" error atomically. */
  atomicCreate: boolean;
  /** load() honours offset/length without transferring the whole object. */
  rangeReads: boolean;
  /** Objects survive the process (false for memory). */
  persistent: boolean;
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
  /** Remove an object; removing a missing object is not an error. */
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
  close(): Promise<void>;
}

export class BackendError extends Error {
  readonly kind: 'not-found' | 'already-exists' | 'permanent' | 'transient';
  constructor(kind: BackendError['kind'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'BackendError';
  }
}

export function handleToString(h: Handle): string {
  return h.type === 'config' ? 'config' : `${h.type}/${h.name}`;
}
