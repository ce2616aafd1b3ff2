// Taking a lock leaves nothing behind when it fails after the lock object was written: a listing of locks that
// fails (a cancelled operation, a store that stops answering) removes the lock just written before the error goes on.
import { expect, it } from 'vitest';
import { createMemoryBackend } from '../../../src/backends/memory/memory.js';
import { withFaults } from '../../../src/backends/wrappers/faults.js';
import { fixedClock } from '../../../src/clock.js';
import { RepoLock } from '../../../src/repository/lock.js';
import { Repository } from '../../../src/repository/repository.js';

it('removes the lock it wrote when the conflict check cannot list locks', async () => {
  const inner = createMemoryBackend();
  await Repository.init(inner, 'pw', {
    kdf: { N: 1024, r: 8, p: 1 },
    clock: fixedClock(Date.parse('2026-01-01T00:00:00Z')),
  });
  // Listing 1 is the stale-lock sweep; listing 2, after the lock is written, is the conflict check: it fails.
  const faulty = withFaults(inner);
  const repo = await Repository.open(faulty, 'pw');
  let listings = 0;
  const list = faulty.list.bind(faulty);
  faulty.list = (type, o) => {
    if (type === 'lock' && ++listings === 2) faulty.inject({ op: 'list', type: 'lock', kind: 'permanent' });
    return list(type, o);
  };
  await expect(RepoLock.acquire(repo, true)).rejects.toThrow(/injected permanent fault: list/);
  const left = [];
  for await (const f of inner.list('lock')) left.push(f.name);
  expect(left).toEqual([]);
});
