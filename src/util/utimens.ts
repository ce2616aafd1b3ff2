// Sets a file's atime and mtime to the nanosecond, which Node's utimes cannot (it takes seconds as a double,
// which at today's epoch resolves about a quarter of a microsecond). A small N-API addon in native/utimens calls
// utimensat(2)/futimens(2); it is built by `npm install` (node-gyp, as zstd-napi is). Where it is missing (built
// without a compiler), times are set to the microsecond through Node, and `nanosecondTimes()` says why.
// The same addon reads lstat without garbage (lstatRaw) and renames without replacing (renameNoReplaceSync).
import { utimesSync, futimesSync, lutimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { FsPath } from './names.js';
import { PACKAGE_ROOT } from './package-root.js';

interface Addon {
  setPath(path: string | Buffer, sec: number, nsec: number, noFollow: boolean): void;
  setFd(fd: number, sec: number, nsec: number): void;
  lstatInto(path: string | Buffer, out: Float64Array): void;
  renameNoReplace(from: string | Buffer, to: string | Buffer): number;
}

let addon: Addon | null | undefined;
let loadError = '';

function load(): Addon | null {
  if (addon !== undefined) return addon;
  try {
    addon = createRequire(import.meta.url)(join(PACKAGE_ROOT, 'native/utimens/build/Release/utimens.node')) as Addon;
  } catch (e) {
    addon = null;
    loadError = (e as Error).message.split('\n')[0];
  }
  return addon;
}

/** Whether times are set to the nanosecond; when not, the reason (the addon was not built). */
export function nanosecondTimes(): { exact: true } | { exact: false; reason: string } {
  return load()
    ? { exact: true }
    : { exact: false, reason: `native/utimens is not built (${loadError}); run npm install with a C compiler` };
}

/** Seconds and nanoseconds of a time in nanoseconds since the epoch (floor division: times before 1970 work). */
export function splitNs(ns: bigint): { sec: number; nsec: number } {
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    sec -= 1n;
  }
  return { sec: Number(sec), nsec: Number(nsec) };
}

/**
 * Seconds for Node's utimes when the addon is missing: libuv truncates the double into a timespec, and aiming at
 * the middle of the microsecond makes the truncation land on the recorded microsecond.
 */
function microSeconds(ns: bigint): number {
  const us = ns / 1000n - (ns % 1000n < 0n ? 1n : 0n);
  return (Number(us) + 0.5) / 1e6;
}

/** Set atime and mtime of `path` (of the link itself when `noFollow`) to `ns` nanoseconds since the epoch. */
export function setTimesSync(path: FsPath, ns: bigint, noFollow = false): void {
  const a = load();
  if (a) {
    const { sec, nsec } = splitNs(ns);
    a.setPath(path, sec, nsec, noFollow);
  } else if (noFollow) {
    lutimesSync(path, microSeconds(ns), microSeconds(ns));
  } else {
    utimesSync(path, microSeconds(ns), microSeconds(ns));
  }
}

/** Set atime and mtime of the open file `fd` to `ns` nanoseconds since the epoch. */
export function setFdTimesSync(fd: number, ns: bigint): void {
  const a = load();
  if (a) {
    const { sec, nsec } = splitNs(ns);
    a.setFd(fd, sec, nsec);
  } else {
    futimesSync(fd, microSeconds(ns), microSeconds(ns));
  }
}

/**
 * The fields `lstatRaw` writes, each a double: mode, nlink, uid, gid, size, blocks, mtime (seconds, nanoseconds),
 * ctime (seconds, nanoseconds), then inode, device and rdev as 64-bit values split into high and low 32 bits.
 */
export const LSTAT_FIELDS = 16;

/**
 * lstat(2) of `path` into `out` (LSTAT_FIELDS doubles) through the addon: no object per call, where Node's lstat
 * with nanoseconds builds a BigIntStats (~1.5 KB of garbage, the main cost of walking a large tree). False when the
 * addon is missing or the call failed: the caller then asks Node's lstat, which gives Node's own error.
 */
export function lstatRaw(path: FsPath, out: Float64Array): boolean {
  const a = load();
  if (!a) return false;
  try {
    a.lstatInto(path, out);
    return true;
  } catch {
    return false;
  }
}

/**
 * Renames `from` to `to` unless something is at `to`, in one step (renameat2 with RENAME_NOREPLACE, through the
 * addon). 'exists' leaves both where they are. 'fallback' when it could not say: no addon, a filesystem or kernel
 * without the flag, or any other failure; the caller then checks and renames through Node, which gives Node's own
 * errors.
 */
export function renameNoReplaceSync(from: FsPath, to: FsPath): 'renamed' | 'exists' | 'fallback' {
  const a = load();
  if (!a) return 'fallback';
  const err = a.renameNoReplace(from, to);
  return err === 0 ? 'renamed' : err === osConstants.errno.EEXIST ? 'exists' : 'fallback';
}
