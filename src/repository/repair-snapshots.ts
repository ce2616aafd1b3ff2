// `repair snapshots`: move unreadable snapshot objects to quarantine, and rewrite snapshots whose trees or
// dumps reference data the index does not hold: damaged files and dumps are left out, an unreadable
// directory becomes empty, and the rewritten snapshot is tagged "repaired" (format doc, "Repair").
import { StrongboxError } from '../errors.js';
import { blobId } from './crypto.js';
import { BLOB_TREE } from './index-memory.js';
import { Packer } from './packer.js';
import { quarantine } from './quarantine.js';
import type { DamagedObject, Repository } from './repository.js';
import { type Component, type Snapshot } from './snapshot.js';
import { encodeTree, type Tree } from './tree.js';

export interface SnapshotRewrite {
  /** The original snapshot (moved to quarantine). */
  id: string;
  /** What the repaired snapshot leaves out: paths of files and directories, and `database NAME`. */
  removed: string[];
  snapshot: Snapshot;
}

export interface SnapshotRepairPlan {
  unreadable: DamagedObject[];
  rewrite: SnapshotRewrite[];
  /** Tree blobs the rewritten snapshots need that are not stored yet (by hex ID). */
  newTrees: Map<string, Buffer>;
  intact: number;
}

/** Read every snapshot and walk its trees; nothing is written. Refuses while an index object is damaged. */
export async function planSnapshotRepair(repo: Repository): Promise<SnapshotRepairPlan> {
  if (repo.damagedIndexes.length) {
    // Blobs a damaged index lists would look missing, and files that 'repair index' can save would be dropped.
    throw new StrongboxError(
      'INTEGRITY',
      `${repo.damagedIndexes.length} index object(s) cannot be read` +
        ` (${repo.damagedIndexes.map((d) => d.name.slice(0, 8)).join(', ')}): run 'strongbox repair index' first`,
    );
  }
  const { snapshots, damaged } = await repo.snapshots.read();
  const plan: SnapshotRepairPlan = { unreadable: damaged, rewrite: [], newTrees: new Map(), intact: 0 };
  const fixer = new TreeFixer(repo, plan.newTrees);
  for (const { id, snapshot } of snapshots) {
    const removed: string[] = [];
    const components: Component[] = [];
    for (const c of snapshot.components) {
      if (c.kind === 'files' || c.kind === 'bucket') {
        const r = await fixer.fix(c.tree);
        const root = r ?? { id: fixer.emptyTree(), removed: ['/'] };
        removed.push(...root.removed.map((p) => (c.name === 'files' ? p : `${c.name}:${p}`)));
        components.push({ ...c, tree: root.id });
      } else if (c.kind === 'database') {
        if (c.content.every((b) => repo.index.has(Buffer.from(b, 'hex')))) components.push(c);
        else removed.push(`database ${c.name}`);
      } else components.push(c);
    }
    if (!removed.length) {
      plan.intact++;
      continue;
    }
    const tags = snapshot.tags.includes('repaired') ? snapshot.tags : [...snapshot.tags, 'repaired'];
    const repaired = { time: new Date(repo.clock.now()).toISOString(), original: id, removed };
    plan.rewrite.push({ id, removed, snapshot: { ...snapshot, tags, components, repaired } });
  }
  return plan;
}

/** Rewrites trees bottom-up; a result is memoized per tree ID (paths inside it are relative to it). */
class TreeFixer {
  private readonly memo = new Map<string, { id: string; removed: string[] } | null>();
  constructor(
    private readonly repo: Repository,
    private readonly newTrees: Map<string, Buffer>,
  ) {}

  /** The repaired tree's ID and what it lost ("/a/b" below it), or null when the tree itself is unreadable. */
  async fix(treeId: string): Promise<{ id: string; removed: string[] } | null> {
    if (this.memo.has(treeId)) return this.memo.get(treeId)!;
    let tree: Tree;
    try {
      if (!this.repo.index.has(Buffer.from(treeId, 'hex'))) throw new Error('missing');
      tree = await this.repo.loadTree(treeId);
    } catch {
      this.memo.set(treeId, null);
      return null;
    }
    const removed: string[] = [];
    const nodes = [];
    for (const n of tree.nodes) {
      if (n.content?.some((b) => !this.repo.index.has(Buffer.from(b, 'hex')))) {
        removed.push(`/${n.name}`);
        continue;
      }
      if (n.type === 'dir' && n.subtree) {
        const sub = await this.fix(n.subtree);
        if (!sub) {
          removed.push(`/${n.name}/`);
          nodes.push({ ...n, subtree: this.emptyTree() });
          continue;
        }
        removed.push(...sub.removed.map((p) => `/${n.name}${p}`));
        nodes.push(sub.id === n.subtree ? n : { ...n, subtree: sub.id });
      } else nodes.push(n);
    }
    const r = removed.length ? { id: this.store({ nodes }), removed } : { id: treeId, removed };
    this.memo.set(treeId, r);
    return r;
  }

  emptyTree(): string {
    return this.store({ nodes: [] });
  }

  private store(t: Tree): string {
    const plain = encodeTree(t);
    const id = blobId(this.repo.key.idKey, plain).toString('hex');
    if (!this.repo.index.has(Buffer.from(id, 'hex'))) this.newTrees.set(id, plain);
    return id;
  }
}

export interface SnapshotRepairResult {
  /** Original ID → repaired snapshot ID. */
  written: Map<string, string>;
  quarantined: string[];
}

/** New trees (packs, then their index), then the repaired snapshots; only then the originals move aside. */
export async function applySnapshotRepair(repo: Repository, plan: SnapshotRepairPlan): Promise<SnapshotRepairResult> {
  const packer = new Packer(repo, 1);
  for (const plain of plan.newTrees.values()) await packer.addPlain(BLOB_TREE, plain);
  await packer.flush();
  const written = new Map<string, string>();
  for (const w of plan.rewrite) written.set(w.id, await repo.snapshots.save(w.snapshot));
  const quarantined: string[] = [];
  for (const w of plan.rewrite) quarantined.push(await quarantine(repo, { type: 'snapshot', name: w.id }));
  for (const d of plan.unreadable) quarantined.push(await quarantine(repo, { type: 'snapshot', name: d.name }));
  return { written, quarantined };
}
