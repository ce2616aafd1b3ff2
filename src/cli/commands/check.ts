// `strongbox check [--read-data | --read-data-subset S | --repair]`: with mirrors, each store is checked and reported.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { checkRepo, parseSubset } from '../../ops/check.js';
import { SHARED_LOCK_WAIT_MS } from '../../ops/repo.js';
import { plainRepo } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, lockWait, runOp } from '../context.js';
import { printSummary } from '../output/render.js';
import { runSync } from './sync.js';

export interface CheckCmdOptions {
  readData?: boolean;
  readDataSubset?: string;
  retryLock?: string;
  repair?: boolean;
}

export async function runCheck(g: GlobalOptions, o: CheckCmdOptions, io: Io): Promise<void> {
  const readData = o.readDataSubset ? parseSubset(o.readDataSubset) : o.readData ? { kind: 'all' as const } : null;
  const spec = await plainRepo(choice(g));
  // Repairing a mirrored repository is sync --repair: every object of every store read, damaged copies rewritten.
  if (o.repair) {
    if (o.readData || o.readDataSubset)
      throw new StrongboxError('USAGE', '--repair reads every object of every store already; leave out --read-data');
    return runSync(g, { repair: true, retryLock: o.retryLock }, io);
  }
  const r = await runOp(
    g,
    io,
    (ctx) => checkRepo(spec, { readData, lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS) }, ctx),
    { stream: true },
  );
  if (g.json) printSummary(io, { ...r });
  else {
    for (const n of r.notes) io.err(`note: ${n}`);
    for (const e of r.errors) io.err(`error: ${e}`);
    const line = (x: typeof r, where: string) =>
      `${where}checked ${x.snapshots} snapshots, ${x.trees} trees, ${x.packs} packs` +
      `${readData ? `; read ${x.packsRead} packs, ${x.blobsRead} blobs` : ''}: ${x.errors.length ? `${x.errors.length} errors` : 'no errors'}`;
    if (!g.quiet) for (const x of r.stores ?? [r]) io.out(line(x, r.stores ? `${x.location}: ` : ''));
  }
  if (r.outcome === 'errors')
    throw new StrongboxError('INTEGRITY', `check found ${r.errors.length} error(s) in ${r.location}`);
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('check')
    .description('verify the repository structure, and optionally the data')
    .option('--read-data', 'also read and verify every blob')
    .option('--read-data-subset <subset>', 'read a part of the packs: a percentage (10%) or n/m')
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30min; 0s: fail at once)')
    .option(
      '--repair',
      'a repository with mirrors: read every object on every store and rewrite damaged or missing ones from a good copy (sync --repair)',
    )
    .action(async (o: CheckCmdOptions) => {
      await runCheck(globals(), o, io);
    });
}
