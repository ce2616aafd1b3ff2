// `strongbox status [--app ID]`: for each app and periodicity, the newest snapshot and whether it is overdue.
// Exits with status 6 when any scheduled periodicity is overdue or missing, or a newest snapshot is incomplete:
// what a monitoring system calls.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { status } from '../../ops/status.js';
import { findApp, loadChosenConfig } from '../../ops/target.js';
import { formatAge } from '../../util/duration.js';
import { choice, type GlobalOptions, type Io, printJson, runOp } from '../context.js';
import { bytes, shortId, table } from '../output/format.js';

export async function runStatus(g: GlobalOptions, o: { app?: string }, io: Io): Promise<void> {
  const cfg = await loadChosenConfig(choice(g));
  const apps = o.app !== undefined ? [findApp(cfg, o.app)] : cfg.apps;
  if (!apps.length) throw new StrongboxError('USAGE', 'the config has no apps');
  const r = await runOp(g, io, (ctx) => status(choice(g), cfg, apps, ctx));
  if (g.json) printJson(io, r.apps);
  else {
    for (const a of r.apps) {
      io.out(`app ${a.app}: ${a.healthy ? 'healthy' : 'UNHEALTHY'}`);
      const rows = a.periodicities.map((p) => [
        p.periodicity, p.scheduled ? 'yes' : 'no', p.state, String(p.count), p.newest ? shortId(p.newest.id) : '—', p.newest ? p.newest.time.replace('T', ' ').slice(0, 19) : '—',
        p.newest ? age(p.newest.ageMs) : '—', p.maxAgeMs ? formatAge(p.maxAgeMs) : '—', p.newest ? bytes(p.newest.bytes) : '—',
        p.newest ? `${bytes(p.newest.added)} (${bytes(p.newest.stored)} stored)` : '—',
      ]);
      if (rows.length) io.out(table(['Periodicity', 'Scheduled', 'State', 'Count', 'Newest', 'Time', 'Age', 'Allowed', 'Size', 'Added'], rows));
      for (const m of a.problems) io.err(`problem: ${m}`);
    }
  }
  const bad = r.apps.filter((a) => !a.healthy);
  if (bad.length) throw new StrongboxError('UNHEALTHY', bad.map((a) => a.problems.join('; ')).join('; '));
}

/** A newest snapshot dated ahead of this host's clock has a negative age: shown as "-2d 0h". */
const age = (ms: number) => (ms < 0 ? `-${formatAge(-ms)}` : formatAge(ms));

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('status')
    .description('backup health per app and periodicity; exit status 6 when a scheduled periodicity is overdue or the newest snapshot is incomplete')
    .option('--app <id>', 'only this app')
    .action(async (o: { app?: string }) => { await runStatus(globals(), o, io); });
}
