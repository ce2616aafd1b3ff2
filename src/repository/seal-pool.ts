// A small worker pool that compresses and encrypts chunks of a byte stream (a database dump) off the main
// thread, which meanwhile drains the dump tool's pipe, chunks and hashes. Bounded: at most `limit` chunks
// are in flight, so a fast producer waits instead of filling memory.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { StrongboxError } from '../errors.js';
import { distUrl } from '../util/package-root.js';

export interface SealJob {
  n: number;
  id: Uint8Array;
  data: Uint8Array;
}

export interface SealResult {
  n: number;
  sealed: Uint8Array;
  compressed: boolean;
}

const workerUrl = (): URL => distUrl('repository/seal-worker.js');

export class SealPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (r: SealResult) => void; reject: (e: unknown) => void }>();
  private next = 0;
  private failure: unknown = null;
  private room: (() => void)[] = [];

  constructor(
    encKey: Uint8Array,
    threads = Math.max(1, Math.min(availableParallelism(), 8)),
    private readonly limit = 2 * threads + 2,
  ) {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(workerUrl(), { workerData: { encKey } });
      w.on('message', (r: SealResult) => {
        const p = this.waiting.get(r.n);
        this.waiting.delete(r.n);
        this.wake();
        p?.resolve(r);
      });
      w.on('error', (e) => this.fail(new StrongboxError('INTERNAL', `seal worker failed: ${e.message}`, { cause: e })));
      this.workers.push(w);
    }
  }

  /** Waits until fewer than `limit` chunks are in flight. */
  async hasRoom(): Promise<void> {
    while (this.waiting.size >= this.limit && !this.failure) await new Promise<void>((r) => this.room.push(r));
    if (this.failure) throw this.failure;
  }

  /**
   * Compress and seal `data` under blob ID `id`. A buffer that owns its whole memory is moved to the worker
   * (the caller must not use it afterwards); a view into a larger buffer is copied.
   */
  seal(id: Buffer, data: Uint8Array): Promise<SealResult> {
    if (this.failure) return Promise.reject(this.failure);
    const n = this.next++;
    const p = new Promise<SealResult>((resolve, reject) => this.waiting.set(n, { resolve, reject }));
    const job: SealJob = { n, id, data };
    const whole =
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength &&
      !(data.buffer instanceof SharedArrayBuffer);
    this.workers[n % this.workers.length].postMessage(job, whole ? [data.buffer as ArrayBuffer] : []);
    return p;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private wake(): void {
    const r = this.room;
    this.room = [];
    r.forEach((f) => f());
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    for (const p of this.waiting.values()) p.reject(this.failure);
    this.waiting.clear();
    this.wake();
  }
}
