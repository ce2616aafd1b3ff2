// Conformance tests for single objects: round trips, ranged loads, missing objects, exclusive and
// replacing saves, copy semantics and name validation.

import { describe, expect, it } from 'vitest';
import { FILE_TYPES, handleToString, type Handle } from '../../src/backends/backend.js';
import { fullScopeOnly, type SuiteContext, type SuiteScope } from './backend-suite.js';
import { bytes, hexName, MiB, rejection } from './fixtures.js';

const snap = (name: string): Handle => ({ type: 'snapshot', name });

export function objectTests(ctx: SuiteContext, scope: SuiteScope): void {
  const fullOnly = fullScopeOnly(scope);
  describe('objects', () => {
    it.each(scope === 'full' ? FILE_TYPES : (['data'] as const))(
      'saves and loads empty, small and multi-MiB %s objects',
      async (type) => {
        const b = ctx.backend;
        for (const size of [0, 1, 1000, 3 * MiB + 17]) {
          const h = { type, name: hexName(`${type}-${size}`) };
          const data = bytes(size, size + 1);
          await b.save(h, data);
          expect((await b.load(h)).equals(data)).toBe(true);
          expect(await b.stat(h)).toEqual({ name: type === 'config' ? 'config' : h.name, size });
        }
      },
    );

    fullOnly('loads byte ranges at the start, in the middle and at the end', async () => {
      const b = ctx.backend;
      const h = { type: 'data' as const, name: hexName('ranges') };
      const data = bytes(2 * MiB + 3, 7);
      await b.save(h, data);
      for (const [offset, length] of [
        [0, 10],
        [MiB - 5, 4096],
        [data.length - 100, 100],
        [0, data.length],
        [data.length - 1, 1],
      ]) {
        const got = await b.load(h, { offset, length });
        expect(got.length).toBe(length);
        expect(got.equals(data.subarray(offset, offset + length))).toBe(true);
      }
    });

    fullOnly('returns an empty buffer for zero-length ranges from offset 0 up to the size', async () => {
      const b = ctx.backend;
      const h = snap(hexName('zero'));
      await b.save(h, bytes(50));
      for (const offset of [0, 25, 50]) expect((await b.load(h, { offset, length: 0 })).length).toBe(0);
    });

    fullOnly('rejects ranges past the end with a permanent error instead of returning short data', async () => {
      const b = ctx.backend;
      const h = snap(hexName('short'));
      await b.save(h, bytes(100));
      for (const range of [
        { offset: 90, length: 11 },
        { offset: 101, length: 0 },
        { offset: 200, length: 5 },
      ]) {
        const err = await rejection(b.load(h, range));
        expect(b.isPermanent(err)).toBe(true);
        expect(b.isNotFound(err)).toBe(false);
        expect(String(err)).toContain(handleToString(h));
      }
    });

    fullOnly('rejects negative and fractional ranges with a permanent error', async () => {
      const b = ctx.backend;
      const h = snap(hexName('bad-range'));
      await b.save(h, bytes(100));
      for (const range of [
        { offset: -1, length: 5 },
        { offset: 0, length: -1 },
        { offset: 1.5, length: 2 },
      ]) {
        expect(b.isPermanent(await rejection(b.load(h, range)))).toBe(true);
      }
    });

    it('reports a missing object as not found and permanent, naming the object and location', async () => {
      const b = ctx.backend;
      const h = { type: 'index' as const, name: hexName('missing') };
      for (const op of [() => b.load(h), () => b.load(h, { offset: 0, length: 1 }), () => b.stat(h)]) {
        const err = await rejection(op());
        expect(b.isNotFound(err)).toBe(true);
        expect(b.isPermanent(err)).toBe(true);
        expect(b.isAlreadyExists(err)).toBe(false);
        expect(String(err)).toContain(handleToString(h));
        expect(String(err)).toContain(b.location);
      }
    });

    fullOnly('saves a new object exclusively', async () => {
      const b = ctx.backend;
      const h = { type: 'lock' as const, name: hexName('lock-new') };
      await b.save(h, bytes(64), { exclusive: true });
      expect((await b.load(h)).equals(bytes(64))).toBe(true);
    });

    it('refuses an exclusive save over an existing object and keeps the original', async () => {
      const b = ctx.backend;
      for (const h of [
        { type: 'config' as const, name: 'config' },
        { type: 'lock' as const, name: hexName('lock') },
      ]) {
        await b.save(h, bytes(300, 1), { exclusive: true });
        const err = await rejection(b.save(h, bytes(200, 2), { exclusive: true }));
        expect(b.isAlreadyExists(err)).toBe(true);
        expect(b.isNotFound(err)).toBe(false);
        expect(b.isPermanent(err)).toBe(true);
        expect((await b.load(h)).equals(bytes(300, 1))).toBe(true);
      }
    });

    it('lets exactly one of many concurrent exclusive saves win (atomicCreate)', async ({ skip }) => {
      const b = ctx.backend;
      if (!b.capabilities.atomicCreate) skip('backend does not promise atomic create');
      const h = { type: 'lock' as const, name: hexName('race') };
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => b.save(h, bytes(100, i + 1), { exclusive: true })),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(b.isAlreadyExists(r.reason)).toBe(true);
      expect((await b.load(h)).equals(bytes(100, winners[0] + 1))).toBe(true);
    });

    it('replaces an existing object on a non-exclusive save', async () => {
      const b = ctx.backend;
      const h = { type: 'data' as const, name: hexName('replace') };
      await b.save(h, bytes(500, 1));
      await b.save(h, bytes(20, 2));
      expect((await b.load(h)).equals(bytes(20, 2))).toBe(true);
      expect((await b.stat(h)).size).toBe(20);
    });

    fullOnly('keeps stored bytes independent of the buffers passed to save and returned by load', async () => {
      const b = ctx.backend;
      const h = { type: 'data' as const, name: hexName('copies') };
      const data = bytes(1000);
      await b.save(h, data);
      data.fill(0);
      const loaded = await b.load(h);
      expect(loaded.equals(bytes(1000))).toBe(true);
      loaded.fill(1);
      (await b.load(h, { offset: 0, length: 10 })).fill(2);
      expect((await b.load(h)).equals(bytes(1000))).toBe(true);
    });

    fullOnly('keeps objects of different types with the same name apart', async () => {
      const b = ctx.backend;
      const name = hexName('shared-name');
      const types = FILE_TYPES.filter((t) => t !== 'config');
      for (const [i, type] of types.entries()) await b.save({ type, name }, bytes(10 + i, i));
      for (const [i, type] of types.entries())
        expect((await b.load({ type, name })).equals(bytes(10 + i, i))).toBe(true);
    });

    fullOnly('rejects invalid object names with a permanent error', async () => {
      const b = ctx.backend;
      const bad = ['', '.', '..', '../escape', 'a/b', 'a\\b', 'nul\0byte', '.tmp-123', 'x'.repeat(256)];
      for (const name of bad) {
        const h = snap(name);
        for (const op of [() => b.save(h, bytes(1)), () => b.load(h), () => b.stat(h), () => b.remove(h)]) {
          expect(b.isPermanent(await rejection(op()))).toBe(true);
        }
      }
      expect(b.isPermanent(await rejection(b.save({ type: 'data', name: 'a' }, bytes(1))))).toBe(true);
    });

    it('treats create() as idempotent and keeps existing objects', async () => {
      const b = ctx.backend;
      const h = { type: 'key' as const, name: hexName('key') };
      await b.save(h, bytes(42));
      await b.create();
      expect((await b.load(h)).equals(bytes(42))).toBe(true);
    });
  });
}
