// `ls` entries: the mtime of a node (nanoseconds, a decimal string) as an ISO time, rounded down to the millisecond.
import { describe, expect, it } from 'vitest';
import { nsToIso } from '../../../src/restore/list.js';

describe('nsToIso', () => {
  it.each([
    ['0', '1970-01-01T00:00:00.000Z'],
    ['999999', '1970-01-01T00:00:00.000Z'],
    ['1000000', '1970-01-01T00:00:00.001Z'],
    ['1733000000123999999', '2024-11-30T20:53:20.123Z'],
    // Before 1970: the division truncates toward zero, as it did when every time went through BigInt.
    ['-1500000', '1969-12-31T23:59:59.999Z'],
    ['-86400000000000', '1969-12-31T00:00:00.000Z'],
  ])('%s ns', (ns, iso) => {
    expect(nsToIso(ns)).toBe(iso);
    expect(nsToIso(ns)).toBe(new Date(Number(BigInt(ns) / 1_000_000n)).toISOString());
  });
});
