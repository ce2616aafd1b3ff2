// Resolving what to restore: "SNAPSHOT[:subpath]" → the node at that path inside the snapshot's tree.
// Pure lookups over trees, validating every name on the way.
import { StrongboxError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import { filesComponent, type FilesComponent, type SnapshotRef } from '../repository/snapshot.js';
import { assertSafeNode, type TreeNode } from '../repository/tree.js';

export function splitSnapshotArg(arg: string): { ref: string; subpath: string } {
  const i = arg.indexOf(':');
  return i < 0 ? { ref: arg, subpath: '' } : { ref: arg.slice(0, i), subpath: arg.slice(i + 1) };
}

/** The root to restore: a directory's tree ID (its children are restored), or a single node. */
export type Selection = { kind: 'tree'; tree: string } | { kind: 'node'; node: TreeNode };

export async function selectSubpath(
  repo: Repository,
  snap: SnapshotRef,
  subpath: string,
  comp: FilesComponent | undefined = filesComponent(snap.snapshot),
): Promise<Selection> {
  if (!comp) throw new StrongboxError('NOT_FOUND', `snapshot ${snap.id.slice(0, 8)} has no file tree component`);
  const parts = subpath.split('/').filter((p) => p !== '' && p !== '.');
  let tree = comp.tree;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === '..') throw new StrongboxError('USAGE', `subpath ${subpath} must not contain '..'`);
    const t = await repo.loadTree(tree);
    const node = findNode(t.nodes, parts[i], `/${parts.slice(0, i + 1).join('/')}`);
    if (!node)
      throw new StrongboxError(
        'NOT_FOUND',
        `path /${parts.slice(0, i + 1).join('/')} is not in snapshot ${snap.id.slice(0, 8)}`,
      );
    assertSafeNode(node, `snapshot ${snap.id.slice(0, 8)}`);
    if (i === parts.length - 1) {
      if (node.type === 'dir' && node.subtree) return { kind: 'tree', tree: node.subtree };
      return { kind: 'node', node };
    }
    if (node.type !== 'dir' || !node.subtree)
      throw new StrongboxError(
        'NOT_FOUND',
        `/${parts.slice(0, i + 1).join('/')} in snapshot ${snap.id.slice(0, 8)} is not a directory`,
      );
    tree = node.subtree;
  }
  return { kind: 'tree', tree };
}

/**
 * The node named `name`: a UTF-8 name exactly, else a name that is not UTF-8 by its lossy form (U+FFFD for each
 * invalid byte, as `ls --json` shows it) when only one entry has that form.
 */
function findNode(nodes: TreeNode[], name: string, where: string): TreeNode | undefined {
  const exact = nodes.find((n) => n.nameBytes === undefined && n.name === name);
  if (exact) return exact;
  const lossy = nodes.filter((n) => n.nameBytes !== undefined && n.name === name);
  if (lossy.length > 1) {
    throw new StrongboxError(
      'USAGE',
      `${where} matches ${lossy.length} entries whose names are not UTF-8; restore their parent directory instead`,
    );
  }
  return lossy[0];
}
