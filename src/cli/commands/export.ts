// `strongbox export SNAPSHOT --app ID -o DIR [--zstd|--gzip]`: a snapshot as files the standard tools restore (each
// database's native dump, each file tree as a tar, manifest.json, SHA256SUMS); docs/usage/export-import.md.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { exportSnapshot } from '../../ops/export.js';
import { SHARED_LOCK_WAIT_MS } from '../../ops/repo.js';
import { appRepo, findApp, loadChosenConfig } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, lockWait, runOp } from '../context.js';
import { bytes, shortId } from '../output/format.js';
import { printSummary } from '../output/render.js';
import { periodicityOf } from './restore.js';

export interface ExportCmdOptions {
  app?: string;
  output?: string;
  zstd?: boolean;
  gzip?: boolean;
  periodicity?: string;
  retryLock?: string;
}

export async function runExport(g: GlobalOptions, ref: string, o: ExportCmdOptions, io: Io): Promise<void> {
  if (o.app === undefined) throw new StrongboxError('USAGE', 'export needs --app ID (the app whose snapshot it is)');
  if (o.output === undefined) throw new StrongboxError('USAGE', 'export needs -o DIR (a new or empty directory)');
  if (o.zstd && o.gzip) throw new StrongboxError('USAGE', 'give --zstd or --gzip, not both');
  const c = choice(g);
  const cfg = await loadChosenConfig(c);
  const spec = appRepo(c, cfg, findApp(cfg, o.app));
  const input = {
    app: o.app,
    snapshot: ref,
    periodicity: periodicityOf(o),
    output: o.output,
    compress: o.zstd ? ('zstd' as const) : o.gzip ? ('gzip' as const) : undefined,
    lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS),
  };
  const r = await runOp(g, io, (ctx) => exportSnapshot(spec, input, ctx), { stream: true });
  if (g.json)
    printSummary(io, {
      outcome: r.outcome,
      snapshot: r.snapshot,
      output: r.output,
      files: r.manifest.files.map((f) => ({ file: f.file, kind: f.kind, size: f.size, sha256: f.sha256 })),
      leftOut: r.manifest.leftOut,
    });
  else if (!g.quiet) {
    for (const f of r.manifest.files) io.out(`${f.file}  ${bytes(f.size)}  sha256 ${f.sha256.slice(0, 16)}…`);
    io.out(
      `exported snapshot ${shortId(r.snapshot)} of app ${r.manifest.app} (${r.manifest.time}) to ${r.output}; ` +
        `check it with: cd ${r.output} && sha256sum -c SHA256SUMS`,
    );
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('export')
    .description(
      "write an app's snapshot as portable files: each database's native dump (.pgdump, .sql, .sqlite3), each file " +
        'tree as a POSIX tar, manifest.json and SHA256SUMS',
    )
    .argument('<snapshot>', "snapshot ID prefix or 'latest' (of --app)")
    .option('--app <id>', 'the application (its repository comes from the config)')
    .option('-o, --output <dir>', 'a new or empty directory to write into')
    .option('--zstd', 'compress the file trees with zstd (.tar.zst)')
    .option('--gzip', 'compress the file trees with gzip (.tar.gz)')
    .option('--periodicity <p>', "'latest' means the latest snapshot of this periodicity")
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30min; 0s: fail at once)')
    .action(async (ref: string, o: ExportCmdOptions) => {
      await runExport(globals(), ref, o, io);
    });
}
