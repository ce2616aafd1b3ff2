// `strongbox check [--read-data | --read-data-subset S]`.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { checkRepository, type CheckResult, type DataSubset } from '../../repository/check.js';
import { type GlobalOptions, type Io, openRepo, printJson, lockWait, withLock } from '../context.js';

export interface CheckCmdOptions {
  readData?: boolean;
  readDataSubset?: string;
  retryLock?: string;
}

export function parseSubset(s: string): DataSubset {
  let m = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (m && Number(m[1]) > 0 && Number(m[1]) <= 100) return { kind: 'percent', percent: Number(m[1]) };
  m = /^(\d+)\/(\d+)$/.exec(s);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2])) return { kind: 'part', n: Number(m[1]), m: Number(m[2]) };
  throw new StrongboxError('USAGE', `--read-data-subset ${s}: give a percentage (10%) or a part n/m (1/5)`);
}

export async function runCheck(g: GlobalOptions, o: CheckCmdOptions, io: Io): Promise<CheckResult> {
  const subset = o.readDataSubset ? parseSubset(o.readDataSubset) : o.readData ? { kind: 'all' as const } : null;
  const repo = await openRepo(g, { index: false });
  // A shared lock: objects a running prune deletes would otherwise show up as false errors.
  const r = await withLock(repo, false, io, () => checkRepository(repo, subset), lockWait(o.retryLock));
  if (g.json) printJson(io, r);
  else {
    for (const n of r.notes) io.err(`note: ${n}`);
    for (const e of r.errors) io.err(`error: ${e}`);
    if (!g.quiet) io.out(`checked ${r.snapshots} snapshots, ${r.trees} trees, ${r.packs} packs${subset ? `; read ${r.packsRead} packs, ${r.blobsRead} blobs` : ''}: ${r.errors.length ? `${r.errors.length} errors` : 'no errors'}`);
  }
  if (r.errors.length) throw new StrongboxError('INTEGRITY', `check found ${r.errors.length} error(s) in ${repo.backend.location}`);
  return r;
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('check').description('verify the repository structure, and optionally the data')
    .option('--read-data', 'also read and verify every blob')
    .option('--read-data-subset <subset>', 'read a part of the packs: a percentage (10%) or n/m')
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30m; 0s: fail at once)')
    .action(async (o: CheckCmdOptions) => { await runCheck(globals(), o, io); });
}
