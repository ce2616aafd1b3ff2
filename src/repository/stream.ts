// Byte streams as content blobs: how a database dump (a pipe, not a file) enters the repository, and how it
// comes back out. Chunked with the repository's FastCDC parameters so consecutive dumps deduplicate.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { StrongboxError } from '../errors.js';
import { Chunker, gearTableFromSeed } from './chunker.js';
import { maybeCompress } from './compress.js';
import { blobId, seal } from './crypto.js';
import { BLOB_DATA } from './index-memory.js';
import type { Packer } from './packer.js';
import type { Repository } from './repository.js';

export interface StoredStream {
  /** Data blob IDs (hex), in order. */
  content: string[];
  size: number;
  /** SHA-256 of the whole stream, so a restore or `dump` can prove it returns the same bytes. */
  sha256: string;
  blobsNew: number;
}

/**
 * Reads `input` to its end and stores it as data blobs through `packer` (the caller flushes the packer and
 * writes the snapshot). Backpressure: the next read waits while a full pack is being saved.
 */
export async function saveStream(repo: Repository, packer: Packer, input: AsyncIterable<Uint8Array>): Promise<StoredStream> {
  const chunker = new Chunker(gearTableFromSeed(repo.key.chunkerSeed), repo.config.chunker);
  const hash = createHash('sha256');
  const out: StoredStream = { content: [], size: 0, sha256: '', blobsNew: 0 };
  const store = async (chunk: Buffer): Promise<void> => {
    const id = blobId(repo.key.idKey, chunk);
    out.content.push(id.toString('hex'));
    if (packer.has(id)) return;
    const c = maybeCompress(chunk);
    if (await packer.addSealed(BLOB_DATA, id, seal(repo.key.encKey, c.data, id), chunk.length, c.compressed)) out.blobsNew++;
  };
  for await (const piece of input) {
    const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    hash.update(buf);
    out.size += buf.length;
    // The chunker may keep references to `buf` until the next cut; stream buffers are not reused, so that is safe.
    for (const chunk of chunker.push(buf)) await store(chunk);
  }
  const last = chunker.finish();
  if (last) await store(last);
  out.sha256 = hash.digest('hex');
  return out;
}

/** The stored bytes again, blob by blob (a few loaded ahead), checked against the recorded size and SHA-256. */
export function readStream(repo: Repository, stored: Pick<StoredStream, 'content' | 'size' | 'sha256'>, what: string): Readable {
  async function* blobs(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let size = 0;
    const ahead: Promise<Buffer>[] = [];
    const AHEAD = 3;
    let next = 0;
    const fill = () => {
      while (ahead.length < AHEAD && next < stored.content.length) {
        const p = repo.loadBlob(Buffer.from(stored.content[next++], 'hex'));
        p.catch(() => {});
        ahead.push(p);
      }
    };
    fill();
    while (ahead.length) {
      const b = await ahead.shift()!;
      fill();
      hash.update(b);
      size += b.length;
      yield b;
    }
    if (size !== stored.size || hash.digest('hex') !== stored.sha256) {
      throw new StrongboxError('INTEGRITY', `${what}: the stored stream does not match its recorded size and SHA-256`);
    }
  }
  return Readable.from(blobs(), { objectMode: false });
}
