// `strongbox backup PATH...`: one snapshot of the given paths.
import type { Command } from 'commander';
import { backup, type BackupResult } from '../../archiver/archiver.js';
import { readExcludeFile } from '../../archiver/excludes.js';
import { StrongboxError } from '../../errors.js';
import { type GlobalOptions, type Io, openRepo, printJson, withLock } from '../context.js';
import { bytes, duration, shortId } from '../output/format.js';
import { progressPrinter } from '../output/progress.js';

export interface BackupCmdOptions {
  exclude?: string[];
  excludeFile?: string[];
  tag?: string[];
  host?: string;
  parent?: string;
  time?: string;
}

export async function runBackup(g: GlobalOptions, paths: string[], o: BackupCmdOptions, io: Io): Promise<BackupResult> {
  const excludes = [...(o.exclude ?? []), ...(o.excludeFile ?? []).flatMap(readExcludeFile)];
  let time: number | undefined;
  if (o.time) {
    time = Date.parse(o.time);
    if (Number.isNaN(time)) throw new StrongboxError('USAGE', `--time ${o.time} is not a date/time (use e.g. 2026-11-22T10:00:00Z)`);
  }
  const repo = await openRepo(g);
  const progress = g.quiet || g.json ? { update: () => {}, done: () => {} } : progressPrinter(process.stderr);
  const res = await withLock(repo, false, io, () => backup(repo, {
    paths, excludes, tags: o.tag, host: o.host, parent: o.parent, time,
    onProgress: progress.update,
    onWarning: (path, msg) => { progress.done(); io.err(`warning: ${path}: ${msg}`); },
  }));
  progress.done();
  const s = res.snapshot.summary!;
  if (g.json) printJson(io, { id: res.id, parent: res.parent, summary: s, incomplete: res.snapshot.incomplete ?? null });
  else if (!g.quiet) {
    io.out(`Files: ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unmodified (${s.files} total, ${s.dirs} dirs, ${bytes(s.bytes)})`);
    io.out(`Added to the repository: ${bytes(s.dataAdded)} (${bytes(s.dataAddedPacked)} stored) in ${duration(s.durationMs)}`);
    io.out(`snapshot ${shortId(res.id)} saved${res.parent ? ` (parent ${shortId(res.parent)})` : ''}`);
  }
  if (res.snapshot.incomplete) {
    throw new StrongboxError('INCOMPLETE', `snapshot ${shortId(res.id)} is incomplete: ${res.snapshot.incomplete.errors.length} path(s) could not be read (see warnings above)`);
  }
  return res;
}

const collect = (v: string, acc: string[] = []) => [...acc, v];

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('backup')
    .description('back up files and directories into a new snapshot')
    .argument('<paths...>', 'files or directories to back up')
    .option('-e, --exclude <pattern>', 'exclude paths matching a gitignore-style pattern (repeatable)', collect)
    .option('--exclude-file <file>', 'read exclude patterns from a file (repeatable)', collect)
    .option('--tag <tag>', 'add a tag to the snapshot (repeatable)', collect)
    .option('--host <name>', 'record this host name instead of the machine\'s')
    .option('--parent <snapshot>', 'compare against this snapshot instead of the latest of the same host and paths')
    .option('--time <datetime>', 'record the snapshot at this time (for imports and tests)')
    .action(async (paths: string[], o: BackupCmdOptions) => { await runBackup(globals(), paths, o, io); });
}
