// How backend errors are classified: BackendError kinds and raw errno codes into not-found,
// already-exists, permanent and transient; unknown errors count as transient (they are retried).

import { describe, expect, it } from 'vitest';
import { BackendError } from '../../src/backends/backend.js';
import { errorKind, isPermanentError, toBackendError } from '../../src/backends/errors.js';

const errno = (code: string): Error => Object.assign(new Error(`${code}: something`), { code });

describe('backend error classification', () => {
  it.each([
    ['ENOENT', 'not-found'],
    ['EEXIST', 'already-exists'],
    ['EACCES', 'permanent'],
    ['EPERM', 'permanent'],
    ['EISDIR', 'permanent'],
    ['ENOTDIR', 'permanent'],
    ['EROFS', 'permanent'],
    ['ENOSPC', 'permanent'],
    ['EIO', 'transient'],
    ['EAGAIN', 'transient'],
    ['ECONNRESET', 'transient'],
  ])('classifies errno %s as %s', (code, kind) => {
    expect(errorKind(errno(code))).toBe(kind);
    expect(toBackendError(errno(code), 'load', { type: 'index', name: 'ab' }, '/repo').kind).toBe(kind);
  });

  it('takes the kind of a BackendError as given', () => {
    for (const kind of ['not-found', 'already-exists', 'permanent', 'transient'] as const) {
      expect(errorKind(new BackendError(kind, 'x'))).toBe(kind);
      expect(isPermanentError(new BackendError(kind, 'x'))).toBe(kind !== 'transient');
    }
  });

  it('treats errors it cannot classify as transient', () => {
    expect(errorKind(new Error('socket hang up'))).toBeUndefined();
    expect(isPermanentError(new Error('socket hang up'))).toBe(false);
    expect(isPermanentError(undefined)).toBe(false);
  });

  it('names the object, the location and the cause in wrapped errors', () => {
    const cause = errno('EACCES');
    const err = toBackendError(cause, 'save', { type: 'lock', name: 'cafe' }, '/srv/repo');
    expect(err.message).toBe(
      'cannot save lock/cafe at /srv/repo: EACCES, permission denied: run as a user that may access it, or change its permissions',
    );
    expect(err.cause).toBe(cause);
    expect(toBackendError(errno('ENOENT'), 'load', { type: 'config', name: 'config' }, '/srv/repo').message).toBe(
      'config not found in repository at /srv/repo',
    );
  });
});
