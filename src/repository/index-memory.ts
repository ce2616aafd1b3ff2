// The in-memory blob index: blob ID → pack, offset, lengths, type, kept in typed arrays with an
// open-addressing hash table (~55 bytes per blob) so millions of blobs fit in little memory.

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

export class BlobIndex {
  private cap = 0;
  private n = 0;
  private ids = Buffer.alloc(0);
  private pack: Uint32Array<ArrayBuffer> = new Uint32Array(0);
  private offset: Uint32Array<ArrayBuffer> = new Uint32Array(0);
  private length: Uint32Array<ArrayBuffer> = new Uint32Array(0);
  private rawLength: Uint32Array<ArrayBuffer> = new Uint32Array(0);
  private meta = new Uint8Array(0);
  private table = new Int32Array(0);
  private readonly packIds: string[] = [];
  private readonly packNums = new Map<string, number>();

  constructor(initialCapacity = 1024) {
    this.grow(Math.max(16, initialCapacity));
  }

  get size(): number {
    return this.n;
  }

  /** Adds a blob; a blob already present keeps its first location. Returns false if it was present. */
  add(id: Uint8Array, loc: BlobLocation): boolean {
    if (this.find(id) >= 0) return false;
    if (this.n + 1 > this.cap) this.grow(this.cap * 2);
    let p = this.packNums.get(loc.packId);
    if (p === undefined) {
      p = this.packIds.length;
      this.packIds.push(loc.packId);
      this.packNums.set(loc.packId, p);
    }
    const i = this.n++;
    this.ids.set(id, i * 32);
    this.pack[i] = p;
    this.offset[i] = loc.offset;
    this.length[i] = loc.length;
    this.rawLength[i] = loc.rawLength;
    this.meta[i] = loc.type | (loc.compressed ? 2 : 0);
    this.insertSlot(i);
    return true;
  }

  has(id: Uint8Array): boolean {
    return this.find(id) >= 0;
  }

  get(id: Uint8Array): BlobLocation | undefined {
    const i = this.find(id);
    return i < 0 ? undefined : this.at(i);
  }

  /** Every blob with its location, in insertion order. */
  *entries(): Generator<[Buffer, BlobLocation]> {
    for (let i = 0; i < this.n; i++) yield [Buffer.from(this.ids.subarray(i * 32, i * 32 + 32)), this.at(i)];
  }

  packs(): string[] {
    return [...this.packIds];
  }

  /** Approximate bytes used, for the memory budget check. */
  memoryBytes(): number {
    return this.cap * (32 + 4 * 4 + 1) + this.table.length * 4;
  }

  private at(i: number): BlobLocation {
    const m = this.meta[i];
    return {
      packId: this.packIds[this.pack[i]],
      type: (m & 1) as BlobType,
      compressed: (m & 2) !== 0,
      offset: this.offset[i],
      length: this.length[i],
      rawLength: this.rawLength[i],
    };
  }

  private find(id: Uint8Array): number {
    const mask = this.table.length - 1;
    let s = hashOf(id) & mask;
    for (;;) {
      const v = this.table[s];
      if (v === 0) return -1;
      const i = v - 1;
      if (this.idEquals(i, id)) return i;
      s = (s + 1) & mask;
    }
  }

  private idEquals(i: number, id: Uint8Array): boolean {
    const base = i * 32;
    const ids = this.ids;
    for (let k = 0; k < 32; k++) if (ids[base + k] !== id[k]) return false;
    return true;
  }

  private insertSlot(i: number): void {
    const mask = this.table.length - 1;
    let s = hashOf(this.ids.subarray(i * 32, i * 32 + 4)) & mask;
    while (this.table[s] !== 0) s = (s + 1) & mask;
    this.table[s] = i + 1;
  }

  private grow(cap: number): void {
    const ids = Buffer.alloc(cap * 32);
    ids.set(this.ids.subarray(0, this.n * 32));
    this.ids = ids;
    this.pack = extend(this.pack, cap);
    this.offset = extend(this.offset, cap);
    this.length = extend(this.length, cap);
    this.rawLength = extend(this.rawLength, cap);
    const meta = new Uint8Array(cap);
    meta.set(this.meta.subarray(0, this.n));
    this.meta = meta;
    this.cap = cap;
    // Table has a power-of-two size with load factor <= 0.75 at full capacity.
    let t = 16;
    while (t * 0.75 < cap) t *= 2;
    this.table = new Int32Array(t);
    for (let i = 0; i < this.n; i++) this.insertSlot(i);
  }
}

function extend(a: Uint32Array, cap: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(cap);
  b.set(a.subarray(0, Math.min(a.length, cap)));
  return b;
}

/** Blob IDs are HMAC outputs, uniformly distributed: their first four bytes are a good hash. */
function hashOf(id: Uint8Array): number {
  return (id[0] | (id[1] << 8) | (id[2] << 16) | (id[3] << 24)) >>> 0;
}
