// `strongbox backup PATH...` (one snapshot of the paths) and `strongbox backup --app ID | --all-apps` (one
// snapshot per application, holding its databases and file trees).
import type { Command } from 'commander';
import { backupLabelSchema } from '../../ops/inputs.js';
import type { Only } from '../../app/backup.js';
import { readExcludeFile } from '../../archiver/excludes.js';
import { StrongboxError } from '../../errors.js';
import { backupPaths } from '../../ops/backup.js';
import { type AppBackupsResult, backupApps } from '../../ops/backup-app.js';
import { SHARED_LOCK_WAIT_MS } from '../../ops/repo.js';
import { findApp, loadChosenConfig, plainRepo } from '../../ops/target.js';
import type { StoreFault } from '../../repository/repository.js';
import { type Periodicity, parsePeriodicity } from '../../repository/snapshot.js';
import { choice, collect, type GlobalOptions, type Io, lockWait, parseTime, runOp } from '../context.js';
import { bytes, duration, shortId } from '../output/format.js';
import { printSummary } from '../output/render.js';

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
  allowFuture?: boolean;
  periodicity?: string;
  note?: string;
  retryLock?: string;
}

export async function runBackup(g: GlobalOptions, paths: string[], o: BackupCmdOptions, io: Io): Promise<void> {
  if (o.app !== undefined || o.allApps) {
    if (paths.length)
      throw new StrongboxError(
        'USAGE',
        "give either paths or --app/--all-apps, not both (an app's paths come from the config)",
      );
    return runAppBackups(g, o, io);
  }
  if (o.only !== undefined) throw new StrongboxError('USAGE', '--only needs --app or --all-apps');
  if (!paths.length) throw new StrongboxError('USAGE', 'backup needs paths, or --app ID / --all-apps');
  const input = {
    paths,
    excludes: [...(o.exclude ?? []), ...(o.excludeFile ?? []).flatMap(readExcludeFile)],
    oneFileSystem: o.oneFileSystem,
    tags: o.tag,
    host: o.host,
    parent: o.parent,
    ...timeOptions(o),
    ...labelOptions(o),
    lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS),
  };
  const spec = await plainRepo(choice(g));
  const res = await runOp(g, io, (ctx) => backupPaths(spec, input, ctx), { stream: true });
  const s = res.snapshot.summary!;
  if (g.json) {
    printSummary(io, {
      outcome: res.outcome,
      id: res.id,
      parent: res.parent,
      summary: s,
      incomplete: res.snapshot.incomplete ?? null,
      degraded: res.degraded ?? null,
    });
  } else if (!g.quiet) {
    io.out(
      `Files: ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unmodified (${s.files} total, ${s.dirs} dirs, ${bytes(s.bytes)})`,
    );
    io.out(
      `Added to the repository: ${bytes(s.dataAdded)} (${bytes(s.dataAddedPacked)} stored) in ${duration(s.durationMs)}`,
    );
    io.out(
      `snapshot ${shortId(res.id)} saved${res.parent ? ` (parent ${shortId(res.parent)})` : ''}${degradedNote(res.degraded)}`,
    );
  }
  if (res.outcome === 'incomplete') {
    throw new StrongboxError(
      'INCOMPLETE',
      `snapshot ${shortId(res.id)} is incomplete: ${res.snapshot.incomplete!.errors.length} path(s) could not be read (see warnings above)`,
    );
  }
}

async function runAppBackups(g: GlobalOptions, o: BackupCmdOptions, io: Io): Promise<void> {
  if (o.exclude?.length || o.excludeFile?.length || o.parent)
    throw new StrongboxError(
      'USAGE',
      '--exclude, --exclude-file and --parent do not apply to --app (excludes are in the config)',
    );
  const cfg = await loadChosenConfig(choice(g));
  const apps = o.allApps ? cfg.apps : [findApp(cfg, o.app!)];
  const input = {
    apps,
    only: parseOnly(o.only),
    tags: o.tag,
    host: o.host,
    ...timeOptions(o),
    ...labelOptions(o),
    lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS),
  };
  const res = await runOp(g, io, (ctx) => backupApps(choice(g), cfg, input, ctx), { stream: true });
  if (g.json) printSummary(io, jsonResult(res, !!o.allApps));
  else if (!g.quiet) for (const a of res.apps) if (a.result) report(io, a.app, a.result, a.degraded);
  if (res.error) throw res.error;
}

/** One app's result, or with --all-apps every app's and the failures. */
function jsonResult(res: AppBackupsResult, all: boolean): Record<string, unknown> {
  const docs = res.apps
    .filter((a) => a.result)
    .map(({ result: r }) => ({
      id: r!.id,
      app: r!.snapshot.app,
      saved: r!.saved,
      parent: r!.parent,
      components: r!.snapshot.components.map(({ name, kind }) => ({ name, kind })),
      summary: r!.snapshot.summary,
      incomplete: r!.snapshot.incomplete ?? null,
    }));
  const degraded = res.apps.filter((a) => a.degraded).map((a) => ({ app: a.app, stores: a.degraded }));
  const failed = res.apps.filter((a) => a.outcome === 'failed').map((a) => ({ app: a.app, message: a.error!.message }));
  return {
    outcome: res.outcome,
    ...(all ? { snapshots: docs, failed, degraded } : { ...docs[0], degraded: degraded[0]?.stores ?? null }),
  };
}

/** " — DEGRADED: not on …" after a saved snapshot that some store of a mirrored repository missed. */
function degradedNote(d: StoreFault[] | undefined): string {
  return d?.length
    ? `; DEGRADED: not on ${d.map((f) => f.store).join(', ')} (run 'strongbox sync' when reachable)`
    : '';
}

function report(
  io: Io,
  app: string,
  res: NonNullable<AppBackupsResult['apps'][number]['result']>,
  degraded?: StoreFault[],
): void {
  const s = res.snapshot.summary!;
  if (s.databases) io.out(`Databases: ${s.databases} dumped (${bytes(s.databaseBytes ?? 0)})`);
  if (res.snapshot.paths.length)
    io.out(
      `Files: ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unmodified (${s.files} total, ${s.dirs} dirs, ${bytes(s.bytes)})`,
    );
  io.out(
    `Added to the repository: ${bytes(s.dataAdded)} (${bytes(s.dataAddedPacked)} stored) in ${duration(s.durationMs)}`,
  );
  const what = res.snapshot.components.map((c) => `${c.kind === 'database' ? 'db' : c.kind} ${c.name}`).join(', ');
  for (const x of res.saved)
    io.out(`snapshot ${shortId(x.id)} of app ${app} saved: ${x.periodicity} (${what})${degradedNote(degraded)}`);
}

export function parseOnly(v: string | undefined): Only | undefined {
  if (v === undefined) return undefined;
  if (v === 'db' || v === 'files') return v;
  throw new StrongboxError('USAGE', `--only ${v}: use "db" or "files"`);
}

/** --time (the one date grammar) and --allow-future, which only means something with it. */
function timeOptions(o: BackupCmdOptions): { time?: number; allowFuture?: boolean } {
  if (o.allowFuture && o.time === undefined)
    throw new StrongboxError(
      'USAGE',
      "--allow-future goes with --time (a backup without it is timed by this host's clock)",
    );
  return { time: parseTime('--time', o.time), allowFuture: o.allowFuture };
}

/** --periodicity (default manual) and --note, which only on-demand snapshots carry. */
function labelOptions(o: BackupCmdOptions): { periodicity: Periodicity | 'all'; note?: string } {
  const periodicity = parsePeriodicity(o.periodicity ?? 'manual', true);
  // The same rules as the HTTP API's backup request (ops/inputs.ts).
  const label = backupLabelSchema.safeParse({
    periodicity: periodicity === 'all' ? 'daily' : periodicity,
    note: o.note,
  });
  if (!label.success)
    throw new StrongboxError('USAGE', label.error.issues[0].message.replace(/^a note/, '--note: a note'));
  return { periodicity, note: o.note };
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('backup')
    .description('back up files and directories into a new snapshot')
    .argument('[paths...]', 'files or directories to back up (or use --app)')
    .option('--app <id>', 'back up an application from the config: its databases and file trees, as one snapshot')
    .option('--all-apps', 'back up every application in the config, one snapshot each')
    .option('--only <what>', 'with --app: only the databases (db) or only the file trees (files)')
    .option('-e, --exclude <pattern>', 'exclude paths matching a gitignore-style pattern (repeatable)', collect)
    .option('--exclude-file <file>', 'read exclude patterns from a file (repeatable)', collect)
    .option('-x, --one-file-system', 'do not cross into other filesystems: a mount point is kept as an empty directory')
    .option('--tag <tag>', 'add a tag to the snapshot (repeatable)', collect)
    .option('--host <name>', "record this host name instead of the machine's")
    .option('--parent <snapshot>', 'compare against this snapshot instead of the latest of the same host and paths')
    .option(
      '--time <datetime>',
      'record the snapshot at this time (for imports and tests; years 1970–9999, not in the future)',
    )
    .option('--allow-future', "with --time: accept a time more than 5 minutes ahead of this host's clock")
    .option(
      '--periodicity <p>',
      'hourly, daily, weekly, monthly, bimonthly, shutdown, manual (default), or all (one snapshot per time-based periodicity)',
    )
    .option('--note <text>', 'a note stored with an on-demand (manual) snapshot')
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30min; 0s: fail at once)')
    .action(async (paths: string[], o: BackupCmdOptions) => {
      await runBackup(globals(), paths, o, io);
    });
}
