// Names as bytes: Linux file names and symlink targets are byte strings that need not be UTF-8. Helpers to
// list and join them without loss (a string where valid UTF-8, the raw bytes otherwise) and to show them escaped.
import { isUtf8 } from 'node:buffer';
import { readdirSync } from 'node:fs';

/** A path for fs calls: a string when it is valid UTF-8 (the common, cheap case), else its raw bytes. */
export type FsPath = string | Buffer;

/** A directory entry's name: `str` is its UTF-8 form (lossy: an invalid byte becomes U+FFFD); `raw` only when not UTF-8. */
export interface EntryName {
  str: string;
  raw?: Buffer;
}

const SLASH = Buffer.from('/');

export function entryName(bytes: Buffer): EntryName {
  return isUtf8(bytes) ? { str: bytes.toString('utf8') } : { str: bytes.toString('utf8'), raw: bytes };
}

export function nameBytes(n: EntryName): Buffer {
  return n.raw ?? Buffer.from(n.str);
}

/**
 * The entries of `dir`. Node decodes names lossily, so a listing that shows U+FFFD is read again as bytes;
 * the common all-UTF-8 directory costs no more than a plain readdir.
 */
export function readNames(dir: FsPath): EntryName[] {
  const names = readdirSync(dir);
  if (!names.some((n) => n.includes('\uFFFD'))) return names.map((str) => ({ str }));
  return readdirSync(dir, { encoding: 'buffer' }).map(entryName);
}

export function toBytes(p: FsPath): Buffer {
  return typeof p === 'string' ? Buffer.from(p) : p;
}

/** `dir/name`, a string while both are UTF-8. */
export function childPath(dir: FsPath, name: EntryName): FsPath {
  if (typeof dir === 'string' && !name.raw) return dir.endsWith('/') ? `${dir}${name.str}` : `${dir}/${name.str}`;
  const d = toBytes(dir);
  return Buffer.concat(d.length && d[d.length - 1] === 0x2f ? [d, nameBytes(name)] : [d, SLASH, nameBytes(name)]);
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there does not start one. */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k] & 0xc0) !== 0x80) return 0;
  const c1 = b[i + 1];
  // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are not valid UTF-8.
  if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f))
    return 0;
  return n;
}

/**
 * A string holding any of these needs escapeName's full path: control characters (C0, DEL, C1), the backslash, the
 * characters `invisible` names, and lone UTF-16 surrogates (not UTF-8: they become U+FFFD).
 */
const NEEDS_ESCAPE = /[\p{Cc}\p{Cs}\\\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

function plainAscii(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] < 0x20 || b[i] > 0x7e || b[i] === 0x5c) return false;
  return true;
}

const SHORT: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r', 0x5c: '\\\\' };

/** Characters that could fake a line or reorder what a terminal shows: C1 controls, bidi and line separators. */
function invisible(cp: number): boolean {
  return (
    (cp >= 0x80 && cp <= 0x9f) ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x2028 ||
    cp === 0x2029
  );
}

/**
 * A name or path as one unambiguous line of text for listings and messages: `\` becomes `\\`, tab, newline and
 * carriage return `\t` `\n` `\r`, other control bytes and every byte that is not valid UTF-8 `\xHH`, and
 * C1 controls, bidi overrides and line separators `\uHHHH`. Valid UTF-8 otherwise stays as it is.
 */
export function escapeName(name: string | Buffer): string {
  // Fast paths (a listing of a million names spent most of its time below): a string with nothing to escape, and
  // bytes that are all printable ASCII other than the backslash, are their own escaped form.
  if (typeof name === 'string') {
    if (!NEEDS_ESCAPE.test(name)) return name;
  } else if (plainAscii(name)) return name.toString('latin1');
  const b = toBytes(name);
  let out = '';
  for (let i = 0; i < b.length;) {
    const n = sequenceLength(b, i);
    if (n === 0) {
      out += `\\x${b[i].toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    const ch = b.toString('utf8', i, i + n);
    const cp = ch.codePointAt(0)!;
    if (SHORT[cp]) out += SHORT[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (invisible(cp)) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
    i += n;
  }
  return out;
}

/** A path for warnings and error messages: as it is when plain UTF-8 text, escaped otherwise. */
export function displayPath(p: FsPath): string {
  return escapeName(p);
}
