// `strongbox snapshots` and `strongbox ls SNAPSHOT[:subpath]`: listings, as tables or --json.
import type { Command } from 'commander';
import { filesComponent, type SnapshotRef } from '../../repository/snapshot.js';
import type { Repository } from '../../repository/repository.js';
import type { TreeNode } from '../../repository/tree.js';
import { selectSubpath, splitSnapshotArg } from '../../restore/select.js';
import { type GlobalOptions, type Io, openRepo, printJson } from '../context.js';
import { bytes, shortId, table } from '../output/format.js';

export async function runSnapshots(g: GlobalOptions, io: Io): Promise<SnapshotRef[]> {
  const repo = await openRepo(g, { index: false });
  const list = await repo.listSnapshots();
  if (g.json) printJson(io, list.map((s) => ({ id: s.id, ...s.snapshot })));
  else {
    const rows = [...list].reverse().map((s) => [
      shortId(s.id), s.snapshot.time.replace('T', ' ').slice(0, 19), s.snapshot.host, s.snapshot.tags.join(','),
      s.snapshot.paths.join(' '), s.snapshot.summary ? bytes(s.snapshot.summary.bytes) : '', s.snapshot.incomplete ? 'incomplete' : '',
    ]);
    io.out(table(['ID', 'Time', 'Host', 'Tags', 'Paths', 'Size', 'Note'], rows));
    io.out(`${list.length} snapshot(s)`);
  }
  return list;
}

export interface LsEntry {
  path: string;
  type: string;
  size: number;
  mode: number;
  mtime: string;
  linktarget?: string;
}

export async function runLs(g: GlobalOptions, arg: string, io: Io): Promise<LsEntry[]> {
  const repo = await openRepo(g);
  const { ref, subpath } = splitSnapshotArg(arg);
  const snap = await repo.resolveSnapshot(ref);
  if (!filesComponent(snap.snapshot)) return [];
  const sel = await selectSubpath(repo, snap, subpath);
  const base = `/${subpath.split('/').filter(Boolean).join('/')}`.replace(/\/$/, '');
  const out: LsEntry[] = [];
  if (sel.kind === 'node') out.push(entry(base || '/', sel.node));
  else await walk(repo, sel.tree, base, out);
  if (g.json) printJson(io, out);
  else for (const e of out) io.out(`${e.type === 'dir' ? 'd' : e.type === 'symlink' ? 'l' : '-'}${(e.mode & 0o777).toString(8).padStart(3, '0')} ${String(e.size).padStart(12)}  ${e.path}${e.linktarget !== undefined ? ` -> ${e.linktarget}` : ''}`);
  return out;
}

async function walk(repo: Repository, tree: string, prefix: string, out: LsEntry[]): Promise<void> {
  for (const n of (await repo.loadTree(tree)).nodes) {
    const p = `${prefix}/${n.name}`;
    out.push(entry(p, n));
    if (n.type === 'dir' && n.subtree) await walk(repo, n.subtree, p, out);
  }
}

function entry(path: string, n: TreeNode): LsEntry {
  const nsToIso = (ns: string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
  return { path, type: n.type, size: n.size, mode: n.mode, mtime: nsToIso(n.mtime), ...(n.linktarget !== undefined ? { linktarget: n.linktarget } : {}) };
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('snapshots').description('list snapshots').action(async () => { await runSnapshots(globals(), io); });
  program.command('ls').description('list the files in a snapshot').argument('<snapshot>', "ID prefix or 'latest', optionally :subpath")
    .action(async (arg: string) => { await runLs(globals(), arg, io); });
}
