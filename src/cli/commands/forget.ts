// `strongbox forget` (apply retention policies: remove snapshot objects) and `strongbox prune` (remove data no
// snapshot references). Both take the exclusive lock; --retry-lock waits for running backups to end.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { forget, type ForgetResult, type PruneSummary, pruneRepository } from '../../ops/forget.js';
import { appRepo, findApp, loadChosenConfig, optionalConfig, plainRepo } from '../../ops/target.js';
import { describePolicy, type GroupPlan } from '../../retention/groups.js';
import { type Policy, withinMs } from '../../retention/policy.js';
import { choice, type GlobalOptions, type Io, lockWait, runOp } from '../context.js';
import { formatAge } from '../../util/duration.js';
import { bytes, shortId, table } from '../output/format.js';
import { printSummary } from '../output/render.js';

export interface ForgetCmdOptions {
  app?: string;
  dryRun?: boolean;
  explain?: boolean;
  prune?: boolean;
  repackUnused?: string;
  retryLock?: string;
  keepWithin?: string;
  keepLast?: string;
  keepHourly?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  keepBimonthly?: string;
  keepYearly?: string;
}

function flagPolicy(o: ForgetCmdOptions): Policy | undefined {
  const n = (flag: string, v?: string) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new StrongboxError('USAGE', `${flag} ${v}: give a whole number`);
    return Number(v);
  };
  if (o.keepWithin !== undefined) withinMs(o.keepWithin);
  const p: Policy = {
    within: o.keepWithin,
    last: n('--keep-last', o.keepLast),
    hourly: n('--keep-hourly', o.keepHourly),
    daily: n('--keep-daily', o.keepDaily),
    weekly: n('--keep-weekly', o.keepWeekly),
    monthly: n('--keep-monthly', o.keepMonthly),
    bimonthly: n('--keep-bimonthly', o.keepBimonthly),
    yearly: n('--keep-yearly', o.keepYearly),
  };
  const set = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Policy;
  return Object.keys(set).length ? set : undefined;
}

function parsePercent(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(v);
  if (!m || Number(m[1]) > 100)
    throw new StrongboxError('USAGE', `--repack-unused ${v}: give a percentage from 0 to 100`);
  return Number(m[1]) / 100;
}

export async function runForget(g: GlobalOptions, o: ForgetCmdOptions, io: Io): Promise<void> {
  const policy = flagPolicy(o);
  const repackUnused = parsePercent(o.repackUnused);
  const lockWaitMs = lockWait(o.retryLock, 0);
  // The config gives the apps' policies; it is optional without --app.
  let spec;
  let apps;
  if (o.app !== undefined) {
    const cfg = await loadChosenConfig(choice(g));
    spec = appRepo(choice(g), cfg, findApp(cfg, o.app));
    apps = cfg.apps;
  } else {
    apps = (await optionalConfig(choice(g)))?.apps ?? [];
    spec = await plainRepo(choice(g));
  }
  const input = { app: o.app, apps, policy, dryRun: o.dryRun, prune: o.prune, repackUnused, lockWaitMs };
  const r = await runOp(g, io, (ctx) => forget(spec, input, ctx), { stream: true });
  if (g.json) {
    printSummary(io, {
      outcome: r.outcome,
      groups: r.groups.map(jsonGroup),
      removed: r.removed,
      dryRun: r.dryRun,
      prune: r.prune,
    });
    return;
  }
  if (g.quiet) return;
  report(io, r, o);
  if (r.prune) reportPrune(io, r.prune);
}

function report(io: Io, r: ForgetResult, o: ForgetCmdOptions): void {
  for (const gr of r.groups) {
    const kept = gr.decisions.filter((d) => d.keep).length;
    io.out(
      `${gr.name}: policy ${gr.policy ? describePolicy(gr.policy) : 'none (give --keep-* rules)'}${gr.timeZone !== 'UTC' ? ` (${gr.timeZone})` : ''}: keep ${kept}, remove ${gr.decisions.length - kept}`,
    );
    const rows = gr.decisions
      .filter((d) => o.explain || o.dryRun || !d.keep)
      .map((d) => [
        shortId(d.id),
        `${d.ref.snapshot.time.replace('T', ' ').slice(0, 19)}${d.aheadMs ? ` (ahead ${formatAge(d.aheadMs)})` : ''}`,
        d.ref.snapshot.periodicity ?? 'manual',
        d.keep ? 'keep' : 'remove',
        d.keep ? d.label : '',
      ]);
    if (rows.length) io.out(table(['ID', 'Time', 'Periodicity', 'Action', 'Kept as'], rows));
  }
  if (!r.dryRun) io.out(`removed ${r.removed.length} snapshot(s)`);
}

const jsonGroup = (gr: GroupPlan) => ({
  name: gr.name,
  app: gr.app,
  trigger: gr.trigger,
  policy: gr.policy,
  timeZone: gr.timeZone,
  snapshots: gr.decisions.map((d) => ({
    id: d.id,
    time: d.ref.snapshot.time,
    aheadMs: d.aheadMs,
    seq: d.ref.snapshot.seq,
    periodicity: d.ref.snapshot.periodicity,
    keep: d.keep,
    rule: d.rule,
    label: d.label,
  })),
});

function reportPrune(io: Io, j: PruneSummary): void {
  io.out(
    `${j.dryRun ? 'would remove' : 'removed'} ${j.packsRemoved} unused pack(s) and ${j.orphanPacks} unreferenced pack(s), repack${j.dryRun ? '' : 'ed'} ${j.packsRepacked};` +
      ` ${j.dryRun ? 'would reclaim' : 'reclaimed'} ${bytes(Math.max(0, j.bytesReclaimed))}`,
  );
}

export async function runPrune(
  g: GlobalOptions,
  o: { dryRun?: boolean; repackUnused?: string; retryLock?: string },
  io: Io,
): Promise<void> {
  const input = { dryRun: o.dryRun, repackUnused: parsePercent(o.repackUnused), lockWaitMs: lockWait(o.retryLock, 0) };
  const spec = await plainRepo(choice(g));
  const r = await runOp(g, io, (ctx) => pruneRepository(spec, input, ctx), { stream: true });
  if (g.json) printSummary(io, { ...r });
  else if (!g.quiet) reportPrune(io, r);
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  const f = program
    .command('forget')
    .description('apply retention policies: remove the snapshots no rule keeps (the data stays until prune)')
    .option('--app <id>', "only this app's snapshots, with its configured policies")
    .option('-n, --dry-run', 'show what would be removed, remove nothing')
    .option('--explain', 'list every snapshot with the rule that keeps it ("daily 3/7", "within 30d")')
    .option('--prune', 'then remove the data no snapshot references')
    .option('--repack-unused <pct>', 'with --prune: repack packs at least this unused (default 50%)')
    .option('--retry-lock <duration>', 'wait this long (e.g. 10min) for running backups to release the repository');
  for (const r of ['within', 'last', 'hourly', 'daily', 'weekly', 'monthly', 'bimonthly', 'yearly']) {
    f.option(
      `--keep-${r} <${r === 'within' ? 'duration' : 'n'}>`,
      r === 'within'
        ? 'keep everything younger than this (30d, 12h, 2w, 6mo, 1y)'
        : `keep the newest snapshot of the last N ${r === 'last' ? 'snapshots' : `${r} buckets`}`,
    );
  }
  f.action(async (o: ForgetCmdOptions) => {
    await runForget(globals(), o, io);
  });
  program
    .command('prune')
    .description('remove data no snapshot references, and repack mostly unused packs; reports bytes reclaimed')
    .option('-n, --dry-run', 'show what would be removed')
    .option('--repack-unused <pct>', 'repack packs at least this unused (default 50%)')
    .option('--retry-lock <duration>', 'wait this long (e.g. 10min) for running backups to release the repository')
    .action(async (o: { dryRun?: boolean; repackUnused?: string; retryLock?: string }) => {
      await runPrune(globals(), o, io);
    });
}
