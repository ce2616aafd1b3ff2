// Conformance tests across many objects: listing per type with sizes, data shards, removal,
// concurrent saves, and persistence across reopening (for persistent backends).

import { describe, expect, it } from 'vitest';
import { FILE_TYPES, type FileInfo, type FileType } from '../../src/backends/backend.js';
import { fullScopeOnly, type SuiteContext, type SuiteScope } from './backend-suite.js';
import { bytes, collect, hexName, rejection } from './fixtures.js';

const byName = (a: FileInfo, b: FileInfo): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function listingTests(ctx: SuiteContext, scope: SuiteScope): void {
  const fullOnly = fullScopeOnly(scope);
  describe('listing and removal', () => {
    it('lists nothing of any type in a new repository', async () => {
      for (const type of FILE_TYPES) expect(await collect(ctx.backend.list(type))).toEqual([]);
    });

    fullOnly('lists exactly the objects saved, per type, with their sizes', async () => {
      const b = ctx.backend;
      const expected = new Map<FileType, FileInfo[]>();
      for (const [t, type] of FILE_TYPES.entries()) {
        const count = type === 'config' ? 1 : 3;
        const infos = Array.from({ length: count }, (_, i) => ({
          name: type === 'config' ? 'config' : hexName(`${type}-${i}`),
          size: 10 * t + i,
        }));
        for (const info of infos) await b.save({ type, name: info.name }, bytes(info.size));
        expected.set(type, infos.sort(byName));
      }
      for (const type of FILE_TYPES) expect((await collect(b.list(type))).sort(byName)).toEqual(expected.get(type));
    });

    fullOnly("gives each object's storage time only when asked, and then as a time of this write or none", async () => {
      const b = ctx.backend;
      const now = Date.now();
      for (const type of ['snapshot', 'data', 'config'] as const) {
        const name = type === 'config' ? 'config' : hexName(`${type}-mod`);
        await b.save({ type, name }, bytes(4));
        expect(await collect(b.list(type))).toEqual([{ name, size: 4 }]);
        const [info] = await collect(b.list(type, { modTime: true }));
        expect(info).toMatchObject({ name, size: 4 });
        // A backend that does not know it leaves it out; one that does gives the storage's clock (here: this one).
        if (info.modTime !== undefined) expect(Math.abs(info.modTime - now)).toBeLessThan(120_000);
      }
    });

    it('lists data objects from every shard', async () => {
      const b = ctx.backend;
      const names = ['00', '0f', '7a', 'a0', 'ff'].map((p) => p + hexName(p).slice(2)).sort();
      for (const name of names) await b.save({ type: 'data', name }, bytes(5));
      const listed = await collect(b.list('data'));
      expect(listed.map((i) => i.name).sort()).toEqual(names);
      for (const name of names) expect((await b.load({ type: 'data', name })).equals(bytes(5))).toBe(true);
    });

    it('removes an object so that load, stat and list no longer see it', async () => {
      const b = ctx.backend;
      const keep = { type: 'snapshot' as const, name: hexName('keep') };
      const gone = { type: 'snapshot' as const, name: hexName('gone') };
      await b.save(keep, bytes(3));
      await b.save(gone, bytes(4));
      await b.remove(gone);
      expect(b.isNotFound(await rejection(b.load(gone)))).toBe(true);
      expect(b.isNotFound(await rejection(b.stat(gone)))).toBe(true);
      expect(await collect(b.list('snapshot'))).toEqual([{ name: keep.name, size: 3 }]);
      await b.save(gone, bytes(5), { exclusive: true });
      expect((await b.stat(gone)).size).toBe(5);
    });

    fullOnly('treats removing a missing object as success', async () => {
      const b = ctx.backend;
      const h = { type: 'data' as const, name: hexName('never-saved') };
      await b.remove(h);
      await b.save(h, bytes(1));
      await b.remove(h);
      await b.remove(h);
      await b.remove({ type: 'config', name: 'config' });
    });

    it('lands 100 saves made concurrently', async () => {
      const b = ctx.backend;
      const objects = Array.from({ length: 100 }, (_, i) => ({
        name: hexName(`many-${i}`),
        data: bytes(i * 97, i + 1),
      }));
      await Promise.all(objects.map((o) => b.save({ type: 'data', name: o.name }, o.data)));
      const listed = (await collect(b.list('data'))).sort(byName);
      expect(listed).toEqual(objects.map((o) => ({ name: o.name, size: o.data.length })).sort(byName));
      const loaded = await Promise.all(objects.map((o) => b.load({ type: 'data', name: o.name })));
      loaded.forEach((data, i) => expect(data.equals(objects[i].data)).toBe(true));
    });

    it('keeps objects after the backend is closed and reopened (persistent)', async ({ skip }) => {
      const b = ctx.backend;
      if (!b.capabilities.persistent || ctx.reopen === undefined) skip('backend is not persistent');
      const h = { type: 'index' as const, name: hexName('durable') };
      await b.save(h, bytes(1234));
      await b.save({ type: 'config', name: 'config' }, bytes(10));
      await b.close();
      const again = await ctx.reopen!();
      try {
        expect((await again.load(h)).equals(bytes(1234))).toBe(true);
        expect(await collect(again.list('config'))).toEqual([{ name: 'config', size: 10 }]);
      } finally {
        await again.close();
      }
    });
  });
}
