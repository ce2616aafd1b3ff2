// Tree packs read whole on persistent stores: walking a snapshot of many directories reads each tree pack once
// instead of once per directory, on a store with a round trip per request and on this machine's disk alike (there a
// ranged read per directory costs three thread-pool round trips). And the cache itself:
// least recently used packs leave first once the byte budget is exceeded, and a failed read is not remembered.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Handle } from '../../../src/backends/backend.js';
import { createMemoryBackend } from '../../../src/backends/memory/memory.js';
import { backup } from '../../../src/archiver/archiver.js';
import { Repository } from '../../../src/repository/repository.js';
import { TreePackCache } from '../../../src/repository/tree-packs.js';

const kdf = { N: 1024, r: 8, p: 1 };

/** A memory store that says it persists (as a remote store does) and counts reads of data packs. */
function remoteLike(inner: Backend): Backend & { dataLoads: number; ranged: number } {
  const b = {
    ...inner,
    capabilities: { ...inner.capabilities, persistent: true },
    dataLoads: 0,
    ranged: 0,
    async load(h: Handle, range?: { offset: number; length: number }) {
      if (h.type === 'data') {
        b.dataLoads++;
        if (range) b.ranged++;
      }
      return inner.load(h, range);
    },
  };
  return b;
}

async function walk(repo: Repository, treeId: string): Promise<number> {
  let dirs = 1;
  for (const n of (await repo.loadTree(treeId)).nodes)
    if (n.type === 'dir' && n.subtree) dirs += await walk(repo, n.subtree);
  return dirs;
}

describe('tree packs on a store with a round trip per request', () => {
  let src: string;
  beforeAll(() => {
    src = mkdtempSync(join(tmpdir(), 'sb-treepacks-'));
    for (let d = 0; d < 60; d++) {
      mkdirSync(join(src, `d${d}`, 'sub'), { recursive: true });
      writeFileSync(join(src, `d${d}`, 'sub', 'f.txt'), `file ${d}\n`);
    }
  });
  afterAll(() => rmSync(src, { recursive: true, force: true }));

  it('reads each tree pack once, whole, to walk a snapshot of 120 directories', async () => {
    const store = remoteLike(createMemoryBackend());
    const writer = await Repository.init(store, 'pw', { kdf });
    const { id } = await backup(writer, { paths: [src], threads: 1 });
    await writer.close();
    const repo = await Repository.open(store, 'pw');
    await repo.loadIndex();
    const snap = await repo.snapshots.load(id);
    store.dataLoads = 0;
    store.ranged = 0;
    const dirs = await walk(repo, (snap.components[0] as { tree: string }).tree);
    expect(dirs).toBeGreaterThan(120);
    expect(store.dataLoads).toBe(1);
    expect(store.ranged).toBe(0);
    await repo.close();
  });

  it('reads each tree pack once, whole, where the store is on this machine too', async () => {
    const inner = createMemoryBackend();
    const store = Object.assign(remoteLike(inner), { localPath: '/nonexistent-local-store' });
    const writer = await Repository.init(store, 'pw', { kdf });
    const { id } = await backup(writer, { paths: [src], threads: 1 });
    await writer.close();
    const repo = await Repository.open(store, 'pw');
    await repo.loadIndex();
    const snap = await repo.snapshots.load(id);
    store.dataLoads = 0;
    store.ranged = 0;
    const dirs = await walk(repo, (snap.components[0] as { tree: string }).tree);
    expect(dirs).toBeGreaterThan(120);
    expect(store.dataLoads).toBe(1);
    expect(store.ranged).toBe(0);
    await repo.close();
  });
});

describe('TreePackCache', () => {
  it('evicts the least recently used packs past its byte budget and reads an evicted pack again', async () => {
    const reads: string[] = [];
    const cache = new TreePackCache(async (id) => {
      reads.push(id);
      return Buffer.alloc(100, id.charCodeAt(0));
    }, 250);
    await cache.slice('a', 0, 10);
    await cache.slice('b', 0, 10);
    await cache.slice('a', 5, 10); // a is now the most recently used
    await cache.slice('c', 0, 10); // 300 bytes > 250: b goes
    expect(cache.cachedBytes).toBe(200);
    await cache.slice('a', 0, 1);
    await cache.slice('b', 0, 1);
    expect(reads).toEqual(['a', 'b', 'c', 'b']);
    expect((await cache.slice('c', 10, 3)).equals(Buffer.alloc(3, 'c'.charCodeAt(0)))).toBe(true);
  });

  it('does not remember a failed read, and refuses a range outside the pack', async () => {
    let calls = 0;
    const cache = new TreePackCache(async () => {
      calls++;
      if (calls === 1) throw new Error('connection reset');
      return Buffer.alloc(10);
    });
    await expect(cache.slice('p', 0, 1)).rejects.toThrow('connection reset');
    await new Promise((r) => setTimeout(r, 0));
    expect((await cache.slice('p', 0, 4)).length).toBe(4);
    expect(calls).toBe(2);
    await expect(cache.slice('p', 8, 4)).rejects.toThrow(/outside pack p/);
  });
});
