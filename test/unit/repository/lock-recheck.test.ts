// The lock protocol on stores whose listing may lag behind writes: after the first look finds no conflicting lock, a
// second look after a delay must still catch a lock that another process wrote at the same moment. Where the
// listing is consistent, write-then-list is enough (atomic create or not: lock names are random) and nothing waits. And two inits racing
// on such a store: one wins, the other is told.
import { describe, expect, it } from 'vitest';
import type { Backend, FileInfo, FileType } from '../../../src/backends/backend.js';
import { createMemoryBackend } from '../../../src/backends/memory/memory.js';
import { fixedClock } from '../../../src/clock.js';
import { isStrongboxError } from '../../../src/errors.js';
import { RepoLock } from '../../../src/repository/lock.js';
import { Repository } from '../../../src/repository/repository.js';

const kdf = { N: 1024, r: 8, p: 1 };

/**
 * The same store seen through weaker capabilities, whose first listing of locks misses every lock but the
 * newest one written through it: as if another process's lock had been written while that listing ran.
 */
function racyView(inner: Backend, consistentListing: boolean): Backend {
  let listings = 0;
  let mine = '';
  return {
    ...inner,
    capabilities: { ...inner.capabilities, atomicCreate: false, consistentListing },
    async save(h, data, o) {
      if (h.type === 'lock') mine = h.name;
      return inner.save(h, data, o);
    },
    async *list(type: FileType): AsyncIterable<FileInfo> {
      const first = type === 'lock' && listings++ === 1; // listing 0 is the stale-lock sweep
      for await (const f of inner.list(type)) if (!first || f.name === mine) yield f;
    },
  };
}

async function setup(consistentListing: boolean) {
  const inner = createMemoryBackend();
  await Repository.init(inner, 'pw', { kdf, clock: fixedClock(Date.parse('2026-01-01T00:00:00Z')) });
  const other = await Repository.open(inner, 'pw');
  const held = await RepoLock.acquire(other, true);
  const repo = await Repository.open(racyView(inner, consistentListing), 'pw');
  return { repo, held };
}

describe('lock re-check', () => {
  it('catches a conflicting lock the first listing missed when the listing may lag', async () => {
    const { repo, held } = await setup(false);
    const err = await RepoLock.acquire(repo, true, { recheckDelayMs: 5 }).catch((e: unknown) => e);
    expect(isStrongboxError(err, 'LOCKED')).toBe(true);
    const left = [];
    for await (const f of repo.backend.list('lock')) left.push(f.name);
    expect(left).toHaveLength(1); // our own lock was removed again
    await held.release();
  });

  it('looks only once where the listing is consistent, even without atomic create (so the faked race goes unseen)', async () => {
    const { repo, held } = await setup(true);
    const lock = await RepoLock.acquire(repo, true, { recheckDelayMs: 5 });
    await lock.release();
    await held.release();
  });
});

describe('init on a store without atomic create', () => {
  it("tells the loser of two racing inits, and the winner's repository opens", async () => {
    const inner = createMemoryBackend();
    // Check, then write: both inits see no config, both write one, the later write wins.
    const view: Backend = {
      ...inner,
      capabilities: { ...inner.capabilities, atomicCreate: false },
      save: async (h, data) => {
        await new Promise((r) => setTimeout(r, 5));
        return inner.save(h, data);
      },
    };
    const results = await Promise.allSettled([
      Repository.init(view, 'one', { kdf, recheckDelayMs: 50 }),
      Repository.init(view, 'two', { kdf, recheckDelayMs: 50 }),
    ]);
    const lost = results.filter((r) => r.status === 'rejected');
    expect(lost).toHaveLength(1);
    expect(isStrongboxError((lost[0] as PromiseRejectedResult).reason, 'REPO_EXISTS')).toBe(true);
    const won = results.findIndex((r) => r.status === 'fulfilled');
    await expect(Repository.open(inner, won === 0 ? 'one' : 'two')).resolves.toBeDefined();
  });
});
