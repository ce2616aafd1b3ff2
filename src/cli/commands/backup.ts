// `strongbox backup PATH...`: one snapshot of the given paths.
import type { Command } from 'commander';
import { backup, type BackupResult } from '../../archiver/archiver.js';
import { readExcludeFile } from '../../archiver/excludes.js';
import { StrongboxError } from '../../errors.js';
import { type Periodicity, parsePeriodicity } from '../../repository/snapshot.js';
import { type GlobalOptions, type Io, lockWait, openRepo, printJson, SHARED_LOCK_WAIT, withLock } from '../context.js';
import { bytes, duration, shortId } from '../output/format.js';
import { progressPrinter } from '../output/progress.js';
import { runAppBackups } from './backup-app.js';

export interface BackupCmdOptions {
  app?: string;
  allApps?: boolean;
  only?: string;
  exclude?: string[];
  excludeFile?: string[];
  oneFileSystem?: boolean;
  tag?: string[];
  host?: string;
  parent?: string;
  time?: string;
  periodicity?: string;
  note?: string;
  retryLock?: string;
}


export async function runBackup(g: GlobalOptions, paths: string[], o: BackupCmdOptions, io: Io): Promise<BackupResult> {
  if (o.app !== undefined || o.allApps) {
    if (paths.length) throw new StrongboxError('USAGE', 'give either paths or --app/--all-apps, not both (an app\'s paths come from the config)');
    return runAppBackups(g, o, io);
  }
  if (o.only !== undefined) throw new StrongboxError('USAGE', '--only needs --app or --all-apps');
  if (!paths.length) throw new StrongboxError('USAGE', 'backup needs paths, or --app ID / --all-apps');
  const excludes = [...(o.exclude ?? []), ...(o.excludeFile ?? []).flatMap(readExcludeFile)];
  const time = parseTime(o.time);
  const repo = await openRepo(g, { index: false });
  const progress = g.quiet || g.json ? { update: () => {}, done: () => {} } : progressPrinter(process.stderr);
  const res = await withLock(repo, false, io, () => backup(repo, {
    paths, excludes, oneFileSystem: o.oneFileSystem, tags: o.tag, host: o.host, parent: o.parent, time, ...labelOptions(o),
    onProgress: progress.update,
    onWarning: (path, msg) => { progress.done(); io.err(`warning: ${path}: ${msg}`); },
  }), lockWait(o.retryLock), { index: true });
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

/** --periodicity (default manual) and --note, which only on-demand snapshots carry. */
export function labelOptions(o: BackupCmdOptions): { periodicity: Periodicity | 'all'; note?: string } {
  const periodicity = parsePeriodicity(o.periodicity ?? 'manual', true);
  if (o.note !== undefined && periodicity !== 'manual') throw new StrongboxError('USAGE', '--note is for on-demand (--periodicity manual) backups');
  return { periodicity, note: o.note };
}

export function parseTime(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new StrongboxError('USAGE', `--time ${t} is not a date/time (use e.g. 2026-11-22T10:00:00Z)`);
  return ms;
}

export const collect = (v: string, acc: string[] = []) => [...acc, v];

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('backup')
    .description('back up files and directories into a new snapshot')
    .argument('[paths...]', 'files or directories to back up (or use --app)')
    .option('--app <id>', 'back up an application from the config: its databases and file trees, as one snapshot')
    .option('--all-apps', 'back up every application in the config, one snapshot each')
    .option('--only <what>', 'with --app: only the databases (db) or only the file trees (files)')
    .option('-e, --exclude <pattern>', 'exclude paths matching a gitignore-style pattern (repeatable)', collect)
    .option('--exclude-file <file>', 'read exclude patterns from a file (repeatable)', collect)
    .option('-x, --one-file-system', 'do not cross into other filesystems: a mount point is kept as an empty directory')
    .option('--tag <tag>', 'add a tag to the snapshot (repeatable)', collect)
    .option('--host <name>', 'record this host name instead of the machine\'s')
    .option('--parent <snapshot>', 'compare against this snapshot instead of the latest of the same host and paths')
    .option('--time <datetime>', 'record the snapshot at this time (for imports and tests)')
    .option('--periodicity <p>', 'hourly, daily, weekly, monthly, bimonthly, shutdown, manual (default), or all (one snapshot per time-based periodicity)')
    .option('--note <text>', 'a note stored with an on-demand (manual) snapshot')
    .option('--retry-lock <duration>', `wait this long for a running forget/prune (default ${SHARED_LOCK_WAIT}; 0s: fail at once)`)
    .action(async (paths: string[], o: BackupCmdOptions) => { await runBackup(globals(), paths, o, io); });
}
