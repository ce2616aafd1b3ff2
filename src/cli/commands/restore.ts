// `strongbox restore SNAPSHOT[:subpath] --target DIR`.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { restore, type RestoreStats } from '../../restore/restorer.js';
import { selectSubpath, splitSnapshotArg } from '../../restore/select.js';
import { type GlobalOptions, type Io, openRepo, printJson } from '../context.js';
import { bytes, shortId } from '../output/format.js';

export interface RestoreCmdOptions {
  target?: string;
  overwrite?: boolean;
  verify?: boolean;
}

export async function runRestore(g: GlobalOptions, arg: string, o: RestoreCmdOptions, io: Io): Promise<RestoreStats> {
  if (!o.target) throw new StrongboxError('USAGE', 'restore needs --target DIR');
  const { ref, subpath } = splitSnapshotArg(arg);
  const repo = await openRepo(g);
  const snap = await repo.resolveSnapshot(ref);
  const sel = await selectSubpath(repo, snap, subpath);
  const stats = await restore(repo, sel, {
    target: o.target, overwrite: o.overwrite, verify: o.verify,
    onWarning: (p, m) => io.err(`warning: ${p}: ${m}`),
  });
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
    .option('-t, --target <dir>', 'directory to restore into (created if missing; must be empty)')
    .option('--overwrite', 'allow restoring into a non-empty target, replacing what is there')
    .option('--verify', 'check every blob and re-read every restored file')
    .action(async (arg: string, o: RestoreCmdOptions) => { await runRestore(globals(), arg, o, io); });
}
