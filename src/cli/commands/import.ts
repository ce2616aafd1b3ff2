// `strongbox import DIR|TARBALL --app ID [--time ISO]`, or `strongbox import --app ID --database NAME=FILE
// --files NAME=TAR`: an export or plain dumps and tars stored as a snapshot of the app (docs/usage/export-import.md).
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { importSnapshot } from '../../ops/import.js';
import { SHARED_LOCK_WAIT_MS } from '../../ops/repo.js';
import { findApp, loadChosenConfig } from '../../ops/target.js';
import { choice, collect, type GlobalOptions, type Io, lockWait, parseTime, runOp } from '../context.js';
import { shortId } from '../output/format.js';
import { printSummary } from '../output/render.js';

export interface ImportCmdOptions {
  app?: string;
  database?: string[];
  files?: string[];
  time?: string;
  retryLock?: string;
}

/** NAME=FILE pairs of --database and --files. */
function pairs(flag: string, values: string[] = []): { name: string; path: string }[] {
  return values.map((v) => {
    const i = v.indexOf('=');
    if (i <= 0 || i === v.length - 1) throw new StrongboxError('USAGE', `${flag} ${v}: give NAME=FILE`);
    return { name: v.slice(0, i), path: v.slice(i + 1) };
  });
}

export async function runImport(
  g: GlobalOptions,
  from: string | undefined,
  o: ImportCmdOptions,
  io: Io,
): Promise<void> {
  if (o.app === undefined) throw new StrongboxError('USAGE', 'import needs --app ID (the app the snapshot is for)');
  const c = choice(g);
  const cfg = await loadChosenConfig(c);
  const input = {
    app: findApp(cfg, o.app),
    from,
    databases: pairs('--database', o.database),
    files: pairs('--files', o.files),
    time: parseTime('--time', o.time),
    lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS),
  };
  const r = await runOp(g, io, (ctx) => importSnapshot(c, cfg, input, ctx), { stream: true });
  const s = r.snapshot;
  if (g.json) printSummary(io, { outcome: r.outcome, id: r.id, from: r.from ?? null, time: s.time, app: s.app });
  else if (!g.quiet)
    io.out(
      `imported ${r.from ? `snapshot ${shortId(r.from)}` : 'the files'} as snapshot ${shortId(r.id)} of app ${s.app} ` +
        `(${s.time}, ${s.periodicity}; ${s.components.map((x) => `${x.kind === 'database' ? 'database' : 'files'} ${x.name}`).join(', ')})`,
    );
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('import')
    .description(
      "store an export (a directory or the API's export tar, checked against its SHA256SUMS), or plain database " +
        'dumps and tars of files, as a snapshot of an app at its original time',
    )
    .argument('[export]', 'an export directory or tarball (strongbox export, or the API download)')
    .option('--app <id>', 'the application (its repository comes from the config)')
    .option('--database <name=file>', "a plain dump for the app's database NAME (repeatable)", collect)
    .option('--files <name=tar>', "a tar (plain, .gz or .zst) for the app's file tree NAME (repeatable)", collect)
    .option('--time <iso>', "the snapshot's time (default: the export's, or the newest mtime of the plain files)")
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30min; 0s: fail at once)')
    .action(async (from: string | undefined, o: ImportCmdOptions) => {
      await runImport(globals(), from, o, io);
    });
}
