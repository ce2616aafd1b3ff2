// SFTP status codes mapped to the backend error kinds: no such file is not-found, permission denied and
// unsupported requests are permanent, a lost connection or a generic failure is transient (retried).

import { BackendError, type Handle } from '../backend.js';
import { isAbortError } from '../abort.js';
import { notFound } from '../errors.js';

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02). */
export const SFTP_STATUS = {
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

const PERMANENT_STATUS = new Set<number>([
  SFTP_STATUS.PERMISSION_DENIED,
  SFTP_STATUS.BAD_MESSAGE,
  SFTP_STATUS.OP_UNSUPPORTED,
]);

export function sftpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isNoSuchFile(err: unknown): boolean {
  return sftpStatus(err) === SFTP_STATUS.NO_SUCH_FILE || (err instanceof BackendError && err.kind === 'not-found');
}

/** ssh2 throws this for an extension the server did not announce. */
export function isUnsupportedExtension(err: unknown): boolean {
  return err instanceof Error && /does not support this extended request/.test(err.message);
}

/**
 * Wrap an error from an SFTP request as a BackendError naming the operation, the object or directory, and
 * the location. A BackendError (a timeout, a refused login) and a cancelled operation's error pass through as they are.
 */
export function sftpError(err: unknown, op: string, what: Handle | string, location: string): Error {
  if (err instanceof BackendError || isAbortError(err)) return err as Error;
  const status = sftpStatus(err);
  if (status === SFTP_STATUS.NO_SUCH_FILE && typeof what !== 'string') return notFound(what, location, err);
  const subject = typeof what === 'string' ? what : what.type === 'config' ? 'config' : `${what.type}/${what.name}`;
  const reason = err instanceof Error ? err.message : String(err);
  if (isUnsupportedExtension(err)) {
    const why = `the SFTP server lacks an OpenSSH extension strongbox needs (${reason})`;
    return new BackendError('permanent', `cannot ${op} ${subject} at ${location}: ${why}`, { cause: err });
  }
  const kind =
    status === SFTP_STATUS.NO_SUCH_FILE
      ? 'not-found'
      : status !== undefined && PERMANENT_STATUS.has(status)
        ? 'permanent'
        : 'transient';
  return new BackendError(kind, `cannot ${op} ${subject} at ${location}: ${reason}`, { cause: err });
}
