// Escaping names for listings: a table of what each kind of byte sequence becomes.
import { describe, expect, it } from 'vitest';
import { childPath, displayPath, entryName, escapeName } from '../../../src/util/names.js';

const raw = (hex: string) => Buffer.from(hex.replace(/ /g, ''), 'hex');

describe('escapeName', () => {
  it.each([
    ['plain ASCII', Buffer.from('report.txt'), 'report.txt'],
    ['valid UTF-8 stays', Buffer.from('café ☕ 😀'), 'café ☕ 😀'],
    ['newline, tab, carriage return', Buffer.from('a\nb\tc\rd'), 'a\\nb\\tc\\rd'],
    ['other control bytes and DEL', Buffer.from('\x00\x1b[31m\x7f'), '\\x00\\x1b[31m\\x7f'],
    ['a backslash is doubled, so "\\xff" typed literally differs from the byte', Buffer.from('a\\xff'), 'a\\\\xff'],
    ['invalid bytes', raw('62 61 64 ff fe'), 'bad\\xff\\xfe'],
    ['a lone continuation byte', raw('64 69 72 80'), 'dir\\x80'],
    ['a truncated sequence', raw('61 e2 82'), 'a\\xe2\\x82'],
    ['an overlong "/" (c0 af)', raw('c0 af'), '\\xc0\\xaf'],
    ['an overlong 3-byte form (e0 80 af)', raw('e0 80 af'), '\\xe0\\x80\\xaf'],
    ['a UTF-16 surrogate (ed a0 80)', raw('ed a0 80'), '\\xed\\xa0\\x80'],
    ['above U+10FFFF (f4 90 80 80)', raw('f4 90 80 80'), '\\xf4\\x90\\x80\\x80'],
    ['C1 control U+0085 (next line)', Buffer.from('a\u0085b'), 'a\\u0085b'],
    ['bidi override U+202E', Buffer.from('x\u202Etxt.exe'), 'x\\u202etxt.exe'],
    ['line separator U+2028', Buffer.from('a\u2028b'), 'a\\u2028b'],
  ])('%s', (_what, input, want) => {
    expect(escapeName(input)).toBe(want);
  });

  it('a string escapes as its UTF-8 bytes do', () => {
    expect(escapeName('new\nline')).toBe('new\\nline');
  });

  it.each([
    ['plain ASCII', 'report.txt', 'report.txt'],
    ['valid UTF-8 stays', 'café ☕ 😀', 'café ☕ 😀'],
    ['newline, tab, carriage return', 'a\nb\tc\rd', 'a\\nb\\tc\\rd'],
    ['other control characters and DEL', '\x00\x1b[31m\x7f', '\\x00\\x1b[31m\\x7f'],
    ['a backslash', 'a\\xff', 'a\\\\xff'],
    ['C1 control U+0085', 'a\u0085b', 'a\\u0085b'],
    ['U+009F, the last C1 control', 'a\u009fb', 'a\\u009fb'],
    ['U+00A0 is not a control', 'a\u00a0b', 'a\u00a0b'],
    ['bidi override U+202E', 'x\u202Etxt.exe', 'x\\u202etxt.exe'],
    ['bidi isolate U+2066', 'x\u2066y', 'x\\u2066y'],
    ['line separator U+2028', 'a\u2028b', 'a\\u2028b'],
    ['a lone surrogate is not UTF-8: U+FFFD, as its bytes', 'a\ud800b', 'a\ufffdb'],
  ])('a string: %s', (_what, input, want) => {
    expect(escapeName(input)).toBe(want);
    expect(escapeName(Buffer.from(input))).toBe(want);
    expect(displayPath(input)).toBe(want);
  });
});

describe('entryName, childPath and displayPath', () => {
  it('keeps the raw bytes only for a name that is not UTF-8', () => {
    expect(entryName(Buffer.from('ok'))).toEqual({ str: 'ok' });
    expect(entryName(raw('78 ff'))).toEqual({ str: 'x\uFFFD', raw: raw('78 ff') });
  });

  it('joins as a string while everything is UTF-8, as bytes otherwise', () => {
    expect(childPath('/a', { str: 'b' })).toBe('/a/b');
    expect(childPath('/', { str: 'b' })).toBe('/b');
    expect(childPath('/a', entryName(raw('ff')))).toEqual(Buffer.concat([Buffer.from('/a/'), raw('ff')]));
    expect(childPath(Buffer.concat([Buffer.from('/'), raw('80')]), { str: 'c' })).toEqual(raw('2f 80 2f 63'));
  });

  it('shows plain paths as they are and escapes the rest', () => {
    expect(displayPath('/srv/www/a b.txt')).toBe('/srv/www/a b.txt');
    expect(displayPath('/srv/new\nline')).toBe('/srv/new\\nline');
    expect(displayPath(raw('2f 61 ff'))).toBe('/a\\xff');
  });
});
