// Pack files: concatenated sealed blobs followed by a sealed header and its length (format doc, "Pack
// files"). The writer accumulates blobs in memory up to the target size; the reader parses headers.
import { createHash } from 'node:crypto';
import { StrongboxError } from '../errors.js';
import { AAD, open, seal, SEAL_OVERHEAD } from './crypto.js';
import type { BlobType } from './index-memory.js';

export const PACK_ENTRY_LEN = 42;

export interface PackEntry {
  type: BlobType;
  compressed: boolean;
  id: Buffer;
  offset: number;
  length: number;
  rawLength: number;
}

/**
 * Builds one pack in a caller-provided buffer (reused across packs, so backup memory stays flat).
 * `fits` says whether another blob still leaves room for the header; `finish` seals the header.
 */
export class PackWriter {
  readonly entries: PackEntry[] = [];
  private readonly hash = createHash('sha256');
  size = 0;

  constructor(readonly buf: Buffer) {}

  fits(blobLength: number): boolean {
    return this.size + blobLength + (this.entries.length + 1) * PACK_ENTRY_LEN + SEAL_OVERHEAD + 4 <= this.buf.length;
  }

  add(type: BlobType, id: Buffer, sealed: Uint8Array, rawLength: number, compressed: boolean): PackEntry {
    const e: PackEntry = { type, compressed, id, offset: this.size, length: sealed.length, rawLength };
    this.entries.push(e);
    this.buf.set(sealed, this.size);
    this.hash.update(sealed);
    this.size += sealed.length;
    return e;
  }

  get count(): number {
    return this.entries.length;
  }

  /** Seal the header and return the pack (a view of the buffer) and its ID (SHA-256 of its bytes). */
  finish(encKey: Buffer): { id: string; bytes: Buffer } {
    const header = Buffer.alloc(this.entries.length * PACK_ENTRY_LEN);
    this.entries.forEach((e, i) => {
      const o = i * PACK_ENTRY_LEN;
      header[o] = e.type;
      header[o + 1] = e.compressed ? 1 : 0;
      header.writeUInt32LE(e.length, o + 2);
      header.writeUInt32LE(e.rawLength, o + 6);
      e.id.copy(header, o + 10);
    });
    const sealedHeader = seal(encKey, header, AAD.packHeader);
    let end = this.size;
    end += sealedHeader.copy(this.buf, end);
    this.buf.writeUInt32LE(sealedHeader.length, end);
    end += 4;
    this.hash.update(this.buf.subarray(this.size, end));
    return { id: this.hash.digest('hex'), bytes: this.buf.subarray(0, end) };
  }
}

/** Parse the entries of a pack from its trailing bytes (at least header + 4 bytes of the pack's end). */
export function readPackHeader(tail: Buffer, packSize: number, encKey: Buffer, packId: string): PackEntry[] {
  const what = `pack ${packId}`;
  if (tail.length < 4) throw new StrongboxError('INTEGRITY', `${what}: too short to hold a header`);
  const hlen = tail.readUInt32LE(tail.length - 4);
  if (hlen + 4 > tail.length || hlen + 4 > packSize)
    throw new StrongboxError('INTEGRITY', `${what}: header length ${hlen} is out of range`);
  const header = open(encKey, tail.subarray(tail.length - 4 - hlen, tail.length - 4), AAD.packHeader, `${what} header`);
  if (header.length % PACK_ENTRY_LEN !== 0)
    throw new StrongboxError('INTEGRITY', `${what}: header has a partial entry`);
  const entries: PackEntry[] = [];
  let offset = 0;
  for (let o = 0; o < header.length; o += PACK_ENTRY_LEN) {
    const length = header.readUInt32LE(o + 2);
    entries.push({
      type: header[o] as BlobType,
      compressed: (header[o + 1] & 1) === 1,
      length,
      rawLength: header.readUInt32LE(o + 6),
      id: Buffer.from(header.subarray(o + 10, o + 42)),
      offset,
    });
    offset += length;
  }
  if (offset + hlen + 4 !== packSize)
    throw new StrongboxError('INTEGRITY', `${what}: header does not account for the pack's size`);
  return entries;
}
