// `strongbox dump SNAPSHOT COMPONENT [-o FILE]`: a database component's raw dump, exactly the bytes the dump
// tool produced (pg_restore / mysql / sqlite3 read it directly), checked against its recorded SHA-256.
import { createWriteStream, existsSync } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { databaseComponents, type DatabaseComponent } from '../../repository/snapshot.js';
import { readStream } from '../../repository/stream.js';
import type { Repository } from '../../repository/repository.js';
import { type GlobalOptions, type Io, findApp, loadAppConfig, openAppRepo, openRepo, lockWait, withLock } from '../context.js';
import { bytes, shortId } from '../output/format.js';
import { resolveRef } from './snapshots.js';

export interface DumpCmdOptions {
  app?: string;
  periodicity?: string;
  retryLock?: string;
  output?: string;
}

export async function runDump(g: GlobalOptions, ref: string, name: string, o: DumpCmdOptions, io: Io, stdout: NodeJS.WritableStream = process.stdout): Promise<DatabaseComponent> {
  if (!o.output && process.stdout.isTTY && stdout === process.stdout) {
    throw new StrongboxError('USAGE', 'refusing to write a binary dump to a terminal; pass -o FILE or redirect standard output');
  }
  let repo;
  if (o.app !== undefined) {
    const cfg = loadAppConfig(g);
    repo = await openAppRepo(g, cfg, findApp(cfg, o.app), { index: false });
  } else repo = await openRepo(g, { index: false });
  const r = repo;
  return withLock(r, false, io, () => writeDump(g, r, ref, name, o, io, stdout), lockWait(o.retryLock), { index: true });
}

async function writeDump(g: GlobalOptions, repo: Repository, ref: string, name: string, o: DumpCmdOptions, io: Io, stdout: NodeJS.WritableStream): Promise<DatabaseComponent> {
  const snap = await resolveRef(repo, ref, { app: o.app, periodicity: o.periodicity, has: (s) => databaseComponents(s).some((d) => d.name === name) });
  const dbs = databaseComponents(snap.snapshot);
  const c = dbs.find((d) => d.name === name);
  if (!c) throw new StrongboxError('NOT_FOUND', `snapshot ${shortId(snap.id)} has no database component ${name} (databases: ${dbs.map((d) => d.name).join(', ') || 'none'})`);
  const data = readStream(repo, c, `database ${name} of snapshot ${shortId(snap.id)}`);
  if (!o.output) {
    await pipeline(data, stdout, { end: false });
  } else {
    if (existsSync(o.output)) throw new StrongboxError('USAGE', `${o.output} exists; choose another file (strongbox does not overwrite it)`);
    // Written beside the file and linked into place at the end (link never replaces an existing file): a
    // damaged backup never leaves a half dump under the name.
    const tmp = `${o.output}.strongbox-partial-${process.pid}`;
    try {
      await pipeline(data, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      await link(tmp, o.output);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new StrongboxError('USAGE', `${o.output} exists; choose another file (strongbox does not overwrite it)`);
      throw e;
    } finally {
      await rm(tmp, { force: true });
    }
  }
  if (!g.quiet && o.output) io.err(`wrote ${c.format} dump of ${c.engine} database ${c.database} (${bytes(c.size)}, sha256 ${c.sha256.slice(0, 16)}…) to ${o.output}`);
  return c;
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('dump')
    .description('write the raw database dump of a snapshot component (as the dump tool wrote it) to stdout or a file')
    .argument('<snapshot>', "snapshot ID prefix or 'latest' (of --app)")
    .argument('<component>', 'the database component name')
    .option('--app <id>', 'the application (its repository comes from the config)')
    .option('--periodicity <p>', "'latest' means the latest snapshot of this periodicity")
    .option('-o, --output <file>', 'write to this file (must not exist) instead of stdout')
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30m; 0s: fail at once)')
    .action(async (ref: string, name: string, o: DumpCmdOptions) => { await runDump(globals(), ref, name, o, io); });
}
