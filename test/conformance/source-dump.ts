// Conformance tests for dumping and inspecting targets: the dump metadata, a new dump on every call, the
// states a target goes through, and the errors when the database cannot be reached.

import { describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import { rejection } from './fixtures.js';
import type { SourceSuiteContext } from './source-suite.js';

export async function sizeOf(stream: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const b of stream) n += b.length;
  return n;
}

export function dumpTests(ctx: SourceSuiteContext): void {
  const { h } = ctx;
  describe('dump and target state', () => {
    it('describes its dump: engine, format, tool and version, database and its tables', async () => {
      const { db, tables, source } = await ctx.seeded();
      const dump = await source.dump();
      await sizeOf(dump.stream);
      expect(dump.meta).toMatchObject({
        engine: h.engine,
        format: h.format,
        database: h.metaDatabase(db),
        rowCounts: h.rowCounts,
      });
      expect(dump.meta.tool).toMatch(h.tool);
      expect(dump.meta.toolVersion).toMatch(/^\d+\.\d+/);
      if (h.server) expect(dump.meta.serverVersion).toMatch(/^\d+\.\d+/);
      if (h.rowCounts === 'exact') {
        expect(dump.meta.tables).toEqual(tables);
      } else {
        expect(Object.keys(dump.meta.tables ?? {}).sort()).toEqual(Object.keys(tables).sort());
        for (const n of Object.values(dump.meta.tables ?? {})) expect(Number.isInteger(n) && n >= 0).toBe(true);
      }
      expect(source.engine).toBe(h.engine);
      expect(source.defaultTarget).toBe(db);
      expect(source.describeTarget(db)).toContain(db);
    });

    it('takes a new dump of the current contents on every call; one stopped early does not disturb the next', async () => {
      const { db, source } = await ctx.seeded();
      for await (const chunk of (await source.dump()).stream) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
      const first = await h.fingerprint(db);
      await h.exec(db, "INSERT INTO items (id, note) VALUES (2000, 'added after the first dump')");
      const copy = ctx.target();
      await source.restore((await source.dump()).stream, copy);
      const fp = await h.fingerprint(copy);
      expect(fp).toBe(await h.fingerprint(db));
      expect(fp).not.toBe(first);
    });

    it('tells a missing target from an empty one and from one holding data', async () => {
      const { source } = await ctx.seeded();
      const t = ctx.target();
      expect(await source.targetState(t)).toBe('missing');
      await h.createEmpty(t);
      expect(await source.targetState(t)).toBe('empty');
      await h.exec(t, 'CREATE TABLE x (id INTEGER)');
      expect(await source.targetState(t)).toBe('non-empty');
      await h.drop(t);
      expect(await source.targetState(t)).toBe('missing');
    });

    it('fails with a SOURCE error naming the component, and never the password, when the database cannot be reached', async () => {
      const { source, secret } = h.unreachable();
      const attempts: [string, () => Promise<unknown>][] = [['dump', () => source.dump()]];
      if (h.server) {
        attempts.push(['targetState', () => source.targetState('anything')]);
        attempts.push([
          'restore',
          () =>
            source.restore(
              (async function* () {
                yield Buffer.from('never read');
              })(),
              'anything',
            ),
        ]);
      }
      for (const [what, attempt] of attempts) {
        const err = await rejection(attempt());
        expect(isStrongboxError(err, 'SOURCE'), `${what}: ${String(err)}`).toBe(true);
        expect((err as Error).message, what).toContain(source.label);
        if (secret) expect((err as Error).message, what).not.toContain(secret);
      }
    });
  });
}
