// Damaging a repository on purpose, for the restore-integrity tests: which blobs (and packs) a file of the
// latest snapshot is made of, a flipped byte in the middle of one blob, and the names a restore stages under.
import { chmod, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openBackend } from '../../src/backends/index.js';
import { Repository } from '../../src/repository/repository.js';
import { nodeName, type TreeNode } from '../../src/repository/tree.js';
import { PASSWORD } from './helpers.js';

export interface StoredBlob {
  blob: string;
  pack: string;
  offset: number;
  length: number;
}

/**
 * Every file of the latest snapshot (its path as backed up) with the blobs it is made of, in order; a database
 * component's dump under `db:NAME`.
 */
export async function fileBlobs(repoPath: string, password = PASSWORD): Promise<Map<string, StoredBlob[]>> {
  const repo = await Repository.open(await openBackend(repoPath), password);
  try {
    await repo.loadIndex();
    const snap = (await repo.snapshots.list())[0].snapshot;
    const out = new Map<string, StoredBlob[]>();
    const stored = (id: string): StoredBlob => {
      const loc = repo.index.get(Buffer.from(id, 'hex'))!;
      return { blob: id, pack: loc.packId, offset: loc.offset, length: loc.length };
    };
    const walk = async (tree: string, dir: string): Promise<void> => {
      for (const n of (await repo.loadTree(tree)).nodes as TreeNode[]) {
        const p = `${dir}/${nodeName(n).str}`;
        if (n.type === 'dir' && n.subtree) await walk(n.subtree, p);
        if (n.type === 'file') out.set(p, (n.content ?? []).map(stored));
      }
    };
    for (const c of snap.components) {
      if (c.kind === 'files') await walk(c.tree, '');
      else if (c.kind === 'database') out.set(`db:${c.name}`, c.content.map(stored));
    }
    return out;
  } finally {
    await repo.close();
  }
}

export const packFile = (repo: string, pack: string) => join(repo, 'data', pack.slice(0, 2), pack);

/** XOR one byte in the middle of a stored blob (pack files are read-only). */
export async function flipMiddle(repo: string, b: StoredBlob): Promise<void> {
  const file = packFile(repo, b.pack);
  await chmod(file, 0o644);
  const fh = await open(file, 'r+');
  try {
    const pos = b.offset + Math.floor(b.length / 2);
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, pos);
    buf[0] ^= 0x01;
    await fh.write(buf, 0, 1, pos);
  } finally {
    await fh.close();
  }
}

/** Names below `dir` that a restore uses while writing (none may be left behind). */
export async function stagingLeftovers(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => e.split('/').pop()!.startsWith('.strongbox-restore-'));
}
