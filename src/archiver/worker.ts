// Worker thread: reads files, splits them with FastCDC, computes keyed blob IDs, compresses and seals
// each chunk, writes the ID and sealed bytes into this worker's shared ring, and posts the chunks' places
// in batches. The ring is the backpressure: when the main thread lags, the worker waits for room in it.
//
// Why a ring and not transferred buffers: every transferred ArrayBuffer is external memory to the main
// thread's V8 heap, and ~400 MB of them drove the main thread into a full GC every ~40 ms (over a third of its
// time in a backup of the bench webroot), and kept dead buffers resident until each GC.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { maybeCompress } from '../repository/compress.js';
import { blobId, sealedLength, sealInto } from '../repository/crypto.js';
import { Chunker, gearTableFromSeed } from '../repository/chunker.js';
import { growAbove, grownRing, placeInRing } from '../util/ring.js';
import { type FilePart, type FromWorker, ID_LEN, type ToWorker, type WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const encKey = Buffer.from(init.encKey);
const idKey = Buffer.from(init.idKey);
const gear = gearTableFromSeed(Buffer.from(init.chunkerSeed));
const ringUsed = new Int32Array(init.ringUsed);
/**
 * The ring starts small and grows when a chunk needs more than growAbove(ring), to that chunk's size plus 4 MiB: a
 * tree of small files keeps 2 MiB per worker resident, while large files (chunks up to the chunker's max) get room
 * for several chunks in flight. A new ring goes to the main thread with the next message.
 */
const RING_START = 2 * 1024 * 1024;
let ring = new Uint8Array(new SharedArrayBuffer(RING_START));
let announce: SharedArrayBuffer | null = ring.buffer as SharedArrayBuffer;
let head = 0;
/** Ring bytes reserved since the last post: the next message releases them. */
let reserved = 0;

const BLOCK = 1024 * 1024;
// Read blocks are reused round-robin. The chunker keeps references to fewer than `max` pending bytes,
// so a block pushed READ_BLOCKS pushes ago can no longer be referenced; reuse keeps RSS flat (no GC churn).
const READ_BLOCKS = Math.ceil(init.chunker.max / BLOCK) + 2;
const blocks = Array.from({ length: READ_BLOCKS }, () => Buffer.allocUnsafeSlow(BLOCK));
let nextBlock = 0;
/** A message is posted once its chunks reserve this much of the ring, or hold this many parts. */
const BATCH_BYTES = 1024 * 1024;
const BATCH_PARTS = 64;

let batch: FilePart[] = [];
/** The part of the file being read, if any: always the last of `batch`. */
let current: FilePart | null = null;

/** Posts the batch; the file being read continues in a new part of the next one. */
function post(): void {
  if (!batch.length) return;
  const msg: FromWorker = { t: 'parts', parts: batch, bytes: reserved };
  if (announce) msg.ring = announce;
  announce = null;
  parentPort!.postMessage(msg);
  batch = [];
  reserved = 0;
  if (current && !current.done) {
    current = { fid: current.fid, chunks: [], done: false };
    batch.push(current);
  }
}

/**
 * Reserves `n` contiguous bytes of the ring and returns their offset. An item that would cross the end starts
 * at 0 instead, and the skipped tail counts as reserved until the same message is released. When the ring is
 * too full, posts what it holds (so the main thread can release it) and waits.
 */
function reserve(n: number): number {
  if (n > growAbove(ring.length)) grow(n);
  const p = placeInRing(ring.length, head, n);
  if (Atomics.load(ringUsed, 0) + p.take > ring.length) {
    post();
    waitUntilUsed(ring.length - p.take);
  }
  Atomics.add(ringUsed, 0, p.take);
  reserved += p.take;
  head = p.head;
  return p.at;
}

/** Waits until the main thread has released the whole ring, then replaces it with a larger one. */
function grow(n: number): void {
  post();
  waitUntilUsed(0);
  ring = new Uint8Array(new SharedArrayBuffer(grownRing(n)));
  announce = ring.buffer as SharedArrayBuffer;
  head = 0;
}

function waitUntilUsed(limit: number): void {
  for (;;) {
    const used = Atomics.load(ringUsed, 0);
    if (used <= limit) return;
    Atomics.wait(ringUsed, 0, used, 50);
  }
}

function processChunk(data: Uint8Array): void {
  const id = blobId(idKey, data);
  const c = maybeCompress(data);
  const length = sealedLength(c.data.length);
  const at = reserve(ID_LEN + length);
  ring.set(id, at);
  sealInto(encKey, c.data, id, ring, at + ID_LEN);
  current!.chunks.push({ at, length, rawLength: data.length, compressed: c.compressed });
  if (reserved >= BATCH_BYTES) post();
}

function processFile(fid: number, path: string | Uint8Array): void {
  let fd = -1;
  let size = 0;
  current = { fid, chunks: [], done: false };
  batch.push(current);
  try {
    fd = openSync(typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength), 'r');
    const chunker = new Chunker(gear, init.chunker);
    // A new chunker references no earlier block (every chunk of the last file was sealed into the ring, a copy):
    // each file starts at the first block, so a tree of small files keeps one block resident, not all of them.
    nextBlock = 0;
    for (;;) {
      const block = blocks[nextBlock];
      nextBlock = (nextBlock + 1) % READ_BLOCKS;
      const n = readSync(fd, block, 0, BLOCK, null);
      if (n === 0) break;
      size += n;
      for (const c of chunker.push(n === BLOCK ? block : block.subarray(0, n))) processChunk(c);
    }
    const last = chunker.finish();
    if (last) processChunk(last);
    current.done = true;
    current.size = size;
  } catch (e) {
    // The file is reported as failed; chunks of it already posted stay stored, unreferenced (prune removes them).
    current.chunks = [];
    current.done = true;
    current.error = (e as Error).message;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  current = null;
  if (batch.length >= BATCH_PARTS) post();
}

parentPort!.on('message', (m: ToWorker) => {
  if (m.t === 'exit') {
    post();
    process.exit(0);
  }
  for (const j of m.jobs) processFile(j.fid, j.path);
  post();
});
