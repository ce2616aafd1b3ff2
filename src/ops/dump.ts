// A database component's raw dump, exactly the bytes the dump tool produced (pg_restore / mysql / sqlite3 read
// it directly), checked against its recorded SHA-256, written to a stream or to a new file.
import { createWriteStream, existsSync } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { StrongboxError } from '../errors.js';
import { databaseComponents, type DatabaseComponent, type Periodicity } from '../repository/snapshot.js';
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

export async function dumpComponent(spec: RepoSpec, input: DumpInput, ctx: OpContext): Promise<{ outcome: 'ok'; snapshot: string; component: DatabaseComponent }> {
  return withRepository(spec, ctx, { lock: 'shared', waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS }, async (repo) => {
    const name = input.component;
    const snap = await resolveRef(repo, input.snapshot, { app: input.app, periodicity: input.periodicity, has: (s) => databaseComponents(s).some((d) => d.name === name) });
    const dbs = databaseComponents(snap.snapshot);
    const c = dbs.find((d) => d.name === name);
    if (!c) throw new StrongboxError('NOT_FOUND', `snapshot ${snap.id.slice(0, 8)} has no database component ${name} (databases: ${dbs.map((d) => d.name).join(', ') || 'none'})`);
    const data = readStream(repositorySource(repo), c, `database ${name} of snapshot ${snap.id.slice(0, 8)}`);
    if (!input.output) {
      await pipeline(data, input.stdout ?? process.stdout, { end: false, signal: ctx.signal });
    } else {
      await writeNewFile(input.output, data, ctx.signal);
    }
    return { outcome: 'ok', snapshot: snap.id, component: c };
  });
}

/**
 * Written beside the file and linked into place at the end (link never replaces an existing file): a damaged
 * backup never leaves a half dump under the name.
 */
async function writeNewFile(output: string, data: AsyncIterable<Buffer>, signal: AbortSignal): Promise<void> {
  const exists = () => new StrongboxError('USAGE', `${output} exists; choose another file (strongbox does not overwrite it)`);
  if (existsSync(output)) throw exists();
  const tmp = `${output}.strongbox-partial-${process.pid}`;
  try {
    await pipeline(data, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), { signal });
    await link(tmp, output);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}
