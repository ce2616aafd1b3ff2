// Where an export's files go: a new or empty directory (each file written under a temporary name and renamed when
// whole; a failed export removes what it wrote), or one tar stream (each member's size given before its bytes).
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { StrongboxError } from '../errors.js';

export interface ExportSink {
  /** Whether `file` needs each file's size before its bytes (a tar does). */
  readonly needsSize: boolean;
  /** Writes one file of the export from `data` (read to its end; an error in it fails the file). */
  file(name: string, size: number | undefined, data: Readable): Promise<void>;
  /** Ends the export once every file is written. */
  close(): Promise<void>;
  /** Ends a failed export, leaving no file of it that could pass for a whole one. */
  abort(e: Error): Promise<void>;
}

/**
 * A sink into `dir`, which must not exist yet or be empty (nothing is ever overwritten). Checked now, created with
 * the first file.
 */
export async function directorySink(dir: string, signal: AbortSignal): Promise<ExportSink> {
  let created = false;
  try {
    const st = await stat(dir);
    if (!st.isDirectory())
      throw new StrongboxError('USAGE', `${dir} exists and is not a directory; name a new or empty directory`);
    if ((await readdir(dir)).length)
      throw new StrongboxError(
        'USAGE',
        `${dir} is not empty; name a new or empty directory (strongbox does not overwrite or mix exports)`,
      );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    created = true;
  }
  const written: string[] = [];
  const partial = new Set<string>();
  return {
    needsSize: false,
    async file(name, _size, data) {
      await mkdir(dir, { recursive: true });
      const final = join(dir, name);
      const tmp = join(dir, `.${name}.strongbox-partial-${process.pid}`);
      partial.add(tmp);
      try {
        // 0600: an export holds the application's data.
        await pipeline(data, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), { signal });
        await rename(tmp, final);
        written.push(final);
      } finally {
        partial.delete(tmp);
        await rm(tmp, { force: true });
      }
    },
    async close() {},
    async abort() {
      for (const f of [...written, ...partial]) await rm(f, { force: true });
      if (created) await rmdir(dir).catch(() => {});
    },
  };
}

/** A sink writing one uncompressed tar into `out` (ended by `close`), every member dated `mtime`. */
export function tarSink(out: Writable, mtime: Date, signal: AbortSignal): ExportSink {
  const pack = tar.pack();
  const piped = pipeline(pack, out, { signal });
  piped.catch(() => {}); // awaited by close or abort
  return {
    needsSize: true,
    async file(name, size, data) {
      if (size === undefined) throw new StrongboxError('INTERNAL', `tar member ${name}: its size is not known`);
      let done!: (e?: Error | null) => void;
      const written = new Promise<void>((resolve, reject) => (done = (e) => (e ? reject(e) : resolve())));
      const entry = pack.entry({ name, size, mode: 0o600, mtime }, (e) => done(e));
      // tar-stream fails the entry when the bytes do not add up to `size`.
      await Promise.all([pipeline(data, entry, { signal }), written]);
    },
    async close() {
      pack.finalize();
      await piped;
    },
    async abort(e) {
      pack.destroy(e);
      await piped.catch(() => {});
    },
  };
}
