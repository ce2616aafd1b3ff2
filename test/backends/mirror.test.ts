// Runs the backend conformance suite against a mirrored backend of two in-memory stores, and pins down what only a
// mirror does: writes reach every store, listings are the union, and a missing or damaged whole object is read
// from the next store (and reported), while a store that fails is left alone and named.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import { createMemoryBackend } from '../../src/backends/memory/memory.js';
import { createMirrorBackend, type FallbackNote } from '../../src/backends/mirror/mirror.js';
import { backendConformanceSuite } from '../conformance/backend-suite.js';

backendConformanceSuite('mirror (memory + memory)', async () => ({
  backend: createMirrorBackend([createMemoryBackend('memory:a'), createMemoryBackend('memory:b')]),
  cleanup: async () => {},
}));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A store whose every call fails, as one whose server is down. */
function downStore(location: string): Backend {
  const fail = async () => {
    throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  };
  const b = createMemoryBackend(location);
  return {
    ...b,
    location,
    save: fail,
    load: fail,
    stat: fail,
    remove: fail,
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: fail }) }),
  };
}

describe('mirrored backend', () => {
  const two = () => {
    const a = createMemoryBackend('memory:primary');
    const b = createMemoryBackend('memory:mirror');
    const notes: FallbackNote[] = [];
    const m = createMirrorBackend([a, b]);
    m.onFallback = (n) => notes.push(n);
    return { a, b, m, notes };
  };

  it('writes every store and lists the union of them', async () => {
    const { a, b, m } = two();
    const x = Buffer.from('one');
    await m.save({ type: 'snapshot', name: sha(x) }, x);
    const y = Buffer.from('only on the mirror');
    await b.save({ type: 'snapshot', name: sha(y) }, y);
    expect((await a.load({ type: 'snapshot', name: sha(x) })).equals(x)).toBe(true);
    expect((await b.load({ type: 'snapshot', name: sha(x) })).equals(x)).toBe(true);
    const names: string[] = [];
    for await (const f of m.list('snapshot')) names.push(f.name);
    expect(names.sort()).toEqual([sha(x), sha(y)].sort());
  });

  it('reads a missing or damaged object from the mirror and says so; damaged on both is reported naming both', async () => {
    const { a, b, m, notes } = two();
    const damage: string[][] = [];
    m.onDamaged = (_h, reasons) => damage.push(reasons);
    const x = Buffer.from('index bytes');
    const h = { type: 'index' as const, name: sha(x) };
    await b.save(h, x);
    expect((await m.load(h)).equals(x)).toBe(true);
    expect(notes).toEqual([{ handle: h, servedBy: 'memory:mirror', reasons: ['memory:primary: missing'] }]);
    await a.save(h, Buffer.from('index bytez'));
    expect((await m.load(h)).equals(x)).toBe(true);
    expect(notes[1].reasons).toEqual(['memory:primary: content does not match its name']);
    await b.save(h, Buffer.from('index bytes!'));
    // The primary's copy, for the repository to reject as it would without a mirror; the damage is reported.
    expect((await m.load(h)).toString()).toBe('index bytez');
    expect(damage).toEqual([
      ['memory:primary: content does not match its name', 'memory:mirror: content does not match its name'],
    ]);
  });

  it('a store that fails is recorded once and skipped; the write lands on the others', async () => {
    const a = createMemoryBackend('memory:primary');
    const m = createMirrorBackend([a, downStore('sftp:down')]);
    const x = Buffer.from('pack');
    await m.save({ type: 'data', name: sha(x) }, x);
    await m.save({ type: 'data', name: sha(Buffer.from('2')) }, Buffer.from('2'));
    expect(m.faults()).toEqual([{ store: 'sftp:down', reason: 'connect ECONNREFUSED', missed: 1 }]);
    expect((await m.load({ type: 'data', name: sha(x) })).equals(x)).toBe(true);
  });

  it('a write that no store takes fails', async () => {
    const m = createMirrorBackend([downStore('s3:a'), downStore('s3:b')]);
    await expect(m.save({ type: 'key', name: 'k' }, Buffer.from('x'))).rejects.toThrow(/every store: s3:a: .*; s3:b: /);
  });
});
