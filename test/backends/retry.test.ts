// withRetry over withFaults(memory): transient failures are retried with capped exponential backoff,
// permanent ones are not, an exclusive save whose reply was lost still succeeds, and listings resume.

import { describe, expect, it } from 'vitest';
import type { Backend, Handle } from '../../src/backends/backend.js';
import { createMemoryBackend } from '../../src/backends/memory/memory.js';
import { withFaults, type Fault } from '../../src/backends/wrappers/faults.js';
import { withRetry, type RetryInfo, type RetryOptions } from '../../src/backends/wrappers/retry.js';
import { bytes, collect, hexName, rejection } from '../conformance/fixtures.js';

const h: Handle = { type: 'data', name: hexName('retry') };

function setup(faults: Fault[], opts: RetryOptions = {}) {
  const memory = createMemoryBackend();
  const faulty = withFaults(memory, { faults });
  const retries: RetryInfo[] = [];
  const sleeps: number[] = [];
  const backend = withRetry(faulty, {
    random: () => 1,
    sleep: async (ms) => void sleeps.push(ms),
    onRetry: (info) => void retries.push(info),
    ...opts,
  });
  return { memory, faulty, backend, retries, sleeps };
}

describe('withRetry', () => {
  it('retries transient failures until the operation succeeds', async () => {
    const t = setup([
      { op: 'save', count: 2 },
      { op: 'load', count: 3 },
    ]);
    await t.backend.save(h, bytes(10));
    expect((await t.backend.load(h)).equals(bytes(10))).toBe(true);
    expect(t.faulty.stats.calls).toMatchObject({ save: 3, load: 4 });
    expect(t.retries.map((r) => [r.op, r.attempt])).toEqual([
      ['save', 1],
      ['save', 2],
      ['load', 1],
      ['load', 2],
      ['load', 3],
    ]);
    expect(t.retries[0].handle).toEqual(h);
  });

  it('does not retry permanent, not-found or already-exists errors', async () => {
    const t = setup([{ op: 'save', kind: 'permanent' }]);
    expect(t.backend.isPermanent(await rejection(t.backend.save(h, bytes(1))))).toBe(true);
    expect(t.backend.isNotFound(await rejection(t.backend.load(h)))).toBe(true);
    await t.memory.save(h, bytes(1));
    expect(t.backend.isAlreadyExists(await rejection(t.backend.save(h, bytes(2), { exclusive: true })))).toBe(true);
    expect(t.faulty.stats.calls).toMatchObject({ save: 2, load: 1 });
    expect(t.retries).toEqual([]);
  });

  it('gives up after the configured number of retries with the last error', async () => {
    const t = setup([{ op: 'stat', count: 10 }], { retries: 3 });
    await t.memory.save(h, bytes(1));
    const err = await rejection(t.backend.stat(h));
    expect(String(err)).toContain('injected transient fault');
    expect(t.faulty.stats.calls.stat).toBe(4);
    expect(t.retries).toHaveLength(3);
  });

  it('doubles the delay from baseDelayMs up to maxDelayMs', async () => {
    const t = setup([{ op: 'remove', count: 5 }], { baseDelayMs: 100, maxDelayMs: 1000 });
    await t.backend.remove(h);
    expect(t.sleeps).toEqual([100, 200, 400, 800, 1000]);
    expect(t.retries.map((r) => r.delayMs)).toEqual(t.sleeps);
  });

  it('uses the defaults of 5 retries from 200 ms, with jitter down to half the nominal delay', async () => {
    const t = setup([{ op: 'create', count: 9 }], { random: () => 0 });
    await rejection(t.backend.create());
    expect(t.sleeps).toEqual([100, 200, 400, 800, 1600]);
  });

  it('treats an exclusive save as done when a lost reply hid that it stored our bytes', async () => {
    const t = setup([{ op: 'save', after: true }]);
    await t.backend.save(h, bytes(30), { exclusive: true });
    expect(t.faulty.stats.calls.save).toBe(2);
    expect((await t.memory.load(h)).equals(bytes(30))).toBe(true);
  });

  it('keeps already-exists for a retried exclusive save when someone else stored different bytes', async () => {
    const memory = createMemoryBackend();
    let first = true;
    const racing: Backend = {
      ...memory,
      async save(handle, data, opts) {
        if (!first) return memory.save(handle, data, opts);
        first = false;
        await memory.save(handle, bytes(30, 99)); // another process wins the name meanwhile
        throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
      },
    };
    const backend = withRetry(racing, { sleep: async () => {} });
    expect(backend.isAlreadyExists(await rejection(backend.save(h, bytes(30), { exclusive: true })))).toBe(true);
    expect((await memory.load(h)).equals(bytes(30, 99))).toBe(true);
  });

  it('retries a listing that fails before yielding anything', async () => {
    const t = setup([{ op: 'list', count: 2 }]);
    await t.memory.save(h, bytes(3));
    expect(await collect(t.backend.list('data'))).toEqual([{ name: h.name, size: 3 }]);
    expect(t.faulty.stats.calls.list).toBe(3);
  });

  it('resumes a listing that fails midway without yielding any object twice', async () => {
    const t = setup([{ op: 'list', after: true }]);
    const names = [1, 2, 3].map((i) => hexName(`list-${i}`));
    for (const name of names) await t.memory.save({ type: 'lock', name }, bytes(1));
    const listed = await collect(t.backend.list('lock'));
    expect(listed.map((i) => i.name).sort()).toEqual([...names].sort());
    expect(t.retries.map((r) => r.op)).toEqual(['list']);
  });
});

describe('withRetry and the operation signal', () => {
  it('retries nothing once the operation is cancelled, and cuts a wait before a retry short', async () => {
    const controller = new AbortController();
    const never = () => new Promise<void>(() => {});
    const t = setup([{ op: 'save', count: 5 }], { signal: controller.signal, sleep: never });
    const saving = t.backend.save(h, bytes(10)).then(
      () => null,
      (e: unknown) => e,
    );
    // The first failure is retried after a wait that never ends by itself; the abort ends it, with that failure.
    await new Promise((r) => setTimeout(r, 20));
    expect(t.retries.length).toBe(1);
    controller.abort();
    expect(t.faulty.isPermanent(await saving)).toBe(false);
    expect(t.faulty.stats.calls.save).toBe(1);
    // Aborted already: a transient failure is returned at once.
    const again = await rejection(t.backend.save(h, bytes(10)));
    expect(t.faulty.isPermanent(again)).toBe(false);
    expect(t.faulty.stats.calls.save).toBe(2);
    expect(t.retries.length).toBe(1);
  });
});
