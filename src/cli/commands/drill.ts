// `strongbox drill --app ID [--periodicity P]`: restore the app's newest snapshot into scratch places, check it
// (files verified, dumps verified and loaded, rows counted against the dump's record, smoke queries), clean up.
// Exits 0 when every check passed, 1 (VERIFY_FAILED) when one did. The result goes to the run history (`runs`).
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { drillRecorded } from '../../ops/drill-record.js';
import { SHARED_LOCK_WAIT_MS } from '../../ops/repo.js';
import { historyPath } from '../../ops/runs.js';
import { findApp, loadChosenConfig } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, lockWait, runOp } from '../context.js';
import { printSummary } from '../output/render.js';
import { shortId } from '../output/format.js';
import { periodicityOf } from './restore.js';

interface DrillCmdOptions {
  app?: string;
  periodicity?: string;
  retryLock?: string;
}

export async function runDrill(g: GlobalOptions, o: DrillCmdOptions, io: Io): Promise<void> {
  if (o.app === undefined) throw new StrongboxError('USAGE', 'drill needs --app ID');
  const input = { periodicity: periodicityOf(o), lockWaitMs: lockWait(o.retryLock, SHARED_LOCK_WAIT_MS) };
  const cfg = await loadChosenConfig(choice(g));
  const app = findApp(cfg, o.app);
  const r = await runOp(g, io, (ctx) => drillRecorded(choice(g), cfg, { app, ...input }, historyPath(cfg), ctx), {
    stream: true,
  });
  if (g.json) printSummary(io, { ...r });
  else if (!g.quiet)
    io.out(
      `drill of app ${r.app} from snapshot ${shortId(r.snapshot)}: ${r.outcome === 'ok' ? 'passed' : 'FAILED'} ` +
        `(${r.checks.filter((c) => c.ok).length} of ${r.checks.length} checks passed)`,
    );
  if (r.outcome !== 'ok') {
    const bad = r.checks
      .filter((c) => !c.ok)
      .map((c) => `${c.component ? `${c.component} ` : ''}${c.check}: ${c.detail}`);
    throw new StrongboxError('VERIFY_FAILED', `drill of app ${r.app} failed: ${bad.join('; ')}`);
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('drill')
    .description(
      "restore drill: restore the app's newest snapshot into a scratch directory and scratch databases, " +
        'check it, clean up',
    )
    .option('--app <id>', 'the app to drill')
    .option('--periodicity <p>', 'drill the newest snapshot of this periodicity')
    .option('--retry-lock <duration>', 'wait this long for a running forget/prune (default 30min; 0s: fail at once)')
    .action(async (o: DrillCmdOptions) => {
      await runDrill(globals(), o, io);
    });
}
