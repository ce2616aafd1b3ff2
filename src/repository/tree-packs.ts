// Whole tree packs kept in memory (on local disk too, with a smaller budget; see Repository): walking a
// parent snapshot or listing a tree reads one tree blob per directory, and tree blobs sit together in tree packs,
// so one whole-pack read replaces hundreds of ranged reads (a no-change backup of a 400-directory tree made 382
// ranged GETs of one pack). Bounded by bytes, least recently used first out. Blobs are still authenticated one by
// one when they are opened, so a cached pack needs no check of its own.

export const TREE_PACK_CACHE_BYTES = 64 * 1024 * 1024;

export class TreePackCache {
  private readonly packs = new Map<string, Promise<Buffer>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(
    private readonly loadPack: (packId: string) => Promise<Buffer>,
    private readonly budget = TREE_PACK_CACHE_BYTES,
  ) {}

  /** `length` bytes at `offset` of the pack, reading the whole pack on the first use. */
  async slice(packId: string, offset: number, length: number): Promise<Buffer> {
    let p = this.packs.get(packId);
    if (p === undefined) {
      p = this.loadPack(packId);
      this.packs.set(packId, p);
      p.then(
        (b) => this.account(packId, b.length),
        () => this.packs.delete(packId),
      );
    } else {
      // Most recently used last.
      this.packs.delete(packId);
      this.packs.set(packId, p);
    }
    const pack = await p;
    if (offset + length > pack.length)
      throw new RangeError(`range ${offset}+${length} is outside pack ${packId} (${pack.length} bytes)`);
    return pack.subarray(offset, offset + length);
  }

  /** Forget a pack (it was found damaged, or removed). */
  drop(packId: string): void {
    this.packs.delete(packId);
    this.bytes -= this.sizes.get(packId) ?? 0;
    this.sizes.delete(packId);
  }

  get cachedBytes(): number {
    return this.bytes;
  }

  private account(packId: string, size: number): void {
    if (!this.packs.has(packId) || this.sizes.has(packId)) return;
    this.sizes.set(packId, size);
    this.bytes += size;
    for (const oldest of this.packs.keys()) {
      if (this.bytes <= this.budget || oldest === packId) break;
      if (this.sizes.has(oldest)) this.drop(oldest);
    }
  }
}
