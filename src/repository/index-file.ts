// Index objects on storage: which blobs each pack holds (format doc, "Index"). Encoding and decoding of
// the binary body; sealing and compression are done by objects.ts.
import { StrongboxError } from '../errors.js';
import type { PackEntry } from './pack.js';

const MAGIC = Buffer.from('SBIX');
const ENTRY = 46;

export interface IndexPack {
  packId: string;
  entries: PackEntry[];
}

export interface IndexFile {
  supersedes: string[];
  packs: IndexPack[];
}

export function encodeIndex(idx: IndexFile): Buffer {
  let size = 4 + 1 + 4 + idx.supersedes.length * 32;
  for (const p of idx.packs) size += 36 + p.entries.length * ENTRY;
  const b = Buffer.alloc(size);
  MAGIC.copy(b, 0);
  b[4] = 1;
  b.writeUInt32LE(idx.supersedes.length, 5);
  let o = 9;
  for (const s of idx.supersedes) o += Buffer.from(s, 'hex').copy(b, o);
  for (const p of idx.packs) {
    o += Buffer.from(p.packId, 'hex').copy(b, o);
    b.writeUInt32LE(p.entries.length, o);
    o += 4;
    for (const e of p.entries) {
      b[o] = e.type;
      b[o + 1] = e.compressed ? 1 : 0;
      b.writeUInt32LE(e.offset, o + 2);
      b.writeUInt32LE(e.length, o + 6);
      b.writeUInt32LE(e.rawLength, o + 10);
      e.id.copy(b, o + 14);
      o += ENTRY;
    }
  }
  return b;
}

/** One entry of an index body, as scanIndex hands it over: `body` holds the ID at `idAt` (32 bytes), not copied. */
export interface IndexEntryView {
  packId: string;
  type: 0 | 1;
  compressed: boolean;
  offset: number;
  length: number;
  rawLength: number;
  body: Buffer;
  idAt: number;
}

/** The superseded index names only, without the entries (a quick look at an index body). */
export function indexSupersedes(b: Buffer, name: string): string[] {
  return scanIndex(b, name, null);
}

/**
 * Walks an index body entry by entry without an object per entry (loading millions of blobs must not build
 * millions of objects first): `visit` gets one reused view. Returns the superseded index names.
 */
export function scanIndex(b: Buffer, name: string, visit: ((e: IndexEntryView) => void) | null): string[] {
  const bad = (why: string) => new StrongboxError('INTEGRITY', `index ${name}: ${why}`);
  if (b.length < 9 || !b.subarray(0, 4).equals(MAGIC)) throw bad('bad magic');
  if (b[4] !== 1) throw bad(`unsupported index version ${b[4]}`);
  const ns = b.readUInt32LE(5);
  let o = 9;
  const supersedes: string[] = [];
  for (let i = 0; i < ns; i++, o += 32) {
    if (o + 32 > b.length) throw bad('truncated');
    supersedes.push(b.toString('hex', o, o + 32));
  }
  if (!visit) return supersedes;
  const v: IndexEntryView = {
    packId: '',
    type: 0,
    compressed: false,
    offset: 0,
    length: 0,
    rawLength: 0,
    body: b,
    idAt: 0,
  };
  while (o < b.length) {
    if (o + 36 > b.length) throw bad('truncated pack record');
    v.packId = b.toString('hex', o, o + 32);
    const n = b.readUInt32LE(o + 32);
    o += 36;
    if (o + n * ENTRY > b.length) throw bad('truncated entries');
    for (let i = 0; i < n; i++, o += ENTRY) {
      v.type = b[o] as 0 | 1;
      v.compressed = (b[o + 1] & 1) === 1;
      v.offset = b.readUInt32LE(o + 2);
      v.length = b.readUInt32LE(o + 6);
      v.rawLength = b.readUInt32LE(o + 10);
      v.idAt = o + 14;
      visit(v);
    }
  }
  return supersedes;
}

/**
 * The index body as packs whose `entries` are decoded from the body each time they are read (a fresh array): a
 * reader of every index (check, prune) holds the 46-byte records, not an object per blob.
 */
export function decodeIndex(b: Buffer, name: string): IndexFile {
  const supersedes = scanIndex(b, name, () => {}); // validates the whole body first
  const packs: IndexPack[] = [];
  let o = 9 + supersedes.length * 32;
  while (o < b.length) {
    const packId = b.toString('hex', o, o + 32);
    const n = b.readUInt32LE(o + 32);
    const at = o + 36;
    packs.push({
      packId,
      get entries() {
        return decodeEntries(b, at, n);
      },
    });
    o = at + n * ENTRY;
  }
  return { supersedes, packs };
}

function decodeEntries(b: Buffer, at: number, n: number): PackEntry[] {
  const entries: PackEntry[] = new Array(n);
  for (let i = 0, o = at; i < n; i++, o += ENTRY) {
    entries[i] = {
      type: b[o] as 0 | 1,
      compressed: (b[o + 1] & 1) === 1,
      offset: b.readUInt32LE(o + 2),
      length: b.readUInt32LE(o + 6),
      rawLength: b.readUInt32LE(o + 10),
      id: b.subarray(o + 14, o + 46),
    };
  }
  return entries;
}
