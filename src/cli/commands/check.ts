// `strongbox check [--read-data | --read-data-subset S]`.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { checkRepo, parseSubset } from '../../ops/check.js';
import { SHARED_LOCK_WAIT_MS } from '../../ops/repo.js';
import { plainRepo } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, lockWait, runOp } from '../context.js';
import { printSummary } from '../output/render.js';

export interface CheckCmdOptions {
  readData?: boolean;
  readDataSubset?: string;
  retryLock?: string;
}

export async function runCheck(g: GlobalOptions, o: CheckCmdOptions, io: Io): Promise<void> {
  const readData = o.readDataSubset ? parseSubset(o.readDataSubset) : o.readData ? { kind: 'all' as const } : null;
  const spec = await plainRepo(choice(g));
  const r = await runOp(g, io, (ctx) => checkRepo(spec, { readData, lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS) }, ctx), { stream: true });
  if (g.json) printSummary(io, { ...r });
  else {
    for (const n of r.notes) io.err(`note: ${n}`);
    for (const e of r.errors) io.err(`error: ${e}`);
    if (!g.quiet) io.out(`checked ${r.snapshots} snapshots, ${r.trees} trees, ${r.packs} packs${readData ? `; read ${r.packsRead} packs, ${r.blobsRead} blobs` : ''}: ${r.errors.length ? `${r.errors.length} errors` : 'no errors'}`);
  }
  if (r.outcome === 'errors') throw new StrongboxError('INTEGRITY', `check found ${r.errors.length} error(s) in ${r.location}`);
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('check').description('verify the repository structure, and optionally the data')
    .option('--read-data', 'also read and verify every blob')
    .option('--read-data-subset <subset>', 'read a part of the packs: a percentage (10%) or n/m')
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30min; 0s: fail at once)')
    .action(async (o: CheckCmdOptions) => { await runCheck(globals(), o, io); });
}
