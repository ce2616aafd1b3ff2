// A pool of file-processing workers (one per core): hands out batches of file jobs and receives sealed
// chunks in order per file, through a shared ring per worker that is also the backpressure (worker.ts).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { StrongboxError } from '../errors.js';
import { distUrl } from '../util/package-root.js';
import { abortError } from '../util/scope.js';
import { type ChunkResult, type FromWorker, ID_LEN, type ToWorker, type WorkerInit } from './protocol.js';

export interface FileOutcome {
  size: number;
  error?: string;
}

interface Pending {
  path: string | Buffer;
  size: number;
  onChunk: (c: ChunkResult) => Promise<void> | void;
  resolve: (o: FileOutcome) => void;
  reject: (e: unknown) => void;
}

const BATCH_FILES = 64;
const BATCH_BYTES = 8 * 1024 * 1024;
const QUEUE_LIMIT = 256;

/** The compiled worker script (also when the tests run the TypeScript sources). */
const workerUrl = (): URL => distUrl('archiver/worker.js');

interface Slot {
  w: Worker;
  batches: number[][];
  ring: Uint8Array;
  used: Int32Array;
}

export class FilePool {
  private readonly workers: Slot[] = [];
  private readonly queue: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextFid = 1;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private spaceWaiters: (() => void)[] = [];
  private closed = false;

  /**
   * The workers start with the first file to read, not before: a backup in which nothing changed (every file
   * taken from the parent snapshot) never pays for starting them.
   */
  constructor(
    private readonly init: Omit<WorkerInit, 'ringUsed'>,
    private readonly threads = Math.max(1, Math.min(availableParallelism(), 8)),
    signal?: AbortSignal,
  ) {
    // Cancelled: every pending file fails at once and the workers stop; the walk sees the abort error.
    signal?.addEventListener(
      'abort',
      () => {
        this.fail(abortError(signal));
        void this.close();
      },
      { once: true },
    );
  }

  /** Wait until the job queue has room; the walker calls this before submitting more files. */
  async hasRoom(): Promise<void> {
    while (this.queue.length >= QUEUE_LIMIT && !this.failure) await new Promise<void>((r) => this.spaceWaiters.push(r));
    if (this.failure) throw this.failure;
  }

  /**
   * Process one file; `onChunk` is called for each of its chunks in order, one at a time. The chunk's `id` and
   * `sealed` are views of the worker's ring, valid until `onChunk` returns (or its promise settles): copy to keep.
   */
  submit(path: string | Buffer, size: number, onChunk: (c: ChunkResult) => Promise<void> | void): Promise<FileOutcome> {
    if (this.failure) return Promise.reject(this.failure);
    const fid = this.nextFid++;
    const p = new Promise<FileOutcome>((resolve, reject) =>
      this.pending.set(fid, { path, size, onChunk, resolve, reject }),
    );
    this.queue.push(fid);
    this.dispatch();
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((s) => s.w.terminate()));
  }

  private start(): void {
    for (let i = 0; i < this.threads; i++) {
      // A small young generation per worker keeps the 100,000-file backup under 256 MiB (262 MiB without it).
      const ringUsed = new SharedArrayBuffer(4);
      const data: WorkerInit = { ...this.init, ringUsed };
      const w = new Worker(workerUrl(), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      const slot: Slot = { w, batches: [], ring: new Uint8Array(0), used: new Int32Array(ringUsed) };
      w.on('message', (m: FromWorker) => {
        this.chain = this.chain.then(() => this.receive(slot, m));
      });
      w.on('error', (e) =>
        this.fail(new StrongboxError('INTERNAL', `backup worker failed: ${e.message}`, { cause: e })),
      );
      this.workers.push(slot);
    }
  }

  private dispatch(): void {
    if (this.workers.length === 0 && this.queue.length && !this.closed) this.start();
    for (const slot of this.workers) {
      while (slot.batches.length < 2 && this.queue.length) {
        const batch: number[] = [];
        let bytes = 0;
        while (this.queue.length && batch.length < BATCH_FILES && bytes < BATCH_BYTES) {
          const fid = this.queue.shift()!;
          batch.push(fid);
          bytes += this.pending.get(fid)!.size;
        }
        slot.batches.push(batch);
        const msg: ToWorker = { t: 'jobs', jobs: batch.map((fid) => ({ fid, path: this.pending.get(fid)!.path })) };
        slot.w.postMessage(msg);
      }
    }
    if (this.queue.length < QUEUE_LIMIT) {
      const ws = this.spaceWaiters;
      this.spaceWaiters = [];
      ws.forEach((r) => r());
    }
  }

  private async receive(slot: Slot, m: FromWorker): Promise<void> {
    if (m.ring) slot.ring = new Uint8Array(m.ring);
    try {
      for (const part of m.parts) {
        const p = this.pending.get(part.fid);
        if (!p) continue;
        if (!this.failure) {
          for (const rc of part.chunks) {
            const at = slot.ring.byteOffset + rc.at;
            const c: ChunkResult = {
              id: new Uint8Array(slot.ring.buffer, at, ID_LEN),
              sealed: new Uint8Array(slot.ring.buffer, at + ID_LEN, rc.length),
              rawLength: rc.rawLength,
              compressed: rc.compressed,
            };
            const r = p.onChunk(c);
            if (r) await r; // most chunks are taken synchronously; awaiting only real work saves a promise each
          }
        }
        if (part.done) {
          this.pending.delete(part.fid);
          p.resolve(part.error ? { size: 0, error: part.error } : { size: part.size ?? 0 });
          const b = slot.batches[0];
          if (b && b[b.length - 1] === part.fid) slot.batches.shift();
        }
      }
    } catch (e) {
      this.fail(e);
    } finally {
      // The chunks' bytes have been copied out (into pack buffers): the worker may write over them.
      Atomics.sub(slot.used, 0, m.bytes);
      Atomics.notify(slot.used, 0);
      this.dispatch();
    }
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.spaceWaiters.forEach((r) => r());
  }
}
