// The one ID prefix rule (ids.ts): at least 4 hex characters, exactly one match.
import { describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../../src/errors.js';
import { resolveIdPrefix } from '../../../src/repository/ids.js';

const NAMES = ['abcd1234', 'abcd5678', 'ffff0000'];

function codeOf(prefix: string): string {
  try {
    return resolveIdPrefix('key', prefix, NAMES, 'memory:');
  } catch (e) {
    if (isStrongboxError(e)) return e.code;
    throw e;
  }
}

describe('resolveIdPrefix', () => {
  it.each([
    ['a unique 4-character prefix', 'ffff', 'ffff0000'],
    ['a unique longer prefix', 'abcd1', 'abcd1234'],
    ['a whole ID', 'abcd5678', 'abcd5678'],
    ['1 character, though unique', 'f', 'USAGE'],
    ['3 characters, though unique', 'fff', 'USAGE'],
    ['an ambiguous prefix', 'abcd', 'USAGE'],
    ['upper-case hex', 'FFFF', 'USAGE'],
    ['not hex', 'zzzz', 'USAGE'],
    ['no match', '0000', 'NOT_FOUND'],
  ])('%s (%s) → %s', (_what, prefix, want) => {
    expect(codeOf(prefix)).toBe(want);
  });

  it('an ambiguous prefix names the matches and asks for more characters', () => {
    expect(() => resolveIdPrefix('snapshot', 'abcd', NAMES, 'memory:')).toThrow(
      /ambiguous \(2 match: abcd1234, abcd5678\); give more characters/,
    );
  });
});
