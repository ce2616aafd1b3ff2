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
const BLOCK = 4 * 1024 * 1024;
// Read blocks are reused round-robin. The chunker keeps references to fewer than `max` pending bytes,
// so a block pushed RING pushes ago can no longer be referenced; reuse keeps RSS flat (no GC churn).
const RING = Math.ceil(init.chunker.max / BLOCK) + 2;
const blocks = Array.from({ length: RING }, () => Buffer.allocUnsafeSlow(BLOCK));
let nextBlock = 0;
const BATCH_BYTES = 8 * 1024 * 1024;
const BATCH_PARTS = 256;

let batch: FilePart[] = [];
let batchBytes = 0;

function post(): void {
  if (!batch.length) return;
  const transfer: ArrayBuffer[] = [];
  for (const p of batch) for (const c of p.chunks) if (ownsBuffer(c.sealed)) transfer.push(c.sealed.buffer as ArrayBuffer);
  const msg: FromWorker = { t: 'parts', parts: batch, bytes: batchBytes };
  Atomics.add(inflight, 0, batchBytes);
  parentPort!.postMessage(msg, transfer);
  batch = [];
  batchBytes = 0;
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

function processFile(fid: number, path: string): void {
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
    fd = openSync(path, 'r');
    const chunker = new Chunker(gear, init.chunker);
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
