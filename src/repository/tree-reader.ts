// Reading a repository's trees: decoded trees kept up to a node count (a walk reads a parent's trees again), and tree
// packs read whole (tree-packs.ts) where one read of a pack is cheaper than a ranged read per directory.
import type { Backend } from '../backends/backend.js';
import type { RepoConfig } from './config.js';
import { TREE_PACK_CACHE_BYTES, TreePackCache } from './tree-packs.js';
import { decodeTree, type Tree } from './tree.js';

/**
 * Tree nodes the tree cache holds at most (a few MiB): enough for the trees a walk revisits, not for a whole snapshot.
 * Bounded by nodes, not trees: 4,096 trees of 1,000 files each would hold four million nodes (gigabytes).
 */
const TREE_CACHE_NODES = 16_384;
/** Local stores keep fewer whole packs: rereading one is cheap there. */
const LOCAL_TREE_PACK_CACHE_BYTES = 4 * 1024 * 1024;

/** What the reader needs of its repository. */
export interface TreeHost {
  readonly backend: Backend;
  readonly config: RepoConfig;
  load(h: { type: 'data'; name: string }): Promise<Buffer>;
  loadBlob(id: Buffer): Promise<Buffer>;
}

export class TreeReader {
  private readonly cache = new Map<string, Tree>();
  private cachedNodes = 0;
  /**
   * Tree packs read whole: on a remote store each request is a round trip, and on this machine's disk a ranged read
   * per directory costs three thread-pool round trips (a no-change backup of the 400 MiB bench webroot: 1.53 s
   * with ranged reads, 1.23 s with whole tree packs). Null for memory stores, and for packs too large to read whole
   * for one tree (a pack size above 32 MiB).
   */
  private packs: TreePackCache | null;

  constructor(private readonly repo: TreeHost) {
    const { backend, config } = repo;
    const remote = backend.localPath === undefined && backend.capabilities.persistent;
    this.packs =
      backend.capabilities.persistent && config.packSize <= 32 * 1024 * 1024
        ? new TreePackCache(
            (packId) => repo.load({ type: 'data', name: packId }),
            remote ? TREE_PACK_CACHE_BYTES : LOCAL_TREE_PACK_CACHE_BYTES,
          )
        : null;
  }

  /**
   * The sealed bytes of a tree blob at `offset` of `packId`, from its whole pack, when the repository's own store
   * keeps whole packs; null when the caller should make a ranged read (`store` is another store, or none are kept).
   */
  packSlice(store: Backend, packId: string, offset: number, length: number): Promise<Buffer> | null {
    return this.packs && store === this.repo.backend ? this.packs.slice(packId, offset, length) : null;
  }

  /**
   * Read trees with ranged reads again on a store on this machine. A restore does: its time is in writing files,
   * and the garbage of evicted packs raised its peak memory (100,000 files: 143 -> 162 MiB; 1,000,000 files: 251 of
   * the 256 MiB allowed).
   */
  rangedLocalReads(): void {
    if (this.repo.backend.localPath !== undefined) this.packs = null;
  }

  async load(idHex: string): Promise<Tree> {
    const hit = this.cache.get(idHex);
    if (hit) return hit;
    const t = decodeTree(await this.repo.loadBlob(Buffer.from(idHex, 'hex')), idHex);
    if (t.nodes.length > TREE_CACHE_NODES) return t;
    if (this.cachedNodes + t.nodes.length > TREE_CACHE_NODES) {
      this.cache.clear();
      this.cachedNodes = 0;
    }
    this.cache.set(idHex, t);
    this.cachedNodes += t.nodes.length;
    return t;
  }
}
