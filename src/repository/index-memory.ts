// The in-memory blob index: blob ID → pack, offset, lengths, type, kept in typed arrays in fixed segments with an
// open-addressing hash table (49 bytes per blob and 5-11 for the table) so ten million blobs fit in ~600 MB.

export const BLOB_DATA = 0;
export const BLOB_TREE = 1;
export type BlobType = typeof BLOB_DATA | typeof BLOB_TREE;

export interface BlobLocation {
  packId: string;
  type: BlobType;
  compressed: boolean;
  offset: number;
  length: number;
  rawLength: number;
}

/**
 * Entries live in segments of 2^16 that are never copied: growing adds a segment (an index that doubled its
 * arrays would hold up to twice what it needs, and three times while copying), so the slack is one segment.
 */
const SEG_BITS = 16;
const SEG = 1 << SEG_BITS;
const SEG_MASK = SEG - 1;

interface Segment {
  ids: Buffer;
  pack: Uint32Array;
  offset: Uint32Array;
  length: Uint32Array;
  rawLength: Uint32Array;
  meta: Uint8Array;
}

function newSegment(): Segment {
  return {
    ids: Buffer.alloc(SEG * 32),
    pack: new Uint32Array(SEG),
    offset: new Uint32Array(SEG),
    length: new Uint32Array(SEG),
    rawLength: new Uint32Array(SEG),
    meta: new Uint8Array(SEG),
  };
}

export class BlobIndex {
  private n = 0;
  private readonly segs: Segment[] = [];
  /** Slot → entry number + 1 (0: empty); a power of two, at most three quarters full. */
  private table = new Int32Array(16);
  private readonly packIds: string[] = [];
  private readonly packNums = new Map<string, number>();

  /** `initialCapacity` sizes the hash table for that many blobs (the entries grow a segment at a time anyway). */
  constructor(initialCapacity = 1024) {
    let t = 16;
    while (t * 0.75 < initialCapacity) t *= 2;
    this.table = new Int32Array(t);
  }

  get size(): number {
    return this.n;
  }

  /** Adds a blob; a blob already present keeps its first location. Returns false if it was present. */
  add(id: Uint8Array, loc: BlobLocation): boolean {
    return this.addAt(id, 0, loc.packId, loc.type, loc.compressed, loc.offset, loc.length, loc.rawLength);
  }

  /** add() with the ID read from `buf` at `at` (an index body, without a view per entry). */
  addAt(
    buf: Uint8Array,
    at: number,
    packId: string,
    type: BlobType,
    compressed: boolean,
    offset: number,
    length: number,
    rawLength: number,
  ): boolean {
    if (this.find(buf, at) >= 0) return false;
    if ((this.n + 1) * 4 > this.table.length * 3) this.rehash(this.table.length * 2);
    let p = this.packNums.get(packId);
    if (p === undefined) {
      p = this.packIds.length;
      this.packIds.push(packId);
      this.packNums.set(packId, p);
    }
    const i = this.n++;
    if (i >>> SEG_BITS === this.segs.length) this.segs.push(newSegment());
    const s = this.segs[i >>> SEG_BITS];
    const j = i & SEG_MASK;
    const ids = s.ids;
    for (let k = 0, o = j * 32; k < 32; k++) ids[o + k] = buf[at + k]; // no view object per blob
    s.pack[j] = p;
    s.offset[j] = offset;
    s.length[j] = length;
    s.rawLength[j] = rawLength;
    s.meta[j] = type | (compressed ? 2 : 0);
    this.insertSlot(i);
    return true;
  }

  has(id: Uint8Array): boolean {
    return this.find(id, 0) >= 0;
  }

  get(id: Uint8Array): BlobLocation | undefined {
    const i = this.find(id, 0);
    return i < 0 ? undefined : this.at(i);
  }

  /** The blob's entry number (0 ≤ n < size, fixed for the index's life), or -1: a key for compact per-blob sets. */
  position(id: Uint8Array): number {
    return this.find(id, 0);
  }

  /** The ID of the blob at `position` (see position()), a copy. */
  idAt(position: number): Buffer {
    const j = (position & SEG_MASK) * 32;
    return Buffer.from(this.segs[position >>> SEG_BITS].ids.subarray(j, j + 32));
  }

  /** Every blob with its location, in insertion order. */
  *entries(): Generator<[Buffer, BlobLocation]> {
    for (let i = 0; i < this.n; i++) {
      const s = this.segs[i >>> SEG_BITS];
      const j = (i & SEG_MASK) * 32;
      yield [Buffer.from(s.ids.subarray(j, j + 32)), this.at(i)];
    }
  }

  packs(): string[] {
    return [...this.packIds];
  }

  /** Bytes held by the entries and the table (the pack ID strings aside: one per pack, not per blob). */
  memoryBytes(): number {
    return this.segs.length * SEG * (32 + 4 * 4 + 1) + this.table.length * 4;
  }

  private at(i: number): BlobLocation {
    const s = this.segs[i >>> SEG_BITS];
    const j = i & SEG_MASK;
    const m = s.meta[j];
    return {
      packId: this.packIds[s.pack[j]],
      type: (m & 1) as BlobType,
      compressed: (m & 2) !== 0,
      offset: s.offset[j],
      length: s.length[j],
      rawLength: s.rawLength[j],
    };
  }

  private find(id: Uint8Array, at: number): number {
    const mask = this.table.length - 1;
    let s = hashOf(id, at) & mask;
    for (;;) {
      const v = this.table[s];
      if (v === 0) return -1;
      const i = v - 1;
      if (this.idEquals(i, id, at)) return i;
      s = (s + 1) & mask;
    }
  }

  private idEquals(i: number, id: Uint8Array, at: number): boolean {
    const ids = this.segs[i >>> SEG_BITS].ids;
    const base = (i & SEG_MASK) * 32;
    for (let k = 0; k < 32; k++) if (ids[base + k] !== id[at + k]) return false;
    return true;
  }

  private insertSlot(i: number): void {
    const mask = this.table.length - 1;
    let s = hashOf(this.segs[i >>> SEG_BITS].ids, (i & SEG_MASK) * 32) & mask;
    while (this.table[s] !== 0) s = (s + 1) & mask;
    this.table[s] = i + 1;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size);
    for (let i = 0; i < this.n; i++) this.insertSlot(i);
  }
}

/** Blob IDs are HMAC outputs, uniformly distributed: their first four bytes are a good hash. */
function hashOf(id: Uint8Array, at: number): number {
  return (id[at] | (id[at + 1] << 8) | (id[at + 2] << 16) | (id[at + 3] << 24)) >>> 0;
}
