// Temporary names for restored files: each is written beside its real name (same directory, so the rename is
// atomic) and renamed into place only when whole. A name that fails or is interrupted is never touched.
import { randomBytes } from 'node:crypto';
import { constants, linkSync, lstatSync, openSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { StrongboxError } from '../errors.js';
import { displayPath, type FsPath } from '../util/names.js';
import { renameNoReplaceSync } from '../util/utimens.js';

const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Temporary names start with this; short, so that a long real name's directory never overflows NAME_MAX. */
export const STAGING_PREFIX = '.strongbox-restore-';

export class Staging {
  /** One tag per restore and a counter: names are unique without keeping any per-file state. */
  private readonly tag = randomBytes(4).toString('hex');
  private seq = 0;

  /** With `overwrite`, a commit replaces what is at the real name; without, it refuses to. */
  constructor(private readonly overwrite: boolean) {}

  /** A new, empty, 0600 file beside `path`, under a name nothing else uses. */
  create(path: FsPath): { fd: number; tmp: FsPath } {
    for (;;) {
      const tmp = this.sibling(path);
      try {
        return { fd: openSync(tmp, OPEN_FLAGS, 0o600), tmp };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  /** Moves the finished `tmp` to `path` in one step (a directory there is removed first, with --overwrite). */
  commit(tmp: FsPath, path: FsPath): void {
    if (!this.overwrite) {
      // One step where the system has it: nothing made at `path` meanwhile is ever replaced.
      const r = renameNoReplaceSync(tmp, path);
      if (r === 'renamed') return;
      if (r === 'exists' || exists(path)) {
        throw new StrongboxError('TARGET_NOT_EMPTY', `${displayPath(path)} exists; pass --overwrite to replace it`);
      }
    }
    try {
      renameSync(tmp, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!this.overwrite || (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw e;
      rmSync(path, { recursive: true, force: true });
      renameSync(tmp, path);
    }
  }

  /** A hard link at `path` to `to`: made under a temporary name, then committed like a file. */
  link(to: FsPath, path: FsPath): void {
    for (;;) {
      const tmp = this.sibling(path);
      try {
        linkSync(to, tmp);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      try {
        this.commit(tmp, path);
      } catch (e) {
        this.discard(tmp);
        throw e;
      }
      return;
    }
  }

  discard(tmp: FsPath): void {
    try {
      unlinkSync(tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  private sibling(path: FsPath): FsPath {
    const name = `${STAGING_PREFIX}${this.tag}-${(this.seq++).toString(36)}`;
    if (typeof path === 'string') return `${path.slice(0, path.lastIndexOf('/') + 1)}${name}`;
    return Buffer.concat([path.subarray(0, path.lastIndexOf(0x2f) + 1), Buffer.from(name)]);
  }
}

/** Without an exception for the common answer (no): a fresh restore asks once per file. */
function exists(path: FsPath): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
