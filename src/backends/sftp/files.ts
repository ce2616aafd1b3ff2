// File requests over SFTP as the backend uses them, each under the session's timeout: open, close, stat,
// remove, list, mkdir that tolerates an existing directory, and whole-object writes and reads with requests in flight.

import type { FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { mapLimit } from '../../util/concurrency.js';
import { BackendError } from '../backend.js';
import { isUnsupportedExtension } from './errors.js';
import type { Callback, Remote } from './remote.js';

const DIR_MODE = 0o700;
/** Requests in flight for one object: CHUNK bytes each, IN_FLIGHT at a time. */
const CHUNK = 64 * 1024;
const IN_FLIGHT = 16;

/** The requests, bound to one session manager; paths are remote paths, handles are SFTP file handles. */
export function remoteFiles(remote: Remote) {
  const open = (p: string, flags: 'r' | 'wx') =>
    remote.call<Buffer>(`open ${p}`, (s, cb) => s.open(p, flags, { mode: flags === 'r' ? undefined : 0o444 }, cb));
  const closeHandle = (p: string, fh: Buffer) => remote.call<void>(`close ${p}`, (s, cb) => s.close(fh, cb));
  const stat = (p: string) => remote.call<Stats>(`stat ${p}`, (s, cb) => s.stat(p, cb));
  const unlink = (p: string) => remote.call<void>(`remove ${p}`, (s, cb) => s.unlink(p, cb));
  const readdir = (p: string) => remote.call<FileEntryWithStats[]>(`list ${p}`, (s, cb) => s.readdir(p, cb));

  /** mkdir that succeeds when the directory is already there. */
  async function ensureDir(p: string): Promise<void> {
    try {
      await remote.call<void>(`mkdir ${p}`, (s, cb) => s.mkdir(p, { mode: DIR_MODE }, cb));
    } catch (err) {
      const st = await stat(p).catch(() => undefined);
      if (!st?.isDirectory()) throw err;
    }
  }

  /** Write all of `data` from offset 0 with IN_FLIGHT requests at once, then fsync if the server can. */
  async function writeAll(p: string, fh: Buffer, data: Uint8Array): Promise<void> {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const offsets = Array.from({ length: Math.ceil(buf.length / CHUNK) }, (_, i) => i * CHUNK);
    await mapLimit(offsets, IN_FLIGHT, (off) =>
      remote.call<void>(`write ${p}`, (s, cb) => s.write(fh, buf, off, Math.min(CHUNK, buf.length - off), off, cb)),
    );
    try {
      await remote.call<void>(`fsync ${p}`, (s, cb) => s.ext_openssh_fsync(fh, cb as Callback<unknown>));
    } catch (err) {
      if (!isUnsupportedExtension(err)) throw err; // without fsync@openssh.com the server's own flushing decides
    }
  }

  /** Read exactly `length` bytes at `offset`, IN_FLIGHT requests at once; a short read is an error. */
  async function readAll(p: string, fh: Buffer, offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    const offsets = Array.from({ length: Math.ceil(length / CHUNK) }, (_, i) => i * CHUNK);
    await mapLimit(offsets, IN_FLIGHT, async (off) => {
      const want = Math.min(CHUNK, length - off);
      const at = offset + off;
      const got = await remote.call<number>(`read ${p}`, (s: SFTPWrapper, cb) => s.read(fh, buf, off, want, at, cb));
      if (got !== want) throw new BackendError('transient', `${p} ended early: read ${got} of ${want} bytes at ${at}`);
    });
    return buf;
  }

  return { open, closeHandle, stat, unlink, readdir, ensureDir, writeAll, readAll };
}
