// The one translation of system errors into messages (src/errors.ts): every errno a local disk gives names the path,
// the call and what to do, as an IO error (exit 7); anything else passes through unchanged.
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  exitStatusFor,
  fromSystemError,
  StrongboxError,
  systemReason,
  toUserError,
} from '../../src/errors.js';

function sysErr(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: something, ${syscall}${path ? ` '${path}'` : ''}`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  return e;
}

describe('system errors', () => {
  it.each([
    ['ENOSPC', /no space left on the device: free some space/],
    ['EDQUOT', /quota/],
    ['EACCES', /permission denied: run as a user/],
    ['EPERM', /not permitted/],
    ['EROFS', /read-only: remount it read-write/],
    ['EMFILE', /too many open files in this process: raise the limit \(ulimit -n\)/],
    ['ENFILE', /too many open files on this system/],
    ['EIO', /input\/output error: the disk or the filesystem may be failing/],
  ])('%s becomes an IO error (exit 7) naming the path, the call and what to do', (code, advice) => {
    const e = fromSystemError(sysErr(code, 'open', '/srv/restore/big.bin'));
    expect(e).toBeInstanceOf(StrongboxError);
    expect(e!.code).toBe('IO');
    expect(exitStatusFor(e)).toBe(7);
    expect(e!.message).toMatch(new RegExp(`^open /srv/restore/big\\.bin failed \\(${code}\\): `));
    expect(e!.message).toMatch(advice);
  });

  it('an fd-based error without a path still names the call; an unknown errno keeps the system text', () => {
    expect(fromSystemError(sysErr('ENOSPC', 'write'))!.message).toBe(
      'write failed (ENOSPC): no space left on the device: free some space or choose another location',
    );
    expect(fromSystemError(sysErr('EXDEV', 'rename', '/a'))!.message).toMatch(
      /^rename \/a failed \(EXDEV\): something, rename/,
    );
  });

  it('leaves alone what is not a system error, and StrongboxErrors as they are', () => {
    const bug = new TypeError('x is undefined');
    expect(fromSystemError(bug)).toBeUndefined();
    expect(toUserError(bug)).toBe(bug);
    const mine = new StrongboxError('LOCKED', 'locked');
    expect(toUserError(mine)).toBe(mine);
    // A code without a syscall or path (a library's own code) is not taken for a disk error.
    const lib = Object.assign(new Error('bad'), { code: 'ERR_INVALID_ARG_TYPE' });
    expect(fromSystemError(lib)).toBeUndefined();
    expect(ERROR_CODES.IO.exit).toBe(7);
  });

  it('systemReason gives code and advice for a known errno, else the message', () => {
    expect(systemReason(sysErr('EACCES', 'open', '/x'))).toBe(
      'EACCES, permission denied: run as a user that may access it, or change its permissions',
    );
    expect(systemReason(new Error('plain'))).toBe('plain');
  });
});
