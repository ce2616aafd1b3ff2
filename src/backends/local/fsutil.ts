// The durable file primitives the local backend is built on: write-and-fsync a new file, fsync a
// directory, and read an exact byte range through a file handle (never the whole file).

import fs from 'node:fs/promises';

/**
 * Create `path` (failing if it exists), write all of `data`, fsync and close it. The file is created
 * read-only (0o444) like restic's: stored objects are immutable, and the mode is a guard against
 * accidental edits; removal is governed by the directory, so `remove` still works.
 */
export async function writeNewFileDurably(path: string, data: Uint8Array): Promise<void> {
  const fh = await fs.open(path, 'wx', 0o444);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Codes some platforms/filesystems return for fsync on a directory, where it is unsupported. */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM']);

/** fsync a directory so a rename, link or unlink inside it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(dir, 'r');
  } catch (err) {
    if (process.platform === 'win32') return; // directories cannot be opened for fsync there
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await fh.close();
  }
}

/** Read exactly `length` bytes at `offset` from an open handle; fails if the file ends first. */
export async function readExactly(fh: fs.FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
    if (bytesRead === 0) throw new Error(`file ended after ${offset + done} bytes, expected ${offset + length}`);
    done += bytesRead;
  }
  return buf;
}
