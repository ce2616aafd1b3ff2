import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Handle, SaveOptions } from '../../../src/backends/backend.js';
import { createMemoryBackend } from '../../../src/backends/memory/memory.js';
import { fixedClock } from '../../../src/clock.js';
import { BLOB_DATA, BLOB_TREE } from '../../../src/repository/index-memory.js';
import { readPackHeader } from '../../../src/repository/pack.js';
import { Packer } from '../../../src/repository/packer.js';
import { Repository } from '../../../src/repository/repository.js';

const fastKdf = { N: 1024, r: 8, p: 1 };

async function newRepo(packSize = 64 * 1024) {
  const backend = createMemoryBackend();
  const repo = await Repository.init(backend, 'pw', { kdf: fastKdf, packSize, clock: fixedClock(0) });
  return { backend, repo };
}

/** A memory backend that asks for `connections` and records how many data saves were in flight at most. */
function slowBackend(connections: number) {
  const inner = createMemoryBackend();
  const seen = { inFlight: 0, max: 0 };
  const backend = {
    ...inner,
    capabilities: { ...inner.capabilities, connections },
    async save(h: Handle, data: Uint8Array, o?: SaveOptions) {
      if (h.type !== 'data') return inner.save(h, data, o);
      seen.max = Math.max(seen.max, ++seen.inFlight);
      await new Promise((r) => setTimeout(r, 20));
      seen.inFlight--;
      return inner.save(h, data, o);
    },
  };
  return { backend, seen };
}

describe('Packer', () => {
  it('uploads as many packs at once as the backend asks connections for, and no more', async () => {
    for (const connections of [1, 3]) {
      const { backend, seen } = slowBackend(connections);
      const repo = await Repository.init(backend, 'pw', { kdf: fastKdf, packSize: 16 * 1024, clock: fixedClock(0) });
      const packer = new Packer(repo);
      for (let i = 0; i < 40; i++) await packer.addPlain(BLOB_DATA, randomBytes(8000));
      await packer.flush();
      expect(seen.max).toBe(connections);
    }
  });

  it('writes packs of about the target size, then one index naming every blob, and deduplicates', async () => {
    const { backend, repo } = await newRepo();
    const packer = new Packer(repo);
    const blobs = Array.from({ length: 40 }, (_, i) => randomBytes(4000 + i));
    const ids = [];
    for (const b of blobs) ids.push(await packer.addPlain(BLOB_DATA, b));
    expect((await packer.addPlain(BLOB_DATA, blobs[3])).equals(ids[3])).toBe(true); // duplicate: same ID, not stored twice
    await packer.addPlain(BLOB_TREE, Buffer.from('{"nodes":[]}'));
    await packer.flush();
    expect(packer.stats.blobsAdded).toBe(41);
    const packs = [];
    for await (const f of backend.list('data')) packs.push(f);
    expect(packs.length).toBeGreaterThanOrEqual(3); // 160 KB of data in 64 KiB packs, plus a tree pack
    for (const p of packs) {
      const bytes = await backend.load({ type: 'data', name: p.name });
      const entries = readPackHeader(bytes, bytes.length, repo.key.encKey, p.name);
      expect(entries.every((e) => e.type === entries[0].type)).toBe(true); // trees and data never share a pack
    }
    // a fresh open sees every blob through the index objects alone
    const again = await Repository.open(backend, 'pw');
    await again.loadIndex();
    for (let i = 0; i < blobs.length; i++) expect((await again.loadBlob(ids[i], true)).equals(blobs[i])).toBe(true);
  });

  it('abandon() waits for the pack saves in flight and starts no more (no half-written pack is left)', async () => {
    const { backend, repo } = await newRepo();
    const save = backend.save.bind(backend);
    const packs = { started: 0, saved: 0 };
    backend.save = async (h, data, opts) => {
      if (h.type === 'data') packs.started++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      await save(h, data, opts);
      if (h.type === 'data') packs.saved++;
    };
    const packer = new Packer(repo);
    // 80 KB: one 64 KiB pack is being saved
    for (let i = 0; i < 20; i++) await packer.addPlain(BLOB_DATA, randomBytes(4000));
    expect(packs).toEqual({ started: 1, saved: 0 });
    await packer.abandon();
    expect(packs).toEqual({ started: 1, saved: 1 });
    await packer.addPlain(BLOB_DATA, randomBytes(70_000)).catch(() => {}); // would finish the open pack
    expect(packs.started).toBe(1);
  });

  it('refuses a wrong password and names the repository', async () => {
    const { backend } = await newRepo();
    await expect(Repository.open(backend, 'nope')).rejects.toThrow(/no key in the repository at memory:.* opens/);
  });
});
