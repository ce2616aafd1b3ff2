// Collects sealed blobs into packs, saves full packs (bounded uploads in flight), and writes index
// objects only after the packs they describe are saved: the write order of the format doc.
import { StrongboxError } from '../errors.js';
import { maybeCompress } from './compress.js';
import { blobId, seal, SEAL_OVERHEAD } from './crypto.js';
import { type BlobType, BLOB_DATA, BLOB_TREE } from './index-memory.js';
import { encodeIndex, type IndexPack } from './index-file.js';
import { PACK_ENTRY_LEN, PackWriter } from './pack.js';
import type { Repository } from './repository.js';
import { Semaphore } from '../util/concurrency.js';

const INDEX_EVERY_PACKS = 64;
/**
 * …or this many blobs, whichever comes first: 64 packs of small files are half a million entries, and holding
 * them until the index is written would be per-file state that grows with the tree.
 */
const INDEX_EVERY_BLOBS = 32_768;
const TREE_PACK_BUFFER = 2 * 1024 * 1024;

export interface PackerStats {
  blobsAdded: number;
  bytesAdded: number;
  bytesStored: number;
  packs: number;
}

export class Packer {
  readonly stats: PackerStats = { blobsAdded: 0, bytesAdded: 0, bytesStored: 0, packs: 0 };
  private readonly pending = new Set<string>();
  private readonly writers: Record<BlobType, PackWriter | null> = { [BLOB_DATA]: null, [BLOB_TREE]: null };
  private readonly uploads = new Set<Promise<void>>();
  private readonly slots: Semaphore;
  private readonly freeBuffers: Buffer[] = [];
  private readonly bufferSize: number;
  private saved: IndexPack[] = [];
  private savedBlobs = 0;
  private failure: unknown = null;
  private abandoned = false;
  readonly indexesWritten: string[] = [];

  /**
   * Up to `uploadConcurrency` packs upload at once (default: the connections the backend asks for; each holds a
   * pack buffer). With `ignoreIndex`, blobs the repository index already lists are stored again (prune copies
   * live blobs out of packs it is about to delete).
   */
  constructor(
    private readonly repo: Repository,
    uploadConcurrency?: number,
    private readonly opts: { ignoreIndex?: boolean } = {},
  ) {
    this.slots = new Semaphore(Math.max(1, uploadConcurrency ?? repo.backend.capabilities.connections));
    // A pack is finished when the next blob would not fit: packs end up between packSize - max chunk and
    // packSize (+ header room); a blob larger than that gets a buffer of its own.
    this.bufferSize = repo.config.packSize + 1024 * 1024;
  }

  /** True when the blob is already stored or queued for storage. */
  has(id: Buffer): boolean {
    return (!this.opts.ignoreIndex && this.repo.index.has(id)) || this.pending.has(id.toString('hex'));
  }

  /**
   * Queue an already sealed blob; false (and dropped) when it is a duplicate. Synchronous unless a pack has
   * to be finished first or after it (then a promise): the common case allocates no promise.
   */
  addSealed(
    type: BlobType,
    id: Buffer,
    sealed: Uint8Array,
    rawLength: number,
    compressed: boolean,
  ): boolean | Promise<boolean> {
    this.throwIfFailed();
    if (this.has(id)) return false;
    this.pending.add(id.toString('hex'));
    return this.place(type, id, sealed, rawLength, compressed);
  }

  private place(
    type: BlobType,
    id: Buffer,
    sealed: Uint8Array,
    rawLength: number,
    compressed: boolean,
  ): true | Promise<true> {
    const current = this.writers[type];
    if (current && !current.fits(sealed.length))
      return this.finishPack(type).then(() => this.place(type, id, sealed, rawLength, compressed));
    const w = (this.writers[type] ??= new PackWriter(this.takeBuffer(type, sealed.length)));
    w.add(type, id, sealed, rawLength, compressed);
    this.stats.blobsAdded++;
    this.stats.bytesAdded += rawLength;
    this.stats.bytesStored += sealed.length;
    if (w.size >= this.repo.config.packSize) return this.finishPack(type).then(() => true as const);
    return true;
  }

  /** Compress, seal and queue plaintext; returns the blob ID. */
  async addPlain(type: BlobType, plain: Uint8Array): Promise<Buffer> {
    const id = blobId(this.repo.key.idKey, plain);
    if (this.has(id)) return id;
    const c = maybeCompress(plain);
    await this.addSealed(type, id, seal(this.repo.key.encKey, c.data, id), plain.length, c.compressed);
    return id;
  }

  /** Save every open pack, wait for all uploads, and write the index for what was saved. */
  async flush(): Promise<void> {
    await this.finishPack(BLOB_DATA);
    await this.finishPack(BLOB_TREE);
    await Promise.all(this.uploads);
    this.throwIfFailed();
    await this.writeIndex();
  }

  /**
   * For an operation that failed or was cancelled: waits for the packs being saved, whatever their outcome,
   * and saves no more. Ending without it could exit while a pack is half written, leaving the backend's temp
   * file behind; a pack saved whole is unreferenced data, which check notes and prune removes.
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    while (this.uploads.size) await Promise.all(this.uploads);
  }

  private async finishPack(type: BlobType): Promise<void> {
    const w = this.writers[type];
    if (!w || w.count === 0) return;
    this.writers[type] = null;
    await this.slots.acquire();
    if (this.abandoned) {
      this.slots.release();
      throw new StrongboxError('INTERRUPTED', 'the operation has ended: no more packs are saved');
    }
    this.throwIfFailed();
    const { id, bytes } = w.finish(this.repo.key.encKey);
    const p = this.repo
      .save({ type: 'data', name: id }, bytes)
      .then(async () => {
        for (const e of w.entries) {
          this.repo.index.add(e.id, { ...e, packId: id });
          this.pending.delete(e.id.toString('hex'));
        }
        this.saved.push({ packId: id, entries: w.entries });
        this.savedBlobs += w.entries.length;
        this.stats.packs++;
        if (this.saved.length >= INDEX_EVERY_PACKS || this.savedBlobs >= INDEX_EVERY_BLOBS) await this.writeIndex();
      })
      .catch((e) => {
        this.failure ??= e;
      })
      .finally(() => {
        if (w.buf.length === this.bufferSize) this.freeBuffers.push(w.buf);
        this.slots.release();
        this.uploads.delete(p);
      });
    this.uploads.add(p);
  }

  /**
   * A pooled pack buffer, or a dedicated one for a blob larger than a whole pack (a huge tree). Tree packs
   * get small buffers of their own (they finish when full): trees are a small fraction of a backup, and a
   * second full-size buffer held open for them would be 17 MiB of resident memory for nothing.
   */
  private takeBuffer(type: BlobType, blobLength: number): Buffer {
    const need = blobLength + PACK_ENTRY_LEN + 2 * SEAL_OVERHEAD + 4;
    if (type === BLOB_TREE) return Buffer.allocUnsafeSlow(Math.max(need, Math.min(this.bufferSize, TREE_PACK_BUFFER)));
    if (need > this.bufferSize) return Buffer.allocUnsafeSlow(need);
    return this.freeBuffers.pop() ?? Buffer.allocUnsafeSlow(this.bufferSize);
  }

  private async writeIndex(): Promise<void> {
    if (!this.saved.length) return;
    const packs = this.saved;
    this.saved = [];
    this.savedBlobs = 0;
    const name = await this.repo.saveObject('index', encodeIndex({ supersedes: [], packs }));
    this.repo.indexNames.add(name);
    this.indexesWritten.push(name);
  }

  private throwIfFailed(): void {
    if (this.failure) {
      const e = this.failure;
      throw e instanceof StrongboxError
        ? e
        : new StrongboxError('BACKEND', `saving a pack failed: ${(e as Error).message}`, { cause: e });
    }
  }
}
