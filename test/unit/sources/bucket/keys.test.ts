// Object keys as tree names: every key gets a safe, distinct path, and the escaping can be read back.
import { describe, expect, it } from 'vitest';
import { escapeSegment, type KeyDir, keyTree, unescapeSegment } from '../../../../src/sources/bucket/keys.js';
import { assertSafeName } from '../../../../src/repository/tree.js';

/** Every object's path (escaped names joined by "/") and key. */
function paths(dir: KeyDir<number>, prefix = ''): [string, string][] {
  const out: [string, string][] = [];
  for (const [n, d] of dir.dirs) {
    assertSafeName(n, 'test');
    out.push(...paths(d, `${prefix}${n}/`));
  }
  for (const [n, o] of dir.objects) {
    assertSafeName(n, 'test');
    out.push([`${prefix}${n}`, o.key]);
  }
  return out;
}

describe('bucket keys as tree paths', () => {
  it('escapes what a name cannot hold, and only that', () => {
    expect(
      ['', '.', '..', 'a%b', 'tab\there', 'del\x7f', 'ünï cødé', 'photo.jpg', '...', '%'].map(escapeSegment),
    ).toEqual(['%', '%2E', '%2E%2E', 'a%25b', 'tab%09here', 'del%7F', 'ünï cødé', 'photo.jpg', '...', '%25']);
    for (const s of ['', '.', '..', 'a%b', 'tab\there', 'ünï cødé', '%2E', '%'])
      expect(unescapeSegment(escapeSegment(s))).toBe(s);
  });

  it('gives every key of an awkward bucket its own safe path', () => {
    const keys = [
      'a//b',
      '../x',
      './y',
      'dir/',
      'dir/x',
      'a',
      'a/b',
      '/leading',
      'trailing/..',
      'x/',
      'x//',
      'x//z',
      '%',
      '%25',
      'ファイル/名前 with space.txt',
    ];
    const got = paths(keyTree(keys.map((key, i) => ({ key, value: i }))));
    expect(new Set(got.map(([p]) => p)).size).toBe(keys.length);
    expect(got.map(([, k]) => k).sort()).toEqual([...keys].sort());
    expect(Object.fromEntries(got)).toMatchObject({
      'a/%/b': 'a//b',
      '%2E%2E/x': '../x',
      '%2E/y': './y',
      'dir/%': 'dir/',
      'dir/x': 'dir/x',
      'a%': 'a',
      'a/b': 'a/b',
      '%/leading': '/leading',
      'trailing/%2E%2E': 'trailing/..',
      'x/%%': 'x/',
      'x/%/%': 'x//',
      'x/%/z': 'x//z',
    });
  });
});
