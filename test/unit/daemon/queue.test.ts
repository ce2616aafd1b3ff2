// The run queue: one task at a time per repository, a global limit, first come first served, no duplicates of a
// waiting or running job.
import { describe, expect, it } from 'vitest';
import { RunQueue } from '../../../src/daemon/queue.js';

/** A task that records when it starts and ends and finishes when told. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => {
    open = r;
  });
  return {
    open,
    run: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
  };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('RunQueue', () => {
  it('runs the backups of two apps sharing a repository one after the other, and another repository alongside', async () => {
    const log: string[] = [];
    const q = new RunQueue(4);
    const [a, b, c] = [gate(log, 'shop'), gate(log, 'blog'), gate(log, 'wiki')];
    q.add({ key: 'shop/daily', repository: 'main', run: a.run });
    q.add({ key: 'blog/daily', repository: 'main', run: b.run });
    q.add({ key: 'wiki/daily', repository: 'offsite', run: c.run });
    await tick();
    expect(log).toEqual(['start shop', 'start wiki']);
    a.open();
    await tick();
    expect(log).toEqual(['start shop', 'start wiki', 'end shop', 'start blog']);
    b.open();
    c.open();
    await q.idle();
    expect(log.slice(-2).sort()).toEqual(['end blog', 'end wiki']);
  });

  it('keeps to the global limit across repositories', async () => {
    const log: string[] = [];
    const q = new RunQueue(1);
    const [a, b] = [gate(log, 'a'), gate(log, 'b')];
    q.add({ key: 'a/daily', repository: 'r1', run: a.run });
    q.add({ key: 'b/daily', repository: 'r2', run: b.run });
    await tick();
    expect(q.size).toEqual({ waiting: 1, running: 1 });
    a.open();
    await tick();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.open();
    await q.idle();
  });

  it('does not add a job that waits or runs, adds it again once it ended, and goes on after a failing task', async () => {
    const q = new RunQueue(2);
    const log: string[] = [];
    const a = gate(log, 'a');
    expect(q.add({ key: 'shop/daily', repository: 'main', run: a.run })).toBe(true);
    expect(q.add({ key: 'shop/daily', repository: 'main', run: a.run })).toBe(false);
    expect(q.add({ key: 'shop/hourly', repository: 'main', run: () => Promise.reject(new Error('boom')) })).toBe(true);
    a.open();
    await q.idle();
    expect(
      q.add({
        key: 'shop/daily',
        repository: 'main',
        run: async () => {
          log.push('again');
        },
      }),
    ).toBe(true);
    await q.idle();
    expect(log).toEqual(['start a', 'end a', 'again']);
  });

  it('drops waiting tasks on request (a shutdown) and leaves the running one', async () => {
    const q = new RunQueue(1);
    const log: string[] = [];
    const a = gate(log, 'a');
    q.add({ key: 'a', repository: 'main', run: a.run });
    q.add({
      key: 'b',
      repository: 'main',
      run: async () => {
        log.push('b');
      },
    });
    await tick();
    expect(q.dropWaiting()).toEqual(['b']);
    a.open();
    await q.idle();
    expect(log).toEqual(['start a', 'end a']);
  });
});
