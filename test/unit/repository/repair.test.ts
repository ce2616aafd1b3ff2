// Degrading and repair at the repository level, on the memory and the local backend alike: junk in each
// object type (snapshot, index, lock, pack) is skipped with a warning naming it, and `repair index` /
// `repair snapshots` clear it into quarantine without deleting anything.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, FileType } from '../../../src/backends/backend.js';
import { createLocalBackend } from '../../../src/backends/local/local.js';
import { createMemoryBackend } from '../../../src/backends/memory/memory.js';
import { checkRepository } from '../../../src/repository/check.js';
import { BLOB_DATA, BLOB_TREE } from '../../../src/repository/index-memory.js';
import { RepoLock, unlockRepository } from '../../../src/repository/lock.js';
import { Packer } from '../../../src/repository/packer.js';
import {
  applyIndexRepair,
  applySnapshotRepair,
  planIndexRepair,
  planSnapshotRepair,
} from '../../../src/repository/repair.js';
import { Repository } from '../../../src/repository/repository.js';
import type { Snapshot } from '../../../src/repository/snapshot.js';
import { encodeTree, type TreeNode } from '../../../src/repository/tree.js';

const fastKdf = { N: 1024, r: 8, p: 1 };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const BACKENDS: [string, () => Promise<Backend>][] = [
  ['memory', async () => createMemoryBackend()],
  [
    'local',
    async () => {
      const d = await mkdtemp(join(tmpdir(), 'sb-repair-unit-'));
      dirs.push(d);
      return createLocalBackend(join(d, 'repo'));
    },
  ],
];

function fileNode(name: string, content: string[]): TreeNode {
  return {
    name,
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: '0',
    ctime: '0',
    size: 1,
    inode: '1',
    dev: '1',
    links: 1,
    content,
  };
}

function snapshot(tree: string, time: string): Snapshot {
  return {
    version: 1,
    time,
    host: 'h',
    username: 'u',
    paths: ['/'],
    tags: [],
    parent: null,
    program: 'test',
    components: [{ name: 'files', kind: 'files', tree, paths: ['/'] }],
  };
}

/** Two snapshots: "old" holds file a; "new" holds a and b, whose data sits in a pack of its own. */
async function fixture(backend: Backend) {
  const repo = await Repository.init(backend, 'pw', { kdf: fastKdf, packSize: 64 * 1024 });
  const p1 = new Packer(repo);
  const a = await p1.addPlain(BLOB_DATA, randomBytes(5000));
  const t1 = await p1.addPlain(BLOB_TREE, encodeTree({ nodes: [fileNode('a', [a.toString('hex')])] }));
  await p1.flush();
  const old = await repo.snapshots.save(snapshot(t1.toString('hex'), '2026-01-01T00:00:00Z'));
  const p2 = new Packer(repo);
  const b = await p2.addPlain(BLOB_DATA, randomBytes(6000));
  const t2 = await p2.addPlain(
    BLOB_TREE,
    encodeTree({ nodes: [fileNode('a', [a.toString('hex')]), fileNode('b', [b.toString('hex')])] }),
  );
  await p2.flush();
  const neu = await repo.snapshots.save(snapshot(t2.toString('hex'), '2026-01-02T00:00:00Z'));
  const bPack = repo.index.get(b)!.packId;
  const warnings: string[] = [];
  const reopened = await Repository.open(backend, 'pw', { warn: (m) => warnings.push(m) });
  await reopened.loadIndex();
  return { repo: reopened, old, neu, bPack, warnings };
}

async function names(b: Backend, type: FileType): Promise<string[]> {
  const out: string[] = [];
  for await (const f of b.list(type)) out.push(f.name);
  return out;
}

describe.each(BACKENDS)('on the %s backend', (_name, make) => {
  it.each([
    ['random bytes', randomBytes(300)],
    ['an empty object', Buffer.alloc(0)],
  ])('%s as a snapshot: skipped with a warning, then quarantined by repair snapshots', async (_w, junk) => {
    const backend = await make();
    const { repo, old, neu, warnings } = await fixture(backend);
    const name = sha(junk);
    await backend.save({ type: 'snapshot', name }, junk);
    expect((await repo.snapshots.list()).map((s) => s.id)).toEqual([neu, old]);
    expect(warnings.join('\n')).toMatch(new RegExp(`snapshot ${name}`));
    expect((await repo.snapshots.resolve(old.slice(0, 4))).id).toBe(old);
    expect((await checkRepository(repo, null)).errors.join('\n')).toMatch(new RegExp(`snapshot ${name}`));

    const plan = await planSnapshotRepair(repo);
    expect(plan.unreadable.map((d) => d.name)).toEqual([name]);
    expect(plan.rewrite).toEqual([]);
    await applySnapshotRepair(repo, plan);
    expect((await names(backend, 'snapshot')).sort()).toEqual([neu, old].sort());
    const q = await names(backend, 'quarantine');
    expect(q).toHaveLength(1);
    expect(q[0].startsWith(`snapshot-${name}-`)).toBe(true);
    expect(await backend.load({ type: 'quarantine', name: q[0] })).toEqual(junk);
    expect((await checkRepository(repo, { kind: 'all' })).errors).toEqual([]);
  });

  it('junk as an index: skipped with a warning (blobs of the good indexes stay readable); repair index replaces every index', async () => {
    const backend = await make();
    const { repo, warnings } = await fixture(backend);
    const junk = randomBytes(200);
    await backend.save({ type: 'index', name: sha(junk) }, junk);
    const before = await names(backend, 'index');
    await repo.loadIndex();
    expect(warnings.join('\n')).toMatch(new RegExp(`index ${sha(junk)}`));
    expect(repo.damagedIndexes.map((d) => d.name)).toEqual([sha(junk)]);
    const blobs = repo.index.size;
    expect(blobs).toBe(4);
    await expect(planSnapshotRepair(repo)).rejects.toThrow(/repair index' first/);

    const plan = await planIndexRepair(repo);
    expect(plan.blobs).toBe(4);
    expect(plan.oldIndexes.sort()).toEqual(before.sort());
    await applyIndexRepair(repo, plan);
    expect(repo.damagedIndexes).toEqual([]);
    expect(repo.index.size).toBe(4);
    expect((await names(backend, 'quarantine')).length).toBe(before.length);
    expect((await names(backend, 'index')).some((n) => before.includes(n))).toBe(false);
    expect((await checkRepository(repo, { kind: 'all' })).errors).toEqual([]);
  });

  it('junk as a lock: a lock can still be taken (with a warning); unlock moves it to quarantine', async () => {
    const backend = await make();
    const { repo } = await fixture(backend);
    const junkName = randomBytes(32).toString('hex');
    await backend.save({ type: 'lock', name: junkName }, randomBytes(40));
    const seen: string[] = [];
    const lock = await RepoLock.acquire(repo, true, { warn: (m) => seen.push(m) });
    await lock.release();
    expect(seen.join('\n')).toMatch(new RegExp(`lock ${junkName}`));
    expect((await checkRepository(repo, null)).errors.join('\n')).toMatch(new RegExp(`lock ${junkName}`));
    const r = await unlockRepository(repo);
    expect(r.unreadable.map((u) => u.name)).toEqual([junkName]);
    expect(await names(backend, 'lock')).toEqual([]);
    expect((await names(backend, 'quarantine'))[0].startsWith(`lock-${junkName}-`)).toBe(true);
  });

  it('a pack replaced by junk: repair index quarantines it, repair snapshots rewrites the snapshot that used it', async () => {
    const backend = await make();
    const { repo, old, neu, bPack } = await fixture(backend);
    await backend.remove({ type: 'data', name: bPack });
    await backend.save({ type: 'data', name: bPack }, randomBytes(300));
    const warned: string[] = [];
    const ip = await planIndexRepair(repo, (m) => warned.push(m));
    expect(ip.damagedPacks.map((d) => d.name)).toEqual([bPack]);
    expect(warned.join('\n')).toMatch(new RegExp(`pack ${bPack}`));
    await applyIndexRepair(repo, ip);
    expect(await names(backend, 'data')).not.toContain(bPack);

    const sp = await planSnapshotRepair(repo);
    expect(sp.rewrite.map((w) => [w.id, w.removed])).toEqual([[neu, ['/b']]]);
    expect(sp.intact).toBe(1);
    const done = await applySnapshotRepair(repo, sp);
    const list = await repo.snapshots.list();
    expect(list.map((s) => s.id).sort()).toEqual([old, done.written.get(neu)!].sort());
    const fixed = list.find((s) => s.id === done.written.get(neu))!.snapshot;
    expect(fixed.tags).toContain('repaired');
    expect(fixed.repaired).toMatchObject({ original: neu, removed: ['/b'] });
    expect(fixed.time).toBe('2026-01-02T00:00:00Z');
    const tree = await repo.loadTree((fixed.components[0] as { tree: string }).tree);
    expect(tree.nodes.map((n) => n.name)).toEqual(['a']);
    const q = await names(backend, 'quarantine');
    expect(q.some((n) => n.startsWith(`snapshot-${neu}-`))).toBe(true);
    expect(q.some((n) => n.startsWith(`data-${bPack}-`))).toBe(true);
    expect((await checkRepository(repo, { kind: 'all' })).errors).toEqual([]);
  });
});
