// Reading a repository's index objects: loading them into the in-memory index (entries added straight from each
// decrypted body, a few read ahead), and reading them whole for check, prune and repair. Damaged objects are
// reported, not fatal: each reader decides what one means.
import { isStrongboxError } from '../errors.js';
import { mapLimit } from '../util/concurrency.js';
import { decodeIndex, type IndexFile, scanIndex } from './index-file.js';
import { BlobIndex } from './index-memory.js';

/** A stored object that could not be read or verified, and why; skipped by the lenient readers. */
export interface DamagedObject {
  type: 'index' | 'snapshot' | 'lock' | 'data';
  name: string;
  message: string;
}

/** Where index objects come from: their names, and each one's decrypted, verified body. */
export interface IndexSource {
  names(): Promise<string[]>;
  load(name: string): Promise<Buffer>;
}

export interface IndexObjects {
  live: { name: string; idx: IndexFile }[];
  superseded: string[];
  damaged: DamagedObject[];
}

const INDEX_READ_AHEAD = 8;

/**
 * The entries of the index objects `names` but `skip`, added in name order straight from each decrypted body
 * (a few read ahead): no object per entry, so ten million blobs load in the index's own ~60 bytes each.
 */
export async function fillIndex(
  source: IndexSource,
  names: string[],
  skip: Set<string>,
): Promise<{ index: BlobIndex; loaded: string[]; superseded: Set<string>; damaged: DamagedObject[] }> {
  const index = new BlobIndex();
  const wanted = names.filter((n) => !skip.has(n));
  const superseded = new Set<string>();
  const damaged: DamagedObject[] = [];
  const loaded: string[] = [];
  const reads = new Map<number, Promise<Buffer | DamagedObject>>();
  const read = (i: number) => {
    if (i >= wanted.length || reads.has(i)) return;
    const name = wanted[i];
    const p = source.load(name).catch((e: unknown) => {
      if (!isStrongboxError(e, 'INTEGRITY')) throw e;
      return { type: 'index' as const, name, message: e.message };
    });
    p.catch(() => {});
    reads.set(i, p);
  };
  for (let i = 0; i < INDEX_READ_AHEAD; i++) read(i);
  for (let i = 0; i < wanted.length; i++) {
    const body = await reads.get(i)!;
    reads.delete(i);
    read(i + INDEX_READ_AHEAD);
    if (!Buffer.isBuffer(body)) {
      damaged.push(body);
      continue;
    }
    try {
      scanIndex(body, wanted[i], () => {}); // a damaged body adds nothing, not the entries before the damage
      const sup = scanIndex(body, wanted[i], (e) =>
        index.addAt(e.body, e.idAt, e.packId, e.type, e.compressed, e.offset, e.length, e.rawLength),
      );
      for (const n of sup) superseded.add(n);
      loaded.push(wanted[i]);
    } catch (e) {
      if (!isStrongboxError(e, 'INTEGRITY')) throw e;
      damaged.push({ type: 'index', name: wanted[i], message: e.message });
    }
  }
  return { index, loaded: loaded.filter((n) => !superseded.has(n)), superseded, damaged };
}

/**
 * Every index object, read and verified: the live ones, the names of those a later index supersedes (left by
 * an interrupted prune or repair), and those that fail to decrypt or verify.
 */
export async function readIndexObjects(source: IndexSource): Promise<IndexObjects> {
  const names = await source.names();
  const damaged: DamagedObject[] = [];
  const read = await mapLimit(names, 8, async (name) => {
    try {
      return { name, idx: decodeIndex(await source.load(name), name) };
    } catch (e) {
      if (!isStrongboxError(e, 'INTEGRITY')) throw e;
      damaged.push({ type: 'index', name, message: e.message });
      return null;
    }
  });
  const files = read.filter((f) => f !== null);
  const supersededSet = new Set(files.flatMap((f) => f.idx.supersedes));
  return {
    live: files.filter((f) => !supersededSet.has(f.name)),
    superseded: files.filter((f) => supersededSet.has(f.name)).map((f) => f.name),
    damaged,
  };
}
