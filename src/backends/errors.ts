// Error classification shared by every backend: BackendError kinds and raw errno codes mapped to
// not-found / already-exists / permanent / transient, and messages that name the object and location.

import { systemReason } from '../errors.js';
import { BackendError, handleToString, type Handle } from './backend.js';

type Kind = BackendError['kind'];

/** errno codes that retrying will not cure: permissions, wrong file kind, read-only or full storage. */
const PERMANENT_CODES = new Set([
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOTDIR',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'ENAMETOOLONG',
  'EINVAL',
  'ELOOP',
]);

/** The kind of an error, or undefined when it is neither a BackendError nor an errno error. */
export function errorKind(err: unknown): Kind | undefined {
  if (err instanceof BackendError) return err.kind;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'ENOENT') return 'not-found';
  if (code === 'EEXIST') return 'already-exists';
  return PERMANENT_CODES.has(code) ? 'permanent' : 'transient';
}

export function isNotFoundError(err: unknown): boolean {
  return errorKind(err) === 'not-found';
}

export function isAlreadyExistsError(err: unknown): boolean {
  return errorKind(err) === 'already-exists';
}

/**
 * Not-found and already-exists count as permanent: retrying cannot change them. Errors we cannot
 * classify (neither BackendError nor errno) are treated as transient, as restic does, so a flaky
 * network library's odd error is retried rather than fatal.
 */
export function isPermanentError(err: unknown): boolean {
  const kind = errorKind(err);
  return kind !== undefined && kind !== 'transient';
}

function subject(what: Handle | string): string {
  return typeof what === 'string' ? what : handleToString(what);
}

export function notFound(h: Handle, location: string, cause?: unknown): BackendError {
  return new BackendError('not-found', `${handleToString(h)} not found in repository at ${location}`, { cause });
}

export function alreadyExists(h: Handle, location: string, cause?: unknown): BackendError {
  return new BackendError('already-exists', `${handleToString(h)} already exists in repository at ${location}`, {
    cause,
  });
}

/**
 * Wrap any error from an operation as a BackendError of the right kind (kept as is if it already is
 * one). `what` is the object's handle, or a description such as "lock objects" or "the repository layout".
 */
export function toBackendError(err: unknown, op: string, what: Handle | string, location: string): BackendError {
  if (err instanceof BackendError) return err;
  const kind = errorKind(err) ?? 'transient';
  if (kind === 'not-found' && typeof what !== 'string') return notFound(what, location, err);
  if (kind === 'already-exists' && typeof what !== 'string') return alreadyExists(what, location, err);
  const reason = systemReason(err);
  return new BackendError(kind, `cannot ${op} ${subject(what)} at ${location}: ${reason}`, { cause: err });
}
