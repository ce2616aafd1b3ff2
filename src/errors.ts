// One error type for the whole program: a code from a closed union, a message that says what failed on
// what and what to do, and an optional cause. The code → exit status table lives here and nowhere else.

export const ERROR_CODES = {
  USAGE: { exit: 2, http: 400, summary: 'wrong command-line usage or invalid argument' },
  CONFIG: { exit: 2, http: 400, summary: 'the configuration file is missing, unreadable or invalid' },
  WRONG_PASSWORD: { exit: 12, http: 401, summary: 'no key in the repository opens with the given password' },
  NO_PASSWORD: { exit: 12, http: 401, summary: 'no password given (STRONGBOX_PASSWORD, --password-file, --password-command)' },
  REPO_NOT_FOUND: { exit: 10, http: 404, summary: 'the repository does not exist at that location' },
  REPO_EXISTS: { exit: 1, http: 409, summary: 'init on a location that already holds a repository' },
  REPO_VERSION: { exit: 1, http: 409, summary: 'the repository was written by a newer strongbox format' },
  LOCKED: { exit: 11, http: 423, summary: 'the repository is locked by another process' },
  NOT_FOUND: { exit: 1, http: 404, summary: 'a snapshot, key, path or object named was not found' },
  INCOMPLETE: { exit: 3, http: 200, summary: 'backup finished, but some files could not be read (snapshot marked incomplete); or restore finished, but some files or databases could not be restored (named)' },
  INTEGRITY: { exit: 1, http: 500, summary: 'repository data failed verification (corrupt, tampered or missing object)' },
  UNSAFE_PATH: { exit: 1, http: 400, summary: 'a tree entry would write outside the restore target' },
  TARGET_NOT_EMPTY: { exit: 1, http: 409, summary: 'restore target is not empty (use --overwrite to allow)' },
  VERIFY_FAILED: { exit: 1, http: 500, summary: 'restore --verify found restored content that differs' },
  BACKEND: { exit: 1, http: 502, summary: 'the storage backend failed' },
  HOOK: { exit: 5, http: 500, summary: 'a before-backup hook failed (nothing was backed up) or an after-backup hook failed' },
  SOURCE: { exit: 4, http: 502, summary: 'a database dump or restore failed (tool missing, server down, bad credentials, dump error)' },
  UNHEALTHY: { exit: 6, http: 503, summary: 'status: a scheduled periodicity is overdue or has no snapshot, or a newest snapshot is incomplete' },
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
