// An opened repository: config, master key, blob index, and typed access to blobs and sealed objects.
// Everything above (archiver, restorer, check, commands) goes through this.
import { randomBytes } from 'node:crypto';
import {
  type Backend,
  BackendError,
  FILE_TYPES,
  type FileInfo,
  type FileType,
  type Handle,
} from '../backends/backend.js';
import { type FallbackNote, isMirrorBackend, type StoreFault } from '../backends/mirror/mirror.js';
import { type Clock, systemClock } from '../clock.js';
import { isStrongboxError, StrongboxError, systemReason } from '../errors.js';
import { zstdDecompress } from './compress.js';
import { blobId, type MasterKey, newMasterKey, open as openSealed, sha256Hex } from './crypto.js';
import { newConfig, parseConfig, type RepoConfig, signConfig, verifyConfig } from './config.js';
import { type BlobType, BlobIndex, BLOB_TREE } from './index-memory.js';
import { TreeReader } from './tree-reader.js';
import { type DamagedObject, fillIndex, type IndexObjects, type IndexSource, readIndexObjects } from './index-read.js';
import { type KdfParams, makeKeyFile, openKeyFile, parseKeyFile } from './keys.js';
import { openObject, sealObject, type ObjectKind } from './objects.js';
import type { Tree } from './tree.js';
import { sleep } from '../util/scope.js';
import { SnapshotStore } from './snapshot-store.js';

export type { StoreFault };

export type { DamagedObject };

/** Where warnings about skipped objects go (a plain callback; the CLI prints them to stderr). */
export type Warn = (message: string) => void;

export interface InitOptions {
  clock?: Clock;
  kdf?: KdfParams;
  packSize?: number;
  chunker?: RepoConfig['chunker'];
  /** On stores without atomic create: how long to wait before reading the config back (default 1 s). */
  recheckDelayMs?: number;
}

export class Repository {
  index = new BlobIndex();
  readonly indexNames = new Set<string>();
  /** Index objects the last loadIndex skipped because they could not be read or verified. */
  damagedIndexes: DamagedObject[] = [];
  private readonly warned = new Set<string>();
  private warnSink: Warn = () => {};
  /** Objects (and blobs) a mirror served because the primary lacked them or held a damaged copy. */
  readonly fallbacks: string[] = [];
  /** Whether a read a mirror served is told as a warning (sync, which reads from every store on purpose, says no). */
  reportFallbacks = true;
  /** Its snapshots: saved, read (each once), listed, resolved. */
  readonly snapshots = new SnapshotStore(this);
  /** Its trees: decoded ones kept for a walk that comes back, tree packs read whole where that pays. */
  readonly trees: TreeReader;

  private constructor(
    readonly backend: Backend,
    readonly config: RepoConfig,
    readonly key: MasterKey,
    readonly keyName: string,
    readonly clock: Clock,
  ) {
    this.trees = new TreeReader(this);
    if (isMirrorBackend(backend)) {
      backend.onFallback = (n) => this.noteFallback(describeFallback(n));
      backend.onDamaged = (h, reasons) =>
        this.warn(`${h.type} ${h.name} is damaged on every store: ${reasons.join('; ')}`);
    }
  }

  /** Tell the user that a mirror served something, once per message (they name the object and both stores). */
  noteFallback(message: string): void {
    if (!this.reportFallbacks) return;
    if (!this.warned.has(message)) this.fallbacks.push(message);
    this.warn(message);
  }

  /** The stores the repository is kept on: the primary and its mirrors, or just the one backend. */
  get stores(): readonly Backend[] {
    return isMirrorBackend(this.backend) ? this.backend.stores : [this.backend];
  }

  /** The stores that have not failed in this session, primary first: where a fallback read may go. */
  get liveStores(): readonly Backend[] {
    const down = new Set(this.storeFaults().map((f) => f.store));
    return this.stores.filter((s) => !down.has(s.location));
  }

  /** Stores that missed writes or stopped answering in this session (empty without mirrors). */
  storeFaults(): StoreFault[] {
    return isMirrorBackend(this.backend) ? this.backend.faults() : [];
  }

  /** The same repository (config, key) read from one store alone: check and sync look at each store by itself. */
  onStore(store: Backend): Repository {
    const r = new Repository(store, this.config, this.key, this.keyName, this.clock);
    r.warnSink = (m) => this.warnSink(m);
    return r;
  }

  /** Report a skipped object once per process, however often it is read. */
  warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnSink(message);
  }

  set onWarning(w: Warn) {
    this.warnSink = w;
  }

  static async init(backend: Backend, password: string, opts: InitOptions = {}): Promise<Repository> {
    const clock = opts.clock ?? systemClock;
    // Each store by itself: with mirrors, one that already holds a repository is named.
    for (const store of isMirrorBackend(backend) ? backend.stores : [backend]) {
      if (await exists(store, { type: 'config', name: 'config' })) {
        throw new StrongboxError('REPO_EXISTS', `a repository already exists at ${store.location}`);
      }
    }
    const config = newConfig(clock, opts);
    checkPackSizeFits(backend, config.packSize);
    await backend.create();
    const master = newMasterKey();
    const cfg = signConfig(config, master);
    const kf = await makeKeyFile(master, password, clock, opts.kdf);
    const keyName = randomBytes(32).toString('hex');
    await backend.save({ type: 'key', name: keyName }, Buffer.from(JSON.stringify(kf, null, 2)), { exclusive: true });
    const cfgBytes = Buffer.from(JSON.stringify(cfg, null, 2));
    await backend.save({ type: 'config', name: 'config' }, cfgBytes, { exclusive: true });
    if (!backend.capabilities.atomicCreate) await checkConfigWon(backend, cfgBytes, opts.recheckDelayMs ?? 1000);
    return new Repository(backend, cfg, master, keyName, clock);
  }

  /** Read the config (refusing newer formats), then find the key file the password opens. */
  static async open(
    backend: Backend,
    password: string,
    opts: { clock?: Clock; warn?: Warn } = {},
  ): Promise<Repository> {
    const cfg = await Repository.readConfig(backend);
    const names: string[] = [];
    for await (const f of backend.list('key')) names.push(f.name);
    const damaged: string[] = [];
    for (const name of names) {
      let mk;
      try {
        mk = await openKeyFile(parseKeyFile(await backend.load({ type: 'key', name }), name), password, name);
      } catch (e) {
        // One damaged key file must not lock out the holders of the others: note it and go on.
        if (!isStrongboxError(e, 'INTEGRITY')) throw e;
        damaged.push(e.message);
        continue;
      }
      if (mk) {
        verifyConfig(cfg, mk, backend.location);
        const repo = new Repository(backend, cfg, mk, name, opts.clock ?? systemClock);
        if (opts.warn) repo.onWarning = opts.warn;
        return repo;
      }
    }
    if (names.length > 0 && damaged.length === names.length) {
      throw new StrongboxError(
        'INTEGRITY',
        `every key file in the repository at ${backend.location} is damaged: ${damaged.join('; ')}`,
      );
    }
    const tried = names.map((n) => `key ${n.slice(0, 8)}`).join(', ');
    throw new StrongboxError(
      'WRONG_PASSWORD',
      `no key in the repository at ${backend.location} opens with the given password` +
        ` (tried ${names.length}: ${tried || 'none'}): the password is wrong, or a key file is damaged` +
        (damaged.length ? `; damaged: ${damaged.join('; ')}` : ''),
    );
  }

  static async readConfig(backend: Backend): Promise<RepoConfig> {
    let bytes: Buffer;
    try {
      bytes = await backend.load({ type: 'config', name: 'config' });
    } catch (e) {
      if (backend.isNotFound(e)) {
        // A backend may know more than "no config" (a missing bucket says so itself, and that init creates it).
        const why = e instanceof BackendError && e.detail ? ` (${e.detail})` : `; create one with 'strongbox init'`;
        throw new StrongboxError('REPO_NOT_FOUND', `no repository at ${backend.location}${why}`, { cause: e });
      }
      throw new StrongboxError('BACKEND', `reading the config of ${backend.location} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return parseConfig(bytes, backend.location);
  }

  /**
   * (Re)load every index object into a fresh in-memory index, ignoring superseded ones. An index that fails
   * to decrypt or verify is skipped with a warning (and kept in `damagedIndexes`): the blobs it listed read
   * as missing, which names them, instead of every command failing ('strongbox repair index' rebuilds it).
   */
  async loadIndex(): Promise<void> {
    const source = this.indexSource();
    const names = await source.names();
    let r = await fillIndex(source, names, new Set());
    // Only after an interrupted prune or repair: the index is built again without the superseded objects.
    if (r.superseded.size) r = await fillIndex(source, names, r.superseded);
    this.index = r.index;
    this.indexNames.clear();
    for (const n of r.loaded) this.indexNames.add(n);
    this.damagedIndexes = r.damaged;
    for (const d of r.damaged) this.warn(`skipping ${d.message}; run 'strongbox repair index'`);
  }

  /** Every index object, read and verified: see `readIndexObjects`. The one reader of indexes. */
  async readIndexes(): Promise<IndexObjects> {
    return readIndexObjects(this.indexSource());
  }

  /** The repository's index objects, as the readers in ./index-read.ts see them. */
  private indexSource(): IndexSource {
    return {
      names: async () => {
        const names: string[] = [];
        for await (const f of this.backend.list('index')) names.push(f.name);
        return names;
      },
      load: (name) => this.loadObject('index', name),
    };
  }

  /**
   * Load, decrypt, decompress a blob; with `verify`, also recompute its ID. With mirrors, a copy that fails
   * verification is read again from each store in turn; when none is good, the error names every store's reason.
   */
  async loadBlob(id: Buffer, verify = false): Promise<Buffer> {
    try {
      return await this.loadBlobFrom(this.backend, id, verify);
    } catch (e) {
      if (!isStrongboxError(e, 'INTEGRITY') || this.stores.length < 2 || !this.index.get(id)) throw e;
      // Each store by itself: the mirrored read above took the first store that had the pack at all.
      const what = `blob ${id.toString('hex')} in pack ${this.index.get(id)!.packId}`;
      const reasons: string[] = [];
      for (const store of this.liveStores) {
        try {
          const plain = await this.loadBlobFrom(store, id, verify);
          this.noteFallback(`${what} was read from ${store.location} (${reasons.join('; ')})`);
          return plain;
        } catch (e2) {
          if (!isStrongboxError(e2, 'INTEGRITY')) throw e2;
          reasons.push(`${store.location}: ${e2.message}`);
        }
      }
      throw new StrongboxError('INTEGRITY', `${what} has no good copy on any store: ${reasons.join('; ')}`, {
        cause: e,
      });
    }
  }

  private async loadBlobFrom(store: Backend, id: Buffer, verify: boolean): Promise<Buffer> {
    const hex = id.toString('hex');
    const loc = this.index.get(id);
    if (!loc) throw new StrongboxError('INTEGRITY', `blob ${hex} is not in the index (missing data)`);
    // Tree packs whole from the cache on the repository's own store; a fallback read from one store is ranged.
    const sealed =
      (loc.type === BLOB_TREE ? this.trees.packSlice(store, loc.packId, loc.offset, loc.length) : null) ??
      this.loadFrom(store, { type: 'data', name: loc.packId }, { offset: loc.offset, length: loc.length });
    const plain = this.decodeBlob(id, await sealed, loc.compressed, loc.packId);
    if (plain.length !== loc.rawLength)
      throw new StrongboxError(
        'INTEGRITY',
        `blob ${hex} in pack ${loc.packId}: length ${plain.length}, index says ${loc.rawLength}`,
      );
    if (verify && !blobId(this.key.idKey, plain).equals(id)) {
      throw new StrongboxError('INTEGRITY', `blob ${hex} in pack ${loc.packId}: content does not match its ID`);
    }
    return plain;
  }

  decodeBlob(id: Buffer, sealed: Uint8Array, compressed: boolean, packId: string): Buffer {
    const plain = openSealed(this.key.encKey, sealed, id, `blob ${id.toString('hex')} in pack ${packId}`);
    if (!compressed) return plain;
    try {
      return zstdDecompress(plain);
    } catch (e) {
      throw new StrongboxError('INTEGRITY', `blob ${id.toString('hex')} in pack ${packId}: does not decompress`, {
        cause: e,
      });
    }
  }

  /** A tree, decoded (see TreeReader). */
  loadTree(idHex: string): Promise<Tree> {
    return this.trees.load(idHex);
  }

  blobType(id: Buffer): BlobType | undefined {
    return this.index.get(id)?.type;
  }

  isTree(id: Buffer): boolean {
    return this.blobType(id) === BLOB_TREE;
  }

  /** Seal and save a content-addressed object; returns its name. */
  async saveObject(kind: 'index' | 'snapshot', body: Uint8Array): Promise<string> {
    const stored = sealObject(this.key.encKey, kind, body);
    const name = sha256Hex(stored);
    await this.save({ type: kind, name }, stored);
    return name;
  }

  /** Load and open a sealed object; content-addressed kinds are checked against their name. */
  async loadObject(kind: ObjectKind, name: string): Promise<Buffer> {
    const stored = await this.load({ type: kind, name });
    if (kind !== 'lock' && sha256Hex(stored) !== name) {
      throw new StrongboxError('INTEGRITY', `${kind} ${name}: content does not match its name (corrupt or tampered)`);
    }
    return openObject(this.key.encKey, kind, stored, name);
  }

  /** Where the repository is, for messages (no secrets). */
  get location(): string {
    return this.backend.location;
  }

  /** The repository's directory when it is on this machine's filesystem (see Backend.localPath). */
  get localPath(): string | undefined {
    return this.backend.localPath;
  }

  /** Releases the backend's connections and handles; the repository is not used afterwards. */
  async close(): Promise<void> {
    await this.backend.close();
  }

  /**
   * The bytes the repository stores, where its backend names a size to warn above (a git provider's guidance);
   * undefined elsewhere, so that no other store pays for listing everything.
   */
  async storageUse(): Promise<{ bytes: number; warnBytes: number } | undefined> {
    const warnBytes = this.backend.capabilities.warnSize;
    if (warnBytes === undefined) return undefined;
    let bytes = 0;
    for (const type of FILE_TYPES) for (const f of await this.listObjects(type)) bytes += f.size;
    return { bytes, warnBytes };
  }

  /** The names (and sizes) of every stored object of one type. */
  async listObjects(type: FileType): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    try {
      for await (const f of this.backend.list(type)) out.push(f);
    } catch (e) {
      throw backendFailure(`listing ${type} objects in ${this.backend.location}`, e);
    }
    return out;
  }

  /** Removes a stored object (a forgotten snapshot, a removed key); a missing one is not an error. */
  async remove(h: Handle): Promise<void> {
    try {
      await this.backend.remove(h);
    } catch (e) {
      throw backendFailure(`removing ${h.type}/${h.name} from ${this.backend.location}`, e);
    }
  }

  async save(h: Handle, data: Uint8Array, exclusive = false): Promise<void> {
    try {
      await this.backend.save(h, data, { exclusive });
    } catch (e) {
      throw backendFailure(`saving ${h.type}/${h.name} to ${this.backend.location}`, e);
    }
  }

  async load(h: Handle, range?: { offset: number; length: number }): Promise<Buffer> {
    return this.loadFrom(this.backend, h, range);
  }

  /** Read an object from one store of the repository (`backend`, or one of `stores`). */
  async loadFrom(store: Backend, h: Handle, range?: { offset: number; length: number }): Promise<Buffer> {
    try {
      return await store.load(h, range);
    } catch (e) {
      if (store.isNotFound(e)) {
        throw new StrongboxError('INTEGRITY', `${h.type} ${h.name} is missing from ${store.location}`, { cause: e });
      }
      // Already about the data, not the storage: kept as it is.
      if (isStrongboxError(e, 'INTEGRITY')) throw e;
      throw backendFailure(`reading ${h.type}/${h.name} from ${store.location}`, e);
    }
  }
}

function describeFallback(n: FallbackNote): string {
  const what = n.handle.type === 'config' ? 'config' : `${n.handle.type} ${n.handle.name}`;
  return `${what} was read from ${n.servedBy} (${n.reasons.join('; ')})`;
}

/** A BACKEND error for a failed call: a backend error's own message names object and location already. */
function backendFailure(what: string, e: unknown): StrongboxError {
  if (e instanceof BackendError) return new StrongboxError('BACKEND', e.message, { cause: e });
  return new StrongboxError('BACKEND', `${what} failed: ${systemReason(e)}`, { cause: e });
}

/**
 * Where exclusive create is not atomic, two inits racing on one location can both "create" the config, and the
 * later write wins. Reading it back after a delay tells the loser, which then reports the repository as existing
 * (its key file stays behind, unusable: it opens no config).
 */
async function checkConfigWon(backend: Backend, mine: Buffer, delayMs: number): Promise<void> {
  await sleep(delayMs);
  const stored = await backend.load({ type: 'config', name: 'config' });
  if (!stored.equals(mine)) {
    throw new StrongboxError(
      'REPO_EXISTS',
      `another process created a repository at ${backend.location} at the same time; use that one`,
    );
  }
}

async function exists(b: Backend, h: Handle): Promise<boolean> {
  try {
    await b.stat(h);
    return true;
  } catch (e) {
    if (b.isNotFound(e)) return false;
    throw e;
  }
}

const MiB = 1024 * 1024;

/**
 * A pack may exceed the target size by up to 1 MiB of header room (packer.ts); a store that caps object sizes (a
 * git provider) must take the largest pack, or backups would fail on it later.
 */
function checkPackSizeFits(backend: Backend, packSize: number): void {
  const max = backend.capabilities.maxObjectSize;
  if (max === undefined || packSize + MiB <= max) return;
  const fits = Math.floor(max / MiB) - 1;
  throw new StrongboxError(
    'USAGE',
    `pack size ${packSize / MiB} MiB is too large for ${backend.location}: it takes objects of at most ` +
      `${(max / MiB).toFixed(0)} MiB and a pack may be 1 MiB over its target; give --pack-size-mib ${fits} or less`,
  );
}
