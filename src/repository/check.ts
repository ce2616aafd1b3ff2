// `check`: structural verification of a repository (indexes, packs present with the right sizes,
// snapshots, every reachable tree and blob), and with readData, decryption of every blob in chosen packs.
import { randomInt } from 'node:crypto';
import { blobId, SEAL_OVERHEAD, sha256Hex } from './crypto.js';
import { PACK_ENTRY_LEN, readPackHeader } from './pack.js';
import { readAllLocks } from './lock.js';
import type { Repository } from './repository.js';
import { assertTreeNames } from './tree.js';
import type { DatabaseComponent, FilesComponent } from './snapshot.js';

export type DataSubset =
  { kind: 'all' } | { kind: 'percent'; percent: number } | { kind: 'part'; n: number; m: number };

export interface CheckResult {
  errors: string[];
  notes: string[];
  snapshots: number;
  trees: number;
  packs: number;
  packsRead: number;
  blobsRead: number;
}

export async function checkRepository(repo: Repository, readData: DataSubset | null): Promise<CheckResult> {
  const r: CheckResult = { errors: [], notes: [], snapshots: 0, trees: 0, packs: 0, packsRead: 0, blobsRead: 0 };
  const err = (m: string) => r.errors.push(m);
  // 1. indexes
  const expected = await checkIndexes(repo, r);
  // 2. packs
  const stored = new Map<string, number>();
  for await (const f of repo.backend.list('data')) stored.set(f.name, f.size);
  r.packs = stored.size;
  for (const [id, size] of expected) {
    const got = stored.get(id);
    if (got === undefined) err(`pack ${id} is listed in the index but missing from storage`);
    else if (got !== size) err(`pack ${id} has ${got} bytes, the index implies ${size}`);
  }
  for (const id of stored.keys())
    if (!expected.has(id))
      r.notes.push(`pack ${id} is not in any index (unreferenced data, e.g. from an interrupted backup)`);
  // 3. snapshots and trees
  await checkSnapshots(repo, r);
  // Lock files that do not open cannot be valid locks; they block nobody, but are damage all the same.
  for (const u of (await readAllLocks(repo)).unreadable)
    err(`${u.message} (not a valid lock; 'strongbox unlock' moves it to quarantine)`);
  // 4. data
  if (readData)
    await readPacks(
      repo,
      [...expected.keys()].filter((id) => stored.has(id) && chosen(id, readData)),
      stored,
      r,
    );
  return r;
}

/**
 * Every index object read: damaged and superseded ones noted, the live ones' blobs added to the repository index.
 * Returns each pack's size as the index implies it. The index bodies are garbage once this returns (a million blobs
 * are 46 MB of them: they must not stay alive while the packs are read).
 */
async function checkIndexes(repo: Repository, r: CheckResult): Promise<Map<string, number>> {
  const expected = new Map<string, number>();
  const indexes = await repo.readIndexes();
  for (const d of indexes.damaged) r.errors.push(d.message);
  // An index superseded by another (prune's rewrite) no longer counts; prune deletes it.
  for (const name of indexes.superseded) {
    r.notes.push(`index ${name.slice(0, 8)} is superseded (left by an interrupted prune; the next prune removes it)`);
  }
  for (const { idx } of indexes.live) {
    for (const p of idx.packs) {
      const entries = p.entries;
      const size = entries.reduce((a, e) => a + e.length, 0) + SEAL_OVERHEAD + entries.length * PACK_ENTRY_LEN + 4;
      expected.set(p.packId, size);
      for (const e of entries) repo.index.add(e.id, { ...e, packId: p.packId });
    }
  }
  return expected;
}

async function checkSnapshots(repo: Repository, r: CheckResult): Promise<void> {
  const names: string[] = [];
  for await (const f of repo.backend.list('snapshot')) names.push(f.name);
  const seen = new Set<string>();
  const walk = async (treeId: string, where: string): Promise<void> => {
    if (seen.has(treeId)) return;
    seen.add(treeId);
    r.trees++;
    let tree;
    try {
      tree = await repo.loadTree(treeId);
    } catch (e) {
      r.errors.push(`${where}: tree ${treeId}: ${(e as Error).message}`);
      return;
    }
    try {
      assertTreeNames(tree, `${where}: tree ${treeId}`);
    } catch (e) {
      r.errors.push((e as Error).message);
      return;
    }
    for (const n of tree.nodes) {
      for (const id of n.content ?? [])
        if (!repo.index.has(Buffer.from(id, 'hex')))
          r.errors.push(`${where}/${n.name}: data blob ${id} is not in the index`);
      if (n.type === 'dir' && n.subtree) await walk(n.subtree, `${where}/${n.name}`);
    }
  };
  for (const name of names) {
    try {
      const s = await repo.snapshots.load(name);
      r.snapshots++;
      for (const c of s.components as { kind: string; name: string }[]) {
        const where = `snapshot ${name.slice(0, 8)}`;
        if (c.kind === 'files' || c.kind === 'bucket')
          await walk((c as FilesComponent).tree, s.components.length > 1 ? `${where} ${c.name}` : where);
        else if (c.kind === 'database') checkStream(repo, c as DatabaseComponent, `${where}: database ${c.name}`, r);
        else r.notes.push(`${where}: component ${c.name} of kind ${c.kind} is not checked by this version`);
      }
    } catch (e) {
      r.errors.push((e as Error).message);
    }
  }
}

/** Every blob of a stored dump is indexed and is data; their recorded sizes add up to the dump's size. */
function checkStream(repo: Repository, c: DatabaseComponent, where: string, r: CheckResult): void {
  let size = 0;
  for (const id of c.content) {
    const e = repo.index.get(Buffer.from(id, 'hex'));
    if (!e) r.errors.push(`${where}: data blob ${id} is not in the index`);
    else size += e.rawLength;
  }
  if (size !== c.size && !r.errors.some((m) => m.startsWith(where)))
    r.errors.push(`${where}: its blobs hold ${size} bytes, the snapshot records ${c.size}`);
}

function chosen(packId: string, s: DataSubset): boolean {
  if (s.kind === 'all') return true;
  if (s.kind === 'part') return parseInt(packId.slice(0, 8), 16) % s.m === s.n - 1;
  return randomInt(1_000_000) < s.percent * 10_000;
}

async function readPacks(repo: Repository, packs: string[], sizes: Map<string, number>, r: CheckResult): Promise<void> {
  for (const id of packs) {
    let bytes: Buffer;
    try {
      bytes = await repo.load({ type: 'data', name: id });
    } catch (e) {
      r.errors.push((e as Error).message);
      continue;
    }
    r.packsRead++;
    if (sha256Hex(bytes) !== id) {
      r.errors.push(`pack ${id}: content does not match its name (corrupt or tampered)`);
      continue;
    }
    try {
      for (const e of readPackHeader(bytes, sizes.get(id) ?? bytes.length, repo.key.encKey, id)) {
        const plain = repo.decodeBlob(e.id, bytes.subarray(e.offset, e.offset + e.length), e.compressed, id);
        if (plain.length !== e.rawLength || !blobId(repo.key.idKey, plain).equals(e.id)) {
          r.errors.push(`blob ${e.id.toString('hex')} in pack ${id}: content does not match its ID`);
        }
        r.blobsRead++;
      }
    } catch (e) {
      r.errors.push((e as Error).message);
    }
  }
}
