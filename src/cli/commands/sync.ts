// `strongbox sync [--repair]`: bring every mirror of the repository up to date (docs/usage/mirrors.md).
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { syncRepo } from '../../ops/sync.js';
import { plainRepo } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, lockWait, runOp } from '../context.js';
import { bytes, shortId } from '../output/format.js';
import { printSummary } from '../output/render.js';

export interface SyncCmdOptions {
  repair?: boolean;
  retryLock?: string;
}

export async function runSync(g: GlobalOptions, o: SyncCmdOptions, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  const input = { repair: o.repair, lockWaitMs: lockWait(o.retryLock, 0) };
  const r = await runOp(g, io, (ctx) => syncRepo(spec, input, ctx), { stream: true });
  if (g.json) printSummary(io, { ...r });
  else {
    for (const e of r.errors) io.err(`error: ${e}`);
    for (const q of r.quarantined) {
      io.err(
        `note: snapshot ${shortId(q.id)} was only on ${q.stores.join(', ')} and needs data no store indexes any more ` +
          `(${q.reason}): it was forgotten and pruned without those stores; moved to quarantine there, not copied`,
      );
    }
    if (!g.quiet) {
      for (const [i, s] of r.stores.entries()) {
        const copied = Object.entries(s.copied)
          .filter(([, n]) => n > 0)
          .map(([t, n]) => `${n} ${t}`)
          .join(', ');
        const n = s.repaired.length;
        const repaired = o.repair || n > 0 ? `, ${n} damaged cop${n === 1 ? 'y' : 'ies'} found` : '';
        io.out(
          `${i === 0 ? 'primary' : 'mirror'} ${s.location}: ${s.initialized ? 'initialised, ' : ''}` +
            `copied ${copied || 'nothing'} (${bytes(s.bytesCopied)}), removed ${s.removed}${repaired}`,
        );
      }
    }
  }
  if (r.outcome === 'errors') {
    const n = r.errors.length;
    throw new StrongboxError('INTEGRITY', `sync of ${r.location} left ${n} object(s) behind (named above)`);
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('sync')
    .description(
      'bring every mirror of the repository up to date: copy what a store lacks (verified), ' +
        'remove what prune removed',
    )
    .option('--repair', 'also read every object on every store and rewrite damaged copies from a good one')
    .option(
      '--retry-lock <duration>',
      'wait this long for other processes to release the repository ' + '(default: fail at once)',
    )
    .action(async (o: SyncCmdOptions) => {
      await runSync(globals(), o, io);
    });
}
