// `strongbox dump SNAPSHOT COMPONENT [-o FILE]`: a database component's raw dump, exactly the bytes the dump
// tool produced, checked against its recorded SHA-256; a bucket component as a tar with its manifest.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { dumpComponent } from '../../ops/dump.js';
import { SHARED_LOCK_WAIT_MS } from '../../ops/repo.js';
import { appRepo, findApp, loadChosenConfig, plainRepo } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, lockWait, runOp } from '../context.js';
import { bytes } from '../output/format.js';
import { periodicityOf } from './restore.js';

export interface DumpCmdOptions {
  app?: string;
  periodicity?: string;
  retryLock?: string;
  output?: string;
}

export async function runDump(
  g: GlobalOptions,
  ref: string,
  name: string,
  o: DumpCmdOptions,
  io: Io,
  stdout: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  if (!o.output && process.stdout.isTTY && stdout === process.stdout) {
    throw new StrongboxError(
      'USAGE',
      'refusing to write a binary dump to a terminal; pass -o FILE or redirect standard output',
    );
  }
  let spec;
  if (o.app !== undefined) {
    const cfg = await loadChosenConfig(choice(g));
    spec = appRepo(choice(g), cfg, findApp(cfg, o.app));
  } else spec = await plainRepo(choice(g));
  const input = {
    snapshot: ref,
    component: name,
    app: o.app,
    periodicity: periodicityOf(o),
    output: o.output,
    stdout,
    lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS),
  };
  const { component: c } = await runOp(g, io, (ctx) => dumpComponent(spec, input, ctx));
  if (!g.quiet && o.output) {
    io.err(
      c.kind === 'bucket'
        ? `wrote a tar of bucket ${c.name} (${c.objects} objects, ${bytes(c.size)}, with ${c.name}.manifest.jsonl) to ${o.output}`
        : `wrote ${c.format} dump of ${c.engine} database ${c.database} (${bytes(c.size)}, sha256 ${c.sha256.slice(0, 16)}…) to ${o.output}`,
    );
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('dump')
    .description(
      'write the raw database dump of a snapshot component (as the dump tool wrote it), or a bucket component as a tar, to stdout or a file',
    )
    .argument('<snapshot>', "snapshot ID prefix or 'latest' (of --app)")
    .argument('<component>', 'the database or bucket component name')
    .option('--app <id>', 'the application (its repository comes from the config)')
    .option('--periodicity <p>', "'latest' means the latest snapshot of this periodicity")
    .option('-o, --output <file>', 'write to this file (must not exist) instead of stdout')
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30min; 0s: fail at once)')
    .action(async (ref: string, name: string, o: DumpCmdOptions) => {
      await runDump(globals(), ref, name, o, io);
    });
}
