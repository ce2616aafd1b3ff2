// `strongbox repair index|snapshots [--dry-run]`: parse, lock, call src/repository/repair.ts, render.
import type { Command } from 'commander';
import { repairIndex, repairSnapshots } from '../../ops/repair.js';
import { plainRepo } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, lockWait, printJson, runOp } from '../context.js';
import { shortId } from '../output/format.js';

export interface RepairCmdOptions {
  dryRun?: boolean;
  retryLock?: string;
}

export async function runRepairIndex(g: GlobalOptions, o: RepairCmdOptions, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  const { plan, done } = await runOp(g, io, (ctx) =>
    repairIndex(spec, { dryRun: o.dryRun, lockWaitMs: lockWait(o.retryLock, 0) }, ctx),
  );
  {
    const verb = o.dryRun ? 'would' : '';
    if (g.json) {
      printJson(io, {
        dryRun: !!o.dryRun,
        packs: plan.packs.length,
        blobs: plan.blobs,
        damagedPacks: plan.damagedPacks,
        oldIndexes: plan.oldIndexes,
        damagedIndexes: plan.damagedIndexes,
        indexesWritten: done?.indexesWritten ?? [],
        quarantined: done?.quarantined ?? [],
      });
    } else if (!g.quiet) {
      for (const d of plan.damagedIndexes) io.out(`damaged: ${d.message}`);
      io.out(
        `${o.dryRun ? 'would index' : 'indexed'} ${plan.blobs} blobs in ${plan.packs.length} packs (read from their headers);` +
          ` ${verb ? 'would move' : 'moved'} ${plan.oldIndexes.length} old index object(s) and ${plan.damagedPacks.length} damaged pack(s) to quarantine`,
      );
    }
  }
}

export async function runRepairSnapshots(g: GlobalOptions, o: RepairCmdOptions, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  const { plan, done } = await runOp(g, io, (ctx) =>
    repairSnapshots(spec, { dryRun: o.dryRun, lockWaitMs: lockWait(o.retryLock, 0) }, ctx),
  );
  {
    if (g.json) {
      printJson(io, {
        dryRun: !!o.dryRun,
        intact: plan.intact,
        unreadable: plan.unreadable,
        quarantined: done?.quarantined ?? [],
        rewritten: plan.rewrite.map((w) => ({ id: w.id, newId: done?.written.get(w.id) ?? null, removed: w.removed })),
      });
    } else if (!g.quiet) {
      const move = o.dryRun ? 'would move' : 'moved';
      for (const d of plan.unreadable)
        io.out(`${move} unreadable snapshot ${shortId(d.name)} to quarantine (${d.message})`);
      for (const w of plan.rewrite) {
        const to = done ? ` as ${shortId(done.written.get(w.id)!)}` : '';
        io.out(
          `${o.dryRun ? 'would rewrite' : 'rewrote'} snapshot ${shortId(w.id)}${to}, tagged "repaired", leaving out: ${w.removed.join(', ')}`,
        );
      }
      io.out(
        `${plan.intact} snapshot(s) intact, ${plan.rewrite.length} ${o.dryRun ? 'to rewrite' : 'rewritten'}, ${plan.unreadable.length} unreadable`,
      );
    }
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  const repair = program
    .command('repair')
    .description('repair a damaged repository (what is removed goes to quarantine/)');
  const common = (c: Command) =>
    c
      .option('--dry-run', 'say what would change, change nothing')
      .option(
        '--retry-lock <duration>',
        'wait this long for other processes to release the repository (default: fail at once)',
      );
  common(
    repair
      .command('index')
      .description('rebuild the index from the pack headers; damaged packs and the old index move to quarantine'),
  ).action(async (o: RepairCmdOptions) => {
    await runRepairIndex(globals(), o, io);
  });
  common(
    repair
      .command('snapshots')
      .description('move unreadable snapshots to quarantine; rewrite ones referencing missing data, tagged "repaired"'),
  ).action(async (o: RepairCmdOptions) => {
    await runRepairSnapshots(globals(), o, io);
  });
}
