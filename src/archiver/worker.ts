// Worker thread: reads files, splits them with FastCDC, computes keyed blob IDs, compresses and seals
// each chunk, and posts sealed chunks back in batches. Blocks on a shared counter when the main thread lags.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { maybeCompress } from '../repository/compress.js';
import { blobId, seal } from '../repository/crypto.js';
import { Chunker, gearTableFromSeed } from '../repository/chunker.js';
import type { ChunkResult, FilePart, FromWorker, ToWorker, WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const encKey = Buffer.from(init.encKey);
const idKey = Buffer.from(init.idKey);
const gear = gearTableFromSeed(Buffer.from(init.chunkerSeed));
const inflight = new Int32Array(init.inflight);
const BLOCK = 1024 * 1024;
// Read blocks are reused round-robin. The chunker keeps references to fewer than `max` pending bytes,
// so a block pushed RING pushes ago can no longer be referenced; reuse keeps RSS flat (no GC churn).
const RING = Math.ceil(init.chunker.max / BLOCK) + 2;
const blocks = Array.from({ length: RING }, () => Buffer.allocUnsafeSlow(BLOCK));
let nextBlock = 0;
const BATCH_BYTES = 4 * 1024 * 1024;
const BATCH_PARTS = 64;

let batch: FilePart[] = [];
let batchBytes = 0;

/**
 * Posts the batch. Blob IDs and small sealed chunks are copied into one transferred arena: thousands of
 * tiny separately cloned buffers (a tree of small files) cost the main thread far more in allocation and
 * GC than one memcpy here. Large sealed chunks own their buffers and are transferred as they are.
 */
function post(): void {
  if (!batch.length) return;
  const transfer: ArrayBuffer[] = [];
  let arenaBytes = 0;
  for (const p of batch) {
    for (const c of p.chunks) arenaBytes += c.id.length + (isLarge(c.sealed) ? 0 : c.sealed.length);
  }
  const arena = new Uint8Array(new ArrayBuffer(arenaBytes));
  let off = 0;
  const place = (b: Uint8Array): Uint8Array => {
    arena.set(b, off);
    off += b.length;
    return arena.subarray(off - b.length, off);
  };
  for (const p of batch) {
    for (const c of p.chunks) {
      c.id = place(c.id);
      if (isLarge(c.sealed)) transfer.push(c.sealed.buffer as ArrayBuffer);
      else c.sealed = place(c.sealed);
    }
  }
  transfer.push(arena.buffer);
  const msg: FromWorker = { t: 'parts', parts: batch, bytes: batchBytes };
  Atomics.add(inflight, 0, batchBytes);
  parentPort!.postMessage(msg, transfer);
  batch = [];
  batchBytes = 0;
}

const LARGE = 64 * 1024;

function isLarge(b: Uint8Array): boolean {
  return b.length >= LARGE && ownsBuffer(b);
}

function ownsBuffer(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer);
}

/** Wait while the main thread has more than the limit of our results still to consume. */
function throttle(): void {
  for (;;) {
    const cur = Atomics.load(inflight, 0);
    if (cur <= init.inflightLimit) return;
    Atomics.wait(inflight, 0, cur, 50);
  }
}

function processChunk(data: Uint8Array): ChunkResult {
  const id = blobId(idKey, data);
  const c = maybeCompress(data);
  return { id, sealed: seal(encKey, c.data, id), rawLength: data.length, compressed: c.compressed };
}

function addPart(part: FilePart, bytes: number): void {
  batch.push(part);
  batchBytes += bytes;
  if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_PARTS) post();
}

function processFile(fid: number, path: string | Uint8Array): void {
  let fd = -1;
  let size = 0;
  let part: FilePart = { fid, chunks: [], done: false };
  let partBytes = 0;
  const emit = (chunk: Uint8Array) => {
    const r = processChunk(chunk);
    part.chunks.push(r);
    partBytes += r.sealed.length;
    if (partBytes >= BATCH_BYTES) {
      addPart(part, partBytes);
      part = { fid, chunks: [], done: false };
      partBytes = 0;
    }
  };
  try {
    fd = openSync(typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength), 'r');
    const chunker = new Chunker(gear, init.chunker);
    // A new chunker references no earlier block (every chunk of the last file was sealed into buffers of its own):
    // each file starts at the first block, so a tree of small files keeps one block resident, not all RING.
    nextBlock = 0;
    for (;;) {
      throttle();
      const block = blocks[nextBlock];
      nextBlock = (nextBlock + 1) % RING;
      const n = readSync(fd, block, 0, BLOCK, null);
      if (n === 0) break;
      size += n;
      for (const c of chunker.push(n === BLOCK ? block : block.subarray(0, n))) emit(c);
    }
    const last = chunker.finish();
    if (last) emit(last);
    part.done = true;
    part.size = size;
  } catch (e) {
    part = { fid, chunks: [], done: true, error: (e as Error).message };
    partBytes = 0;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  addPart(part, partBytes);
}

parentPort!.on('message', (m: ToWorker) => {
  if (m.t === 'exit') {
    post();
    process.exit(0);
  }
  for (const j of m.jobs) processFile(j.fid, j.path);
  post();
});
