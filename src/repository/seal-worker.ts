// Worker side of the seal pool: compress (when it pays) and encrypt one chunk of a byte stream.
import { parentPort, workerData } from 'node:worker_threads';
import { maybeCompress, ZSTD_LEVEL_STREAM } from './compress.js';
import { seal } from './crypto.js';
import type { SealJob, SealResult } from './seal-pool.js';

const encKey = Buffer.from((workerData as { encKey: Uint8Array }).encKey);

parentPort!.on('message', (job: SealJob) => {
  const c = maybeCompress(job.data, ZSTD_LEVEL_STREAM);
  const sealed = seal(encKey, c.data, job.id);
  const out: SealResult = { n: job.n, sealed, compressed: c.compressed };
  // `seal` returns a buffer of its own, so its memory can move to the main thread without a copy.
  const whole = sealed.byteOffset === 0 && sealed.byteLength === sealed.buffer.byteLength;
  parentPort!.postMessage(out, whole ? [sealed.buffer as ArrayBuffer] : []);
});
