// `strongbox forget` (apply retention policies: remove snapshot objects) and `strongbox prune` (remove data
// no snapshot references). Both take the exclusive lock; --retry-lock waits for running backups to end.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { configPath, loadConfig } from '../../config/load.js';
import type { AppConfig } from '../../config/schema.js';
import { StrongboxError } from '../../errors.js';
import { prune, type PruneResult } from '../../repository/prune.js';
import type { Repository } from '../../repository/repository.js';
import { describePolicy, type GroupPlan, planForget } from '../../retention/groups.js';
import { parseDuration, type Policy } from '../../retention/policy.js';
import { type GlobalOptions, type Io, findApp, lockWait, openAppRepo, openRepo, printJson, withLock } from '../context.js';
import { bytes, shortId, table } from '../output/format.js';

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
  if (o.keepWithin !== undefined) parseDuration(o.keepWithin);
  const p: Policy = {
    within: o.keepWithin, last: n('--keep-last', o.keepLast), hourly: n('--keep-hourly', o.keepHourly), daily: n('--keep-daily', o.keepDaily),
    weekly: n('--keep-weekly', o.keepWeekly), monthly: n('--keep-monthly', o.keepMonthly), bimonthly: n('--keep-bimonthly', o.keepBimonthly),
    yearly: n('--keep-yearly', o.keepYearly),
  };
  const set = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Policy;
  return Object.keys(set).length ? set : undefined;
}

function parsePercent(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(v);
  if (!m || Number(m[1]) > 100) throw new StrongboxError('USAGE', `--repack-unused ${v}: give a percentage from 0 to 100`);
  return Number(m[1]) / 100;
}

/** The repository and the config's apps (for their policies); the config is optional without --app. */
async function open(g: GlobalOptions, app?: string): Promise<{ repo: Repository; apps: AppConfig[] }> {
  const path = configPath(g.config);
  if (app !== undefined) {
    const cfg = loadConfig(path).config;
    return { repo: await openAppRepo(g, cfg, findApp(cfg, app), { index: false }), apps: cfg.apps };
  }
  const apps = g.config !== undefined || process.env.STRONGBOX_CONFIG !== undefined || existsSync(path) ? loadConfig(path).config.apps : [];
  return { repo: await openRepo(g, { index: false }), apps };
}

export async function runForget(g: GlobalOptions, o: ForgetCmdOptions, io: Io): Promise<{ groups: GroupPlan[]; removed: string[]; prune?: PruneResult }> {
  const flags = flagPolicy(o);
  const repackUnused = parsePercent(o.repackUnused);
  const { repo, apps } = await open(g, o.app);
  const work = async () => {
    const all = (await repo.listSnapshots()).filter((s) => o.app === undefined || s.snapshot.app === o.app);
    const groups = planForget({ snapshots: all, apps, flags, now: repo.clock.now() });
    const doomed = groups.flatMap((gr) => gr.decisions.filter((d) => !d.keep).map((d) => d.id));
    report(g, io, groups, o);
    const removed: string[] = [];
    // With --prune, a damaged repository is found before anything is forgotten: prune would refuse it
    // afterwards, and the forgotten snapshots could not be brought back.
    if (o.prune && !o.dryRun) await prune(repo, { dryRun: true, repackUnused });
    if (!o.dryRun) {
      for (const id of doomed) {
        await repo.backend.remove({ type: 'snapshot', name: id });
        removed.push(id);
      }
      if (!g.quiet && !g.json) io.out(`removed ${removed.length} snapshot(s)`);
    }
    const pr = o.prune ? await runPruneLocked(g, repo, io, { dryRun: o.dryRun, repackUnused }) : undefined;
    if (g.json) printJson(io, { groups: groups.map(jsonGroup), removed, dryRun: !!o.dryRun, prune: pr ? jsonPrune(pr) : undefined });
    return { groups, removed, prune: pr };
  };
  return o.dryRun && !o.prune ? work() : withLock(repo, true, io, work, lockWait(o.retryLock, '0s'), { index: !!o.prune });
}

function report(g: GlobalOptions, io: Io, groups: GroupPlan[], o: ForgetCmdOptions): void {
  if (g.json || g.quiet) return;
  for (const gr of groups) {
    const kept = gr.decisions.filter((d) => d.keep).length;
    io.out(`${gr.name}: policy ${gr.policy ? describePolicy(gr.policy) : 'none (give --keep-* rules)'}${gr.timeZone !== 'UTC' ? ` (${gr.timeZone})` : ''}: keep ${kept}, remove ${gr.decisions.length - kept}`);
    const rows = gr.decisions.filter((d) => o.explain || o.dryRun || !d.keep)
      .map((d) => [shortId(d.id), d.ref.snapshot.time.replace('T', ' ').slice(0, 19), d.ref.snapshot.periodicity ?? 'manual', d.keep ? 'keep' : 'remove', d.keep ? d.label : '']);
    if (rows.length) io.out(table(['ID', 'Time', 'Periodicity', 'Action', 'Kept as'], rows));
  }
}

const jsonGroup = (gr: GroupPlan) => ({
  name: gr.name, app: gr.app, trigger: gr.trigger, policy: gr.policy, timeZone: gr.timeZone,
  snapshots: gr.decisions.map((d) => ({ id: d.id, time: d.ref.snapshot.time, periodicity: d.ref.snapshot.periodicity, keep: d.keep, rule: d.rule, label: d.label })),
});

const jsonPrune = (r: PruneResult) => ({
  dryRun: r.dryRun, packsRemoved: r.plan.remove.length, packsRepacked: r.plan.repack.length, orphanPacks: r.plan.orphans.length,
  packsWritten: r.packsWritten, bytesRemovable: r.plan.bytesRemovable, bytesWritten: r.bytesWritten,
  bytesReclaimed: r.plan.bytesRemovable - r.bytesWritten + r.leftoverBytes, leftoverBytes: r.leftoverBytes,
});

async function runPruneLocked(g: GlobalOptions, repo: Repository, io: Io, o: { dryRun?: boolean; repackUnused?: number }): Promise<PruneResult> {
  const r = await prune(repo, { ...o, onStep: (m) => { if (!g.quiet && !g.json) io.err(m); } });
  if (!g.quiet && !g.json) {
    const j = jsonPrune(r);
    io.out(`${r.dryRun ? 'would remove' : 'removed'} ${j.packsRemoved} unused pack(s) and ${j.orphanPacks} unreferenced pack(s), repack${r.dryRun ? '' : 'ed'} ${j.packsRepacked};`
      + ` ${r.dryRun ? 'would reclaim' : 'reclaimed'} ${bytes(Math.max(0, j.bytesReclaimed))}`);
  }
  return r;
}

export async function runPrune(g: GlobalOptions, o: { dryRun?: boolean; repackUnused?: string; retryLock?: string }, io: Io): Promise<PruneResult> {
  const repo = await openRepo(g, { index: false });
  const run = async () => {
    const r = await runPruneLocked(g, repo, io, { dryRun: o.dryRun, repackUnused: parsePercent(o.repackUnused) });
    if (g.json) printJson(io, jsonPrune(r));
    return r;
  };
  return withLock(repo, true, io, run, lockWait(o.retryLock, '0s'), { index: true });
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  const f = program.command('forget')
    .description('apply retention policies: remove the snapshots no rule keeps (the data stays until prune)')
    .option('--app <id>', "only this app's snapshots, with its configured policies")
    .option('-n, --dry-run', 'show what would be removed, remove nothing')
    .option('--explain', 'list every snapshot with the rule that keeps it ("daily 3/7", "within 30d")')
    .option('--prune', 'then remove the data no snapshot references')
    .option('--repack-unused <pct>', 'with --prune: repack packs at least this unused (default 50%)')
    .option('--retry-lock <duration>', 'wait this long (e.g. 10m) for running backups to release the repository');
  for (const r of ['within', 'last', 'hourly', 'daily', 'weekly', 'monthly', 'bimonthly', 'yearly']) {
    f.option(`--keep-${r} <${r === 'within' ? 'duration' : 'n'}>`, r === 'within' ? 'keep everything younger than this (30d, 12H, 2w, 6m, 1y)' : `keep the newest snapshot of the last N ${r === 'last' ? 'snapshots' : `${r} buckets`}`);
  }
  f.action(async (o: ForgetCmdOptions) => { await runForget(globals(), o, io); });
  program.command('prune')
    .description('remove data no snapshot references, and repack mostly unused packs; reports bytes reclaimed')
    .option('-n, --dry-run', 'show what would be removed')
    .option('--repack-unused <pct>', 'repack packs at least this unused (default 50%)')
    .option('--retry-lock <duration>', 'wait this long (e.g. 10m) for running backups to release the repository')
    .action(async (o: { dryRun?: boolean; repackUnused?: string; retryLock?: string }) => { await runPrune(globals(), o, io); });
}
