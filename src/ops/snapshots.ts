// Listing and naming snapshots: the filters (app, periodicity, tags, time range), what "latest" means, and the
// files inside one (`ls`).
import { StrongboxError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import {
  type Component,
  filesComponent,
  matchesFilter,
  type Periodicity,
  type Snapshot,
  type SnapshotFilter,
  type SnapshotRef,
} from '../repository/snapshot.js';
import { listTree, type LsEntry, lsEntry, selectedPath } from '../restore/list.js';
import { selectSubpath, splitSnapshotArg } from '../restore/select.js';
import type { OpContext } from './context.js';
import { type RepoSpec, withRepository } from './repo.js';

export interface SnapshotQuery {
  app?: string;
  periodicity?: Periodicity;
  tags?: string[];
  /** Taken at or after this time (ms since the epoch). */
  since?: number;
  until?: number;
}

export function snapshotFilter(q: SnapshotQuery): SnapshotFilter {
  return { app: q.app, tags: q.tags, since: q.since, until: q.until, periodicity: q.periodicity };
}

/**
 * "latest" is the newest written snapshot (write-order.ts) the query selects (of an app, of a periodicity) that
 * `has` what the caller needs; an ID prefix names one snapshot of any app, so a periodicity with it is refused,
 * not silently ignored.
 */
export function resolveRef(
  repo: Repository,
  ref: string,
  q: SnapshotQuery & { has?: (s: Snapshot) => boolean } = {},
): Promise<SnapshotRef> {
  if (q.periodicity !== undefined && ref !== 'latest')
    throw new StrongboxError('USAGE', "--periodicity selects among snapshots for 'latest'; an ID names one already");
  const filter = snapshotFilter(q);
  return ref === 'latest'
    ? repo.snapshots.resolve(ref, (s) => matchesFilter(s.snapshot, filter) && (q.has?.(s.snapshot) ?? true))
    : repo.snapshots.resolve(ref);
}

/** A snapshot as a listing shows it: the database components without their blob lists. */
export interface ListedSnapshot extends Omit<Snapshot, 'components'> {
  id: string;
  components: Record<string, unknown>[];
}

export async function listSnapshots(
  spec: RepoSpec,
  q: SnapshotQuery,
  ctx: OpContext,
): Promise<{ snapshots: SnapshotRef[] }> {
  return withRepository(spec, ctx, { lock: 'none' }, async (repo) => {
    const filter = snapshotFilter(q);
    return { snapshots: (await repo.snapshots.list()).filter((s) => matchesFilter(s.snapshot, filter)) };
  });
}

/** A component without its blob list: what a listing shows (the content IDs are for `cat snapshot`). */
export function componentSummary(c: Component): Record<string, unknown> {
  if (c.kind !== 'database') return c as unknown as Record<string, unknown>;
  const { content, ...rest } = c;
  return { ...rest, blobs: content.length };
}

export type { LsEntry };

/**
 * The entries below SNAPSHOT[:subpath], depth first. With `onEntry`, each is handed over as it is reached and
 * `entries` stays empty: a listing of millions of files is never held in memory.
 */
export async function listFiles(
  spec: RepoSpec,
  arg: string,
  ctx: OpContext,
  onEntry?: (e: LsEntry) => void,
): Promise<{ snapshot: string; entries: LsEntry[] }> {
  return withRepository(spec, ctx, { lock: 'none', index: true }, async (repo) => {
    const { ref, subpath } = splitSnapshotArg(arg);
    const snap = await repo.snapshots.resolve(ref);
    if (!filesComponent(snap.snapshot)) return { snapshot: snap.id, entries: [] };
    const sel = await selectSubpath(repo, snap, subpath);
    const base = `/${subpath.split('/').filter(Boolean).join('/')}`.replace(/\/$/, '');
    const entries: LsEntry[] = [];
    const out = onEntry ?? ((e: LsEntry) => void entries.push(e));
    if (sel.kind === 'node') out(lsEntry(selectedPath(base, sel.node), sel.node));
    else await listTree(repo, sel.tree, base, out);
    return { snapshot: snap.id, entries };
  });
}
