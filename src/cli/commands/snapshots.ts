// `strongbox snapshots` and `strongbox ls SNAPSHOT[:subpath]`: listings, as tables or --json.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import {
  type Component, filesComponent, matchesFilter, type Periodicity, parsePeriodicity, type Snapshot, type SnapshotFilter, type SnapshotRef,
} from '../../repository/snapshot.js';
import { collect } from './backup.js';
import type { Repository } from '../../repository/repository.js';
import { listTree, type LsEntry, lsEntry, lsLine, selectedPath } from '../../restore/list.js';
import { selectSubpath, splitSnapshotArg } from '../../restore/select.js';
import { type GlobalOptions, type Io, findApp, loadAppConfig, openAppRepo, openRepo, printJson } from '../context.js';
import { bytes, shortId, table } from '../output/format.js';

export interface SnapshotsCmdOptions {
  app?: string;
  periodicity?: string;
  tag?: string[];
  since?: string;
  until?: string;
}

/** The filter the listing options describe (also used by restore/dump for 'latest'). */
export function snapshotFilter(o: SnapshotsCmdOptions): SnapshotFilter {
  const when = (flag: string, v?: string) => {
    if (v === undefined) return undefined;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new StrongboxError('USAGE', `${flag} ${v} is not a date/time (use e.g. 2026-11-01 or 2026-11-01T10:00:00Z)`);
    return ms;
  };
  return {
    app: o.app, tags: o.tag, since: when('--since', o.since), until: when('--until', o.until),
    periodicity: o.periodicity === undefined ? undefined : parsePeriodicity(o.periodicity, false) as Periodicity,
  };
}

/**
 * "latest" is the newest snapshot the filter selects (of an app, of a periodicity); an ID prefix names one
 * snapshot of any app, so a --periodicity with it is refused rather than silently ignored.
 */
export function resolveRef(repo: Repository, ref: string, o: { app?: string; periodicity?: string; has?: (s: Snapshot) => boolean }): Promise<SnapshotRef> {
  if (o.periodicity !== undefined && ref !== 'latest') throw new StrongboxError('USAGE', '--periodicity selects among snapshots for \'latest\'; an ID names one already');
  const filter = snapshotFilter(o);
  // `has`: 'latest' skips snapshots without what the command needs (a db-only backup for a files restore).
  return ref === 'latest'
    ? repo.resolveSnapshot(ref, (s) => matchesFilter(s.snapshot, filter) && (o.has?.(s.snapshot) ?? true))
    : repo.resolveSnapshot(ref);
}

export async function runSnapshots(g: GlobalOptions, io: Io, o: SnapshotsCmdOptions = {}): Promise<SnapshotRef[]> {
  const filter = snapshotFilter(o);
  let repo;
  if (o.app !== undefined) {
    const cfg = loadAppConfig(g);
    repo = await openAppRepo(g, cfg, findApp(cfg, o.app), { index: false });
  } else repo = await openRepo(g, { index: false });
  const list = (await repo.listSnapshots()).filter((s) => matchesFilter(s.snapshot, filter));
  if (g.json) printJson(io, list.map((s) => ({ id: s.id, ...s.snapshot, components: s.snapshot.components.map(componentSummary) })));
  else {
    const rows = [...list].reverse().map((s) => [
      shortId(s.id), s.snapshot.time.replace('T', ' ').slice(0, 19), s.snapshot.host, s.snapshot.app ?? '', s.snapshot.periodicity ?? '', s.snapshot.tags.join(','),
      s.snapshot.app ? s.snapshot.components.map((c) => c.kind === 'database' ? `db:${c.name}(${c.engine}, ${bytes(c.size)})` : `files:${c.name}`).join(' ') : s.snapshot.paths.join(' '),
      s.snapshot.summary ? bytes(s.snapshot.summary.bytes + (s.snapshot.summary.databaseBytes ?? 0)) : '', [s.snapshot.incomplete ? 'incomplete' : '', s.snapshot.note ?? ''].filter(Boolean).join('; '),
    ]);
    io.out(table(['ID', 'Time', 'Host', 'App', 'Periodicity', 'Tags', 'Components / paths', 'Size', 'Note'], rows));
    io.out(`${list.length} snapshot(s)`);
  }
  return list;
}

/** A component without its blob list: what a listing shows (the content IDs are for `cat snapshot`). */
function componentSummary(c: Component): Record<string, unknown> {
  if (c.kind !== 'database') return c as unknown as Record<string, unknown>;
  const { content, ...rest } = c;
  return { ...rest, blobs: content.length };
}

export type { LsEntry };

export async function runLs(g: GlobalOptions, arg: string, io: Io): Promise<LsEntry[]> {
  const repo = await openRepo(g);
  const { ref, subpath } = splitSnapshotArg(arg);
  const snap = await repo.resolveSnapshot(ref);
  if (!filesComponent(snap.snapshot)) return [];
  const sel = await selectSubpath(repo, snap, subpath);
  const base = `/${subpath.split('/').filter(Boolean).join('/')}`.replace(/\/$/, '');
  const out: LsEntry[] = [];
  if (sel.kind === 'node') out.push(lsEntry(selectedPath(base, sel.node), sel.node));
  else await listTree(repo, sel.tree, base, out);
  if (g.json) printJson(io, out);
  else for (const e of out) io.out(lsLine(e));
  return out;
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('snapshots').description('list snapshots')
    .option('--app <id>', "only this application's snapshots (the repository comes from the config)")
    .option('--periodicity <p>', 'only snapshots of this periodicity')
    .option('--tag <tag>', 'only snapshots with this tag (repeatable: all must match)', collect)
    .option('--since <time>', 'only snapshots taken at or after this time')
    .option('--until <time>', 'only snapshots taken at or before this time')
    .action(async (o: SnapshotsCmdOptions) => { await runSnapshots(globals(), io, o); });
  program.command('ls').description('list the files in a snapshot').argument('<snapshot>', "ID prefix or 'latest', optionally :subpath")
    .action(async (arg: string) => { await runLs(globals(), arg, io); });
}
