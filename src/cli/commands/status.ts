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
  if (g.json) printJson(io, r.repositories.length ? { apps: r.apps, repositories: r.repositories } : r.apps);
  else {
    for (const repo of r.repositories) {
      io.out(`repository ${repo.location}: ${repo.problems.length ? 'DEGRADED' : 'every store up to date'}`);
      io.out(
        table(
          ['Store', 'Role', 'State', 'Lacks'],
          repo.stores.map((s, i) => [
            s.location,
            i === 0 ? 'primary' : 'mirror',
            s.state,
            s.state === 'unreachable'
              ? '—'
              : Object.entries(s.missing)
                  .filter(([, n]) => n > 0)
                  .map(([t, n]) => `${n} ${t}`)
                  .join(', ') || '—',
          ]),
        ),
      );
      for (const m of repo.problems) io.err(`problem: ${m}`);
    }
    for (const a of r.apps) {
      io.out(`app ${a.app}: ${a.healthy ? 'healthy' : 'UNHEALTHY'}`);
      const rows = a.periodicities.map((p) => [
        p.periodicity,
        p.scheduled ? 'yes' : 'no',
        p.state,
        String(p.count),
        p.newest ? shortId(p.newest.id) : '—',
        p.newest ? p.newest.time.replace('T', ' ').slice(0, 19) : '—',
        p.newest ? age(p.newest.ageMs) : '—',
        p.maxAgeMs ? formatAge(p.maxAgeMs) : '—',
        p.newest ? bytes(p.newest.bytes) : '—',
        p.newest ? `${bytes(p.newest.added)} (${bytes(p.newest.stored)} stored)` : '—',
      ]);
      if (rows.length)
        io.out(
          table(
            ['Periodicity', 'Scheduled', 'State', 'Count', 'Newest', 'Time', 'Age', 'Allowed', 'Size', 'Added'],
            rows,
          ),
        );
      for (const m of a.problems) io.err(`problem: ${m}`);
    }
  }
  const problems = [...r.apps.flatMap((a) => a.problems), ...r.repositories.flatMap((x) => x.problems)];
  if (problems.length) throw new StrongboxError('UNHEALTHY', problems.join('; '));
}

/** A newest snapshot dated ahead of this host's clock has a negative age: shown as "-2d 0h". */
const age = (ms: number) => (ms < 0 ? `-${formatAge(-ms)}` : formatAge(ms));

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('status')
    .description(
      'backup health per app and periodicity, and of each store of a mirrored repository; exit status 6 when a scheduled ' +
        'periodicity is overdue, the newest snapshot is incomplete, or a mirror is degraded',
    )
    .option('--app <id>', 'only this app')
    .action(async (o: { app?: string }) => {
      await runStatus(globals(), o, io);
    });
}
