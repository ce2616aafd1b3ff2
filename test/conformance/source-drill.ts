// Conformance tests for what a restore drill asks of a source: exact row counts named as the dump's metadata
// names the tables, a query's output, and dropping a scratch database (a missing one is no error).

import { describe, expect, it } from 'vitest';
import type { SourceSuiteContext } from './source-suite.js';

export function drillTests(ctx: SourceSuiteContext): void {
  const { h } = ctx;
  describe('drill support', () => {
    it('counts the exact rows of every table, named as the dump metadata names them', async () => {
      const { db, tables, source } = await ctx.seeded();
      expect(await source.countRows(db)).toEqual(tables);
      const dump = await source.dump();
      for await (const chunk of dump.stream) void chunk;
      expect(Object.keys(await source.countRows(db)).sort()).toEqual(Object.keys(dump.meta.tables ?? {}).sort());
    });

    it('runs a query on a target and returns its output', async () => {
      const { db, source } = await ctx.seeded();
      expect(await source.query(db, 'SELECT count(*) FROM items')).toBe('200');
    });

    it('drops a target entirely, and dropping a missing one is no error', async () => {
      const { db, source } = await ctx.seeded();
      await source.drop(db);
      expect(await source.targetState(db)).toBe('missing');
      await source.drop(h.newTarget());
    });
  });
}
