// `strongbox runs [--app ID] [--limit N]`: the run history of the daemon and the HTTP API (what ran, when, how it
// ended, how long it took, what it added, who asked over the API; backups and housekeeping), newest last; --json
// prints the records as the history file holds them.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { historyPath, isHousekeeping, listRuns } from '../../ops/runs.js';
import { optionalConfig } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, printJson } from '../context.js';
import { bytes, duration, shortId, table } from '../output/format.js';

interface RunsCmdOptions {
  app?: string;
  limit?: string;
}

function parseLimit(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(v))
    throw new StrongboxError('USAGE', `--limit ${v}: give a whole number from 1 to 999999999`);
  return Number(v);
}

export async function runRuns(g: GlobalOptions, o: RunsCmdOptions, io: Io): Promise<void> {
  const limit = parseLimit(o.limit);
  const cfg = await optionalConfig(choice(g));
  const r = await listRuns(historyPath(cfg), { app: o.app, limit });
  if (r.skipped) io.err(`strongbox: warning: ${r.skipped} line(s) of ${r.path} could not be read and are left out`);
  if (g.json) return printJson(io, r.runs);
  if (!r.runs.length) {
    if (!g.quiet) io.out(`no runs in ${r.path}${o.app !== undefined ? ` for app ${o.app}` : ''}`);
    return;
  }
  io.out(
    table(
      ['Started', 'App', 'Periodicity', 'Trigger', 'Outcome', 'Duration', 'Snapshot', 'Added', 'Warnings', 'By'],
      r.runs.map((x) => {
        const started = x.startedAt.replace('T', ' ').slice(0, 19);
        // Housekeeping: the app a forget was for, else the repository; the operation in place of a periodicity.
        if (isHousekeeping(x))
          return [
            started,
            x.app ?? `repo ${x.repository}`,
            x.op,
            x.trigger,
            x.outcome,
            duration(x.durationMs),
            '—',
            '—',
            '—',
            x.user ?? '—',
          ];
        return [
          started,
          x.app,
          x.periodicity,
          x.trigger,
          x.outcome,
          duration(x.durationMs),
          x.snapshot ? shortId(x.snapshot) : '—',
          x.bytes ? bytes(x.bytes.added) : '—',
          String(x.events.warnings),
          x.user ?? '—',
        ];
      }),
    ),
  );
  for (const x of r.runs) {
    const who = isHousekeeping(x) ? `${x.op} ${x.app ?? `repo ${x.repository}`}` : `${x.app} ${x.periodicity}`;
    // Under the table, what went wrong, and why a run was skipped (the snapshot that took its slot).
    const why = x.error && x.outcome !== 'ok' ? x.error.message.split('\n')[0] : 'reason' in x ? x.reason : undefined;
    if (why && x.outcome !== 'ok') io.err(`${x.startedAt} ${who}: ${why}`);
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('runs')
    .description(
      'the run history the daemon keeps: each backup it ran, when, how it ended, how long it took, what it added',
    )
    .option('--app <id>', 'only this app')
    .option('--limit <n>', 'only the newest N runs')
    .action(async (o: RunsCmdOptions) => {
      await runRuns(globals(), o, io);
    });
}
