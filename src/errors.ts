// One error type for the whole program: a code from a closed union, a message that says what failed on
// what and what to do, and an optional cause. The code → exit status table lives here and nowhere else.

export const ERROR_CODES = {
  USAGE: { exit: 2, http: 400, summary: 'wrong command-line usage or invalid argument' },
  CONFIG: { exit: 2, http: 400, summary: 'the configuration file is missing, unreadable or invalid' },
  WRONG_PASSWORD: { exit: 12, http: 401, summary: 'no key in the repository opens with the given password' },
  NO_PASSWORD: {
    exit: 12,
    http: 401,
    summary: 'no password given (STRONGBOX_PASSWORD, --password-file, --password-command)',
  },
  REPO_NOT_FOUND: { exit: 10, http: 404, summary: 'the repository does not exist at that location' },
  REPO_EXISTS: { exit: 1, http: 409, summary: 'init on a location that already holds a repository' },
  REPO_VERSION: { exit: 1, http: 409, summary: 'the repository was written by a newer strongbox format' },
  LOCKED: { exit: 11, http: 423, summary: 'the repository is locked by another process' },
  NOT_FOUND: { exit: 1, http: 404, summary: 'a snapshot, key, path or object named was not found' },
  INCOMPLETE: {
    exit: 3,
    http: 200,
    summary:
      'backup finished, but some files could not be read (snapshot marked incomplete); or restore finished, but some files or databases could not be restored (named)',
  },
  INTEGRITY: {
    exit: 1,
    http: 500,
    summary: 'repository data failed verification (corrupt, tampered or missing object)',
  },
  UNSAFE_PATH: { exit: 1, http: 400, summary: 'a tree entry would write outside the restore target' },
  TARGET_NOT_EMPTY: { exit: 1, http: 409, summary: 'restore target is not empty (use --overwrite to allow)' },
  VERIFY_FAILED: { exit: 1, http: 500, summary: 'restore --verify found restored content that differs' },
  BACKEND: { exit: 1, http: 502, summary: 'the storage backend failed' },
  HOOK: {
    exit: 5,
    http: 500,
    summary: 'a before-backup hook failed (nothing was backed up) or an after-backup hook failed',
  },
  SOURCE: {
    exit: 4,
    http: 502,
    summary: 'a database dump or restore failed (tool missing, server down, bad credentials, dump error)',
  },
  UNHEALTHY: {
    exit: 6,
    http: 503,
    summary:
      'status: a scheduled periodicity is overdue or has no snapshot, a newest snapshot is incomplete, or a store of a mirrored repository is degraded',
  },
  IO: {
    exit: 7,
    http: 507,
    summary:
      'a local file or directory could not be read or written (disk full, permission denied, read-only filesystem, too many open files)',
  },
  INTERRUPTED: { exit: 130, http: 500, summary: 'interrupted by a signal' },
  INTERNAL: { exit: 1, http: 500, summary: 'an unexpected internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class StrongboxError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'StrongboxError';
  }
}

export function isStrongboxError(e: unknown, code?: ErrorCode): e is StrongboxError {
  return e instanceof StrongboxError && (code === undefined || e.code === code);
}

/** The process exit status for an error; anything that is not a StrongboxError is INTERNAL. */
export function exitStatusFor(e: unknown): number {
  return e instanceof StrongboxError ? ERROR_CODES[e.code].exit : ERROR_CODES.INTERNAL.exit;
}

export function httpStatusFor(e: unknown): number {
  return e instanceof StrongboxError ? ERROR_CODES[e.code].http : ERROR_CODES.INTERNAL.http;
}

/** What to do about a system error, by errno code: the advice a message about it ends with. */
const SYSTEM_ADVICE: Record<string, string> = {
  ENOSPC: 'no space left on the device: free some space or choose another location',
  EDQUOT: 'the disk quota is exhausted: free some space or raise the quota',
  EACCES: 'permission denied: run as a user that may access it, or change its permissions',
  EPERM: "operation not permitted: run as a user that may do this, or check the file's attributes",
  EROFS: 'the filesystem is read-only: remount it read-write or choose another location',
  EMFILE: 'too many open files in this process: raise the limit (ulimit -n) and try again',
  ENFILE: 'too many open files on this system: close some programs or raise fs.file-max, and try again',
  EIO: 'an input/output error: the disk or the filesystem may be failing; check the system log',
  ENAMETOOLONG: 'the name is too long for this filesystem',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory where a file was expected',
  ENOENT: 'no such file or directory',
  ELOOP: 'too many levels of symbolic links',
};

/** An error's reason for a message: for a system error its errno code and what to do, else its message. */
export function systemReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && SYSTEM_ADVICE[code] !== undefined) return `${code}, ${SYSTEM_ADVICE[code]}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * A system error from the local filesystem (an errno error with a path or syscall) as an IO error whose message
 * names the path, the operation and what to do; undefined for anything else. The one translation every front
 * end applies, so no errno error reaches a user as an "internal error".
 */
export function fromSystemError(e: unknown): StrongboxError | undefined {
  const err = e as (NodeJS.ErrnoException & { dest?: string }) | null;
  if (!(err instanceof Error) || typeof err.code !== 'string' || !/^E[A-Z0-9]+$/.test(err.code)) return undefined;
  if (err.path === undefined && err.syscall === undefined) return undefined;
  const advice = SYSTEM_ADVICE[err.code] ?? err.message.replace(/^[A-Z0-9]+: /, '');
  const what = err.path !== undefined ? ` ${err.path}${err.dest !== undefined ? ` -> ${err.dest}` : ''}` : '';
  return new StrongboxError('IO', `${err.syscall ?? 'access'}${what} failed (${err.code}): ${advice}`, { cause: e });
}

/** The error a user sees: a StrongboxError as it is, a system error translated, anything else unchanged. */
export function toUserError(e: unknown): unknown {
  return e instanceof StrongboxError ? e : (fromSystemError(e) ?? e);
}
