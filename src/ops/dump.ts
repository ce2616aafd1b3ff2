// A database component's raw dump, exactly the bytes the dump tool produced (pg_restore / mysql / sqlite3 read
// it directly), checked against its recorded SHA-256, or a bucket component as a tar with a manifest; written to a
// stream or to a new file.
import { createWriteStream, existsSync } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrongboxError } from '../errors.js';
import {
  type BucketComponent,
  type DatabaseComponent,
  type Periodicity,
  type Snapshot,
} from '../repository/snapshot.js';
import { writeBucketTar } from '../sources/bucket/tar.js';
import { repositorySource } from '../repository/blob-source.js';
import { readStream } from '../repository/stream.js';
import type { OpContext } from './context.js';
import { type RepoSpec, SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';
import { resolveRef } from './snapshots.js';

export interface DumpInput {
  snapshot: string;
  component: string;
  /** 'latest' among this app's snapshots. */
  app?: string;
  periodicity?: Periodicity;
  /** A file that must not exist yet; else the bytes go to `stdout`. */
  output?: string;
  stdout?: NodeJS.WritableStream;
  lockWaitMs?: number;
}

export async function dumpComponent(
  spec: RepoSpec,
  input: DumpInput,
  ctx: OpContext,
): Promise<{ outcome: 'ok'; snapshot: string; component: DatabaseComponent | BucketComponent }> {
  return withRepository(
    spec,
    ctx,
    { lock: 'shared', waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS },
    async (repo) => {
      const name = input.component;
      const dumpable = (s: Snapshot) =>
        s.components.filter(
          (c): c is DatabaseComponent | BucketComponent => c.kind === 'database' || c.kind === 'bucket',
        );
      const snap = await resolveRef(repo, input.snapshot, {
        app: input.app,
        periodicity: input.periodicity,
        has: (s) => dumpable(s).some((d) => d.name === name),
      });
      const all = dumpable(snap.snapshot);
      const c = all.find((d) => d.name === name);
      if (!c)
        throw new StrongboxError(
          'NOT_FOUND',
          `snapshot ${snap.id.slice(0, 8)} has no database or bucket component ${name} (it has: ${all.map((d) => d.name).join(', ') || 'none'})`,
        );
      // Standard output is not ended (the CLI may print after it); a file is.
      const write = (out: NodeJS.WritableStream, end: boolean) =>
        c.kind === 'bucket'
          ? writeBucketTar(repo, repositorySource(repo), c, out as Writable, ctx.signal, end)
          : pipeline(
              readStream(repositorySource(repo), c, `database ${name} of snapshot ${snap.id.slice(0, 8)}`),
              out,
              { end, signal: ctx.signal },
            );
      if (!input.output) await write(input.stdout ?? process.stdout, false);
      else await writeNewFile(input.output, (out) => write(out, true));
      return { outcome: 'ok', snapshot: snap.id, component: c };
    },
  );
}

/**
 * Written beside the file and linked into place at the end (link never replaces an existing file): a damaged
 * backup never leaves a half dump under the name.
 */
async function writeNewFile(output: string, write: (out: NodeJS.WritableStream) => Promise<unknown>): Promise<void> {
  const exists = () =>
    new StrongboxError('USAGE', `${output} exists; choose another file (strongbox does not overwrite it)`);
  if (existsSync(output)) throw exists();
  const tmp = `${output}.strongbox-partial-${process.pid}`;
  try {
    await write(createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    await link(tmp, output);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}
