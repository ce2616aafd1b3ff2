// How a drill judges a restored database's rows against the dump's record: exact counts must match; estimates
// (PostgreSQL, MySQL statistics) only say which tables there are and which had rows.
import { describe, expect, it } from 'vitest';
import { compareRows } from '../../../src/ops/drill.js';
import type { DatabaseComponent } from '../../../src/repository/snapshot.js';

const comp = (tables: Record<string, number>, rowCounts: 'exact' | 'estimate'): DatabaseComponent => ({
  name: 'main',
  kind: 'database',
  engine: 'x',
  format: 'f',
  tool: 't',
  toolVersion: '1',
  database: 'd',
  tables,
  rowCounts,
  content: [],
  size: 1,
  sha256: '',
  durationMs: 0,
});

describe('compareRows', () => {
  it('exact: passes when every table has the recorded rows, naming tables and total', () => {
    expect(compareRows(comp({ a: 3, b: 0 }, 'exact'), { a: 3, b: 0 })).toEqual({
      component: 'main',
      check: 'rows',
      ok: true,
      detail: '2 tables, 3 rows, as recorded',
    });
  });

  it('exact: names a table with other rows, a missing table and one the dump did not record', () => {
    const r = compareRows(comp({ a: 3, b: 1 }, 'exact'), { a: 2, c: 5 });
    expect(r.ok).toBe(false);
    expect(r.detail).toBe("table b missing; table c not in the dump's record; a: 2 rows, the dump recorded 3");
  });

  it('estimate: counts may differ, but a table the statistics said had rows may not come back empty', () => {
    expect(compareRows(comp({ a: 100, b: 0 }, 'estimate'), { a: 97, b: 4 }).ok).toBe(true);
    expect(compareRows(comp({ a: 100 }, 'estimate'), { a: 0 })).toMatchObject({
      ok: false,
      detail: 'a: empty, the server counted about 100 rows',
    });
  });
});
