// The --time grammar and the future rule: years 1970–9999, four digits, no sign, real calendar days; a time
// more than 5 minutes ahead of the writer's clock only with allowFuture.
import { describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../../src/errors.js';
import { checkSnapshotTime, parseDateTime } from '../../../src/util/time.js';

const usage = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isStrongboxError(e, 'USAGE')) return e.message;
    throw e;
  }
  throw new Error('no USAGE error');
};

describe('parseDateTime', () => {
  it.each([
    '-5000-01-01',
    '+275760-09-13T00:00:00Z',
    '+002026-01-01',
    '10000-01-01',
    '1969-12-31',
    '1969-12-31T23:59:59Z',
    '2025-02-30',
    '2025-13-01',
    '2025-01-01T24:00:00Z',
    '2025-01-01T10:60',
    'yesterday',
    '2025-1-1',
    '1970-01-01T00:00:00+01:00',
  ])('refuses %s, naming the flag', (t) => {
    expect(usage(() => parseDateTime(t, '--time'))).toContain(`--time ${t}`);
  });

  it.each([
    ['1970-01-01', '1970-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-11-22T10:00:00.123Z', '2026-11-22T10:00:00.123Z'],
    ['2026-11-22T10:00:00+02:00', '2026-11-22T08:00:00.000Z'],
    ['2026-11-22 10:00:00Z', '2026-11-22T10:00:00.000Z'],
  ])('reads %s as %s', (t, iso) => {
    expect(new Date(parseDateTime(t, '--time')).toISOString()).toBe(iso);
  });
});

describe('checkSnapshotTime', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  it('accepts the past and up to 5 minutes ahead (clocks drift)', () => {
    expect(() => checkSnapshotTime(Date.parse('2020-01-01T00:00:00Z'), now)).not.toThrow();
    expect(() => checkSnapshotTime(now + 5 * 60_000, now)).not.toThrow();
  });
  it('refuses more than 5 minutes ahead, saying what to do; allowFuture accepts it', () => {
    expect(usage(() => checkSnapshotTime(now + 6 * 60_000, now))).toMatch(
      /2026-03-10T12:06:00\.000Z is in the future .*--allow-future/,
    );
    expect(() => checkSnapshotTime(Date.parse('9999-12-31T23:59:59Z'), now, true)).not.toThrow();
  });
  it('refuses times outside 1970–9999 even with allowFuture', () => {
    expect(usage(() => checkSnapshotTime(Date.UTC(10000, 0, 1), now, true))).toMatch(/years 1970–9999/);
    expect(usage(() => checkSnapshotTime(-1, now))).toMatch(/years 1970–9999/);
  });
});
