// Sealed repository objects (index, snapshot, lock): format byte + optionally zstd body, encrypted with
// a per-kind associated data. Content-addressed kinds are named by the SHA-256 of their stored bytes.
import { StrongboxError } from '../errors.js';
import { zstdCompress, zstdDecompress } from './compress.js';
import { AAD, open, seal } from './crypto.js';

export type ObjectKind = 'index' | 'snapshot' | 'lock';

const aadFor: Record<ObjectKind, Buffer> = { index: AAD.index, snapshot: AAD.snapshot, lock: AAD.lock };

export function sealObject(encKey: Buffer, kind: ObjectKind, body: Uint8Array): Buffer {
  const z = body.length > 256 ? zstdCompress(body) : null;
  const plain =
    z && z.length < body.length ? Buffer.concat([Buffer.from([1]), z]) : Buffer.concat([Buffer.from([0]), body]);
  return seal(encKey, plain, aadFor[kind]);
}

export function openObject(encKey: Buffer, kind: ObjectKind, stored: Uint8Array, name: string): Buffer {
  const plain = open(encKey, stored, aadFor[kind], `${kind} ${name}`);
  if (plain[0] === 0) return plain.subarray(1);
  if (plain[0] === 1) {
    try {
      return zstdDecompress(plain.subarray(1));
    } catch (e) {
      throw new StrongboxError('INTEGRITY', `${kind} ${name}: body does not decompress`, { cause: e });
    }
  }
  throw new StrongboxError('INTEGRITY', `${kind} ${name}: unknown format byte ${plain[0]}`);
}
