// Password hashes and tokens: scrypt with its parameters in the string, verified in constant time; a malformed
// or dummy hash never matches; tokens are random and only their digest is compared.
import { describe, expect, it } from 'vitest';
import {
  DUMMY_HASH,
  hashPassword,
  newToken,
  sameSecret,
  tokenDigest,
  verifyPassword,
} from '../../../src/auth/secrets.js';
import { allows, parseScopes } from '../../../src/auth/scopes.js';

describe('passwords', () => {
  it('a hash verifies its password only, and differs each time (salted)', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('Unicode passwords are compared in one normal form', async () => {
    const h = await hashPassword('caf\u00e9-password');
    expect(await verifyPassword('cafe\u0301-password', h)).toBe(true);
  });

  it('a malformed stored hash, and the dummy hash, match nothing', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('', DUMMY_HASH)).toBe(false);
  });
});

describe('tokens and scopes', () => {
  it('tokens are random, prefixed, and compared by digest', () => {
    const t = newToken();
    expect(t).toMatch(/^sbx_[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(t);
    expect(tokenDigest(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(sameSecret(tokenDigest(t), tokenDigest(t))).toBe(true);
    expect(sameSecret(tokenDigest(t), tokenDigest(newToken()))).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
  });

  it('admin allows everything; the other scopes only themselves', () => {
    expect(allows(['admin'], 'restore')).toBe(true);
    expect(allows(['backup'], 'read')).toBe(false);
    expect(allows(['read', 'backup'], 'backup')).toBe(true);
  });

  it('--scope values: comma-separated or repeated, checked, deduplicated', () => {
    expect(parseScopes(['read,backup', 'read'])).toEqual(['read', 'backup']);
    expect(() => parseScopes(['read,write'])).toThrow(/--scope read,write/);
    expect(() => parseScopes([''])).toThrow(/at least one scope/);
  });
});
