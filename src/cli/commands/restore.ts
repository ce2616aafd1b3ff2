// `strongbox restore SNAPSHOT[:subpath] --target DIR` and `strongbox restore SNAPSHOT --app ID [--only db|files]
// [--component NAME] [--target DIR] [--target-db DB] [--yes] [--from-app ID]`.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { SHARED_LOCK_WAIT_MS } from '../../ops/repo.js';
import { restorePaths } from '../../ops/restore.js';
import { restoreAppSnapshot } from '../../ops/restore-app.js';
import { findApp, loadChosenConfig, plainRepo } from '../../ops/target.js';
import { type Periodicity, parsePeriodicity } from '../../repository/snapshot.js';
import { choice, collect, type GlobalOptions, type Io, lockWait, runOp } from '../context.js';
import { bytes, shortId } from '../output/format.js';
import { printSummary } from '../output/render.js';
import { parseOnly } from './backup.js';

export interface RestoreCmdOptions {
  app?: string;
  fromApp?: string;
  periodicity?: string;
  retryLock?: string;
  only?: string;
  component?: string[];
  targetDb?: string;
  toBucket?: string;
  deleteExtraneous?: boolean;
  yes?: boolean;
  target?: string;
  overwrite?: boolean;
  verify?: boolean;
  failFast?: boolean;
}

export async function runRestore(g: GlobalOptions, arg: string, o: RestoreCmdOptions, io: Io): Promise<void> {
  if (o.app !== undefined) return runAppRestore(g, arg, o, io);
  const appOnly = [
    o.fromApp && '--from-app',
    o.only && '--only',
    o.component && '--component',
    o.targetDb && '--target-db',
    o.toBucket && '--to-bucket',
    o.deleteExtraneous && '--delete-extraneous',
    o.yes && '--yes',
  ].filter(Boolean);
  if (appOnly.length)
    throw new StrongboxError('USAGE', `${appOnly.join(', ')} need${appOnly.length > 1 ? '' : 's'} --app ID`);
  if (!o.target) throw new StrongboxError('USAGE', 'restore needs --target DIR');
  const input = {
    snapshot: arg,
    target: o.target,
    periodicity: periodicityOf(o),
    overwrite: o.overwrite,
    verify: o.verify,
    failFast: o.failFast,
    lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS),
  };
  const spec = await plainRepo(choice(g));
  const r = await runOp(g, io, (ctx) => restorePaths(spec, input, ctx), { stream: true });
  if (g.json) {
    const { subpath: _s, outcome, ...stats } = r;
    printSummary(io, { outcome, ...stats });
  } else if (!g.quiet) {
    io.out(
      `restored snapshot ${shortId(r.snapshot)}${r.subpath ? `:${r.subpath}` : ''} to ${o.target}: ${r.files} files (${bytes(r.bytes)}), ${r.dirs} dirs, ${r.symlinks} symlinks, ${r.hardlinks} hardlinks${o.verify ? ', verified' : ''}`,
    );
  }
  if (r.outcome === 'incomplete') {
    throw new StrongboxError(
      'INCOMPLETE',
      `restore of snapshot ${shortId(r.snapshot)} is incomplete: ${notRestored(r.failed)}; everything else was restored`,
    );
  }
}

/** "2 files were not restored: /a (pack 1f2e…), /b (pack 1f2e…)", at most a few named (the warnings name all). */
function notRestored(failed: { path?: string; pack?: string | null }[]): string {
  const shown = failed
    .slice(0, 5)
    .map((f) => `${f.path ?? 'dump'} (${f.pack ? `pack ${shortId(f.pack)}` : 'in no known pack'})`)
    .join(', ');
  return `${failed.length} ${failed.length === 1 ? 'file was' : 'files were'} not restored: ${shown}${failed.length > 5 ? ', … (see the warnings above)' : ''}`;
}

async function runAppRestore(g: GlobalOptions, ref: string, o: RestoreCmdOptions, io: Io): Promise<void> {
  if (o.overwrite)
    throw new StrongboxError(
      'USAGE',
      'with --app, consent to replace data is --yes (or the interactive question), not --overwrite',
    );
  const cfg = await loadChosenConfig(choice(g));
  const interactive = process.stdin.isTTY && io.isTTY;
  const input = {
    app: findApp(cfg, o.app!),
    snapshot: ref,
    fromApp: o.fromApp,
    periodicity: periodicityOf(o),
    only: parseOnly(o.only),
    components: o.component,
    target: o.target,
    targetDb: o.targetDb,
    toBucket: o.toBucket,
    deleteExtraneous: o.deleteExtraneous,
    yes: o.yes,
    verify: o.verify,
    failFast: o.failFast,
    confirm: interactive ? ask : undefined,
    lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS),
  };
  const r = await runOp(g, io, (ctx) => restoreAppSnapshot(choice(g), cfg, input, ctx), { stream: true });
  if (g.json) printSummary(io, { ...r });
  else if (!g.quiet) {
    const from = r.combined
      ? `the databases of snapshot ${shortId(r.combined.db)} and the file trees of snapshot ${shortId(r.combined.files)}`
      : `snapshot ${shortId(r.snapshot)}`;
    io.out(
      `restored ${from} into app ${r.app}: ${r.restored.map((d) => `${d.kind === 'database' ? 'db' : d.kind} ${d.name}${d.complete ? '' : ' (incomplete)'}`).join(', ')}`,
    );
  }
  if (r.outcome === 'incomplete') {
    const parts = r.restored
      .filter((d) => !d.complete)
      .map((d) =>
        d.kind === 'database'
          ? `database ${d.name} was not loaded (its dump failed verification: ${d.failed!.map((f) => (f.pack ? `pack ${shortId(f.pack)}` : 'size/SHA-256')).join(', ')})`
          : d.kind === 'bucket'
            ? `bucket ${d.name}: ${d.failed!.length} objects were not restored (see the warnings)`
            : `files ${d.name}: ${notRestored(d.failed!)}`,
      );
    throw new StrongboxError(
      'INCOMPLETE',
      `restore of snapshot ${shortId(r.snapshot)} into app ${r.app} is incomplete: ${parts.join('; ')}; everything else was restored`,
    );
  }
}

export function periodicityOf(o: { periodicity?: string }): Periodicity | undefined {
  return o.periodicity === undefined ? undefined : (parsePeriodicity(o.periodicity, false) as Periodicity);
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes)$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('restore')
    .description('restore a snapshot (or SNAPSHOT:subpath) into a directory')
    .argument('<snapshot>', "snapshot ID prefix or 'latest', optionally followed by :subpath")
    .option('--app <id>', 'restore an application snapshot into this app (databases and file trees)')
    .option('--from-app <id>', "with --app: 'latest' means the latest snapshot of this other app")
    .option('--periodicity <p>', "'latest' means the latest snapshot of this periodicity")
    .option('--only <what>', 'with --app: only the databases (db) or only the file trees (files)')
    .option('--component <name>', 'with --app: only this component (repeatable)', collect)
    .option(
      '--target-db <db>',
      'with --app: restore the database into this database name, URL (postgresql://user@host:port/name) or SQLite path',
    )
    .option(
      '--to-bucket <location>',
      'with --app: restore the bucket component into this bucket and prefix instead (s3:https://host/bucket/prefix or s3:bucket/prefix)',
    )
    .option(
      '--delete-extraneous',
      "with --app: also delete the objects below a bucket's prefix that the snapshot does not hold (never without this)",
    )
    .option('-y, --yes', 'with --app: replace the contents of targets that hold data without asking')
    .option(
      '-t, --target <dir>',
      'directory to restore into (created if missing; must be empty); with --app, file trees go to DIR/<name>',
    )
    .option('--overwrite', 'allow restoring into a non-empty target, replacing what is there')
    .option('--verify', 'check every blob and re-read every restored file')
    .option(
      '--fail-fast',
      'stop at the first file or database whose data cannot be read (exit 1) instead of restoring all the rest (exit 3)',
    )
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30min; 0s: fail at once)')
    .action(async (arg: string, o: RestoreCmdOptions) => {
      await runRestore(globals(), arg, o, io);
    });
}
