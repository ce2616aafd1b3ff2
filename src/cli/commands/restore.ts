// `strongbox restore SNAPSHOT[:subpath] --target DIR`.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { restore, type RestoreStats } from '../../restore/restorer.js';
import { selectSubpath, splitSnapshotArg } from '../../restore/select.js';
import { type GlobalOptions, type Io, openRepo, printJson, lockWait, withLock } from '../context.js';
import { bytes, shortId } from '../output/format.js';
import type { RestoredComponent } from '../../app/restore.js';
import { collect } from './backup.js';
import { runAppRestore } from './restore-app.js';
import { resolveRef } from './snapshots.js';

export interface RestoreCmdOptions {
  app?: string;
  fromApp?: string;
  periodicity?: string;
  retryLock?: string;
  only?: string;
  component?: string[];
  targetDb?: string;
  yes?: boolean;
  target?: string;
  overwrite?: boolean;
  verify?: boolean;
}

export async function runRestore(g: GlobalOptions, arg: string, o: RestoreCmdOptions, io: Io): Promise<RestoreStats | RestoredComponent[]> {
  if (o.app !== undefined) return runAppRestore(g, arg, o, io);
  const appOnly = [o.fromApp && '--from-app', o.only && '--only', o.component && '--component', o.targetDb && '--target-db', o.yes && '--yes'].filter(Boolean);
  if (appOnly.length) throw new StrongboxError('USAGE', `${appOnly.join(', ')} need${appOnly.length > 1 ? '' : 's'} --app ID`);
  if (!o.target) throw new StrongboxError('USAGE', 'restore needs --target DIR');
  const { ref, subpath } = splitSnapshotArg(arg);
  const repo = await openRepo(g, { index: false });
  // A shared lock: a prune must not delete packs while they are read.
  const { snap, stats } = await withLock(repo, false, io, async () => {
    const snap = await resolveRef(repo, ref, { periodicity: o.periodicity });
    const sel = await selectSubpath(repo, snap, subpath);
    const stats = await restore(repo, sel, {
      target: o.target!, overwrite: o.overwrite, verify: o.verify,
      onWarning: (p, m) => io.err(`warning: ${p}: ${m}`),
    });
    return { snap, stats };
  }, lockWait(o.retryLock), { index: true });
  if (g.json) printJson(io, { snapshot: snap.id, target: o.target, ...stats, verified: !!o.verify });
  else if (!g.quiet) {
    io.out(`restored snapshot ${shortId(snap.id)}${subpath ? `:${subpath}` : ''} to ${o.target}: ${stats.files} files (${bytes(stats.bytes)}), ${stats.dirs} dirs, ${stats.symlinks} symlinks, ${stats.hardlinks} hardlinks${o.verify ? ', verified' : ''}`);
  }
  return stats;
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('restore')
    .description('restore a snapshot (or SNAPSHOT:subpath) into a directory')
    .argument('<snapshot>', "snapshot ID prefix or 'latest', optionally followed by :subpath")
    .option('--app <id>', 'restore an application snapshot into this app (databases and file trees)')
    .option('--from-app <id>', "with --app: 'latest' means the latest snapshot of this other app")
    .option('--periodicity <p>', "'latest' means the latest snapshot of this periodicity")
    .option('--only <what>', 'with --app: only the databases (db) or only the file trees (files)')
    .option('--component <name>', 'with --app: only this component (repeatable)', collect)
    .option('--target-db <db>', 'with --app: restore the database into this database name, URL (postgresql://user@host:port/name) or SQLite path')
    .option('-y, --yes', 'with --app: replace the contents of targets that hold data without asking')
    .option('-t, --target <dir>', 'directory to restore into (created if missing; must be empty); with --app, file trees go to DIR/<name>')
    .option('--overwrite', 'allow restoring into a non-empty target, replacing what is there')
    .option('--verify', 'check every blob and re-read every restored file')
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30m; 0s: fail at once)')
    .action(async (arg: string, o: RestoreCmdOptions) => { await runRestore(globals(), arg, o, io); });
}
