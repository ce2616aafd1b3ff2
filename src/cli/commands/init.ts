// `strongbox init`: create a repository at the location.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { initRepository } from '../../ops/repo.js';
import { choice, type GlobalOptions, type Io, printJson, runOp } from '../context.js';
import { plainRepo } from '../../ops/target.js';

export async function runInit(g: GlobalOptions, o: { packSizeMib?: string }, io: Io): Promise<void> {
  let packSizeMiB: number | undefined;
  if (o.packSizeMib !== undefined) {
    if (!/^\d+$/.test(o.packSizeMib))
      throw new StrongboxError('USAGE', `--pack-size-mib ${o.packSizeMib}: give a whole number of MiB from 1 to 128`);
    packSizeMiB = Number(o.packSizeMib);
  }
  const spec = await plainRepo(choice(g));
  const r = await runOp(g, io, (ctx) => initRepository(spec, ctx, { packSizeMiB }));
  if (g.json) printJson(io, r);
  else if (!g.quiet) {
    const mirrors = r.mirrors.length ? `, mirrored at ${r.mirrors.join(', ')}` : '';
    io.out(
      `created strongbox repository ${r.id.slice(0, 10)} at ${r.location}${mirrors}\n\nKeep the password safe: without it the data cannot be read.`,
    );
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('init')
    .description('create a new repository')
    .option('--pack-size-mib <n>', 'target pack size in MiB, 1 to 128 (default 16)')
    .action(async (o: { packSizeMib?: string }) => {
      await runInit(globals(), o, io);
    });
}
