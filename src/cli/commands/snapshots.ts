// `strongbox snapshots` and `strongbox ls SNAPSHOT[:subpath]`: listings, as tables or --json.
import type { Command } from 'commander';
import { componentSummary, listFiles, listSnapshots, type SnapshotQuery } from '../../ops/snapshots.js';
import { appRepo, findApp, loadChosenConfig, plainRepo } from '../../ops/target.js';
import { type LsEntry, lsLine } from '../../restore/list.js';
import { choice, collect, type GlobalOptions, type Io, parseTime, printJson, runOp } from '../context.js';
import { bytes, shortId, table } from '../output/format.js';
import { periodicityOf } from './restore.js';

export interface SnapshotsCmdOptions {
  app?: string;
  periodicity?: string;
  tag?: string[];
  since?: string;
  until?: string;
}

export function snapshotQuery(o: SnapshotsCmdOptions): SnapshotQuery {
  return {
    app: o.app,
    tags: o.tag,
    since: parseTime('--since', o.since),
    until: parseTime('--until', o.until),
    periodicity: periodicityOf(o),
  };
}

export async function runSnapshots(g: GlobalOptions, io: Io, o: SnapshotsCmdOptions = {}): Promise<void> {
  const q = snapshotQuery(o);
  let spec;
  if (o.app !== undefined) {
    const cfg = await loadChosenConfig(choice(g));
    spec = appRepo(choice(g), cfg, findApp(cfg, o.app));
  } else spec = await plainRepo(choice(g));
  const { snapshots: list } = await runOp(g, io, (ctx) => listSnapshots(spec, q, ctx));
  if (g.json) {
    printJson(
      io,
      list.map((s) => ({ id: s.id, ...s.snapshot, components: s.snapshot.components.map(componentSummary) })),
    );
    return;
  }
  const rows = [...list]
    .reverse()
    .map(({ id, snapshot: s }) => [
      shortId(id),
      s.time.replace('T', ' ').slice(0, 19),
      s.host,
      s.app ?? '',
      s.periodicity ?? '',
      s.tags.join(','),
      s.app
        ? s.components
            .map((c) =>
              c.kind === 'database'
                ? `db:${c.name}(${c.engine}, ${bytes(c.size)})`
                : c.kind === 'bucket'
                  ? `bucket:${c.name}(${c.objects} objects, ${bytes(c.size)})`
                  : `files:${c.name}`,
            )
            .join(' ')
        : s.paths.join(' '),
      s.summary ? bytes(s.summary.bytes + (s.summary.databaseBytes ?? 0)) : '',
      [s.incomplete ? 'incomplete' : '', s.note ?? ''].filter(Boolean).join('; '),
    ]);
  io.out(table(['ID', 'Time', 'Host', 'App', 'Periodicity', 'Tags', 'Components / paths', 'Size', 'Note'], rows));
  io.out(`${list.length} snapshot(s)`);
}

export async function runLs(g: GlobalOptions, arg: string, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  // Printed as reached (the same text printJson would give for the array), in batches of ~64 KiB (a write a line was
  // a tenth of a listing's time): a listing is never held whole.
  let batch = '';
  const line = (s: string) => {
    batch += `${s}\n`;
    if (batch.length >= 65_536) flush();
  };
  const flush = () => {
    if (batch) io.out(batch);
    batch = '';
  };
  let held: string | undefined;
  const onEntry = g.json
    ? (e: LsEntry) => {
        line(held === undefined ? '[' : `${held},`);
        held = JSON.stringify(e, null, 2).replace(/^/gm, '  ');
      }
    : (e: LsEntry) => line(lsLine(e));
  try {
    await runOp(g, io, (ctx) => listFiles(spec, arg, ctx, onEntry));
  } finally {
    flush();
  }
  if (g.json) io.out(held === undefined ? '[]' : `${held}\n]`);
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('snapshots')
    .description('list snapshots')
    .option('--app <id>', "only this application's snapshots (the repository comes from the config)")
    .option('--periodicity <p>', 'only snapshots of this periodicity')
    .option('--tag <tag>', 'only snapshots with this tag (repeatable: all must match)', collect)
    .option('--since <time>', 'only snapshots taken at or after this time')
    .option('--until <time>', 'only snapshots taken at or before this time')
    .action(async (o: SnapshotsCmdOptions) => {
      await runSnapshots(globals(), io, o);
    });
  program
    .command('ls')
    .description('list the files in a snapshot')
    .argument('<snapshot>', "ID prefix or 'latest', optionally :subpath")
    .action(async (arg: string) => {
      await runLs(globals(), arg, io);
    });
}
