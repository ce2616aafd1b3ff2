// The floor section's timed steps: strongbox's own chunker, blob ID, compression and sealing (and their restore-side
// inverses) run single-threaded over files already in memory, so each figure is CPU per byte and nothing else.
import { Chunker, DEFAULT_CHUNKER_PARAMS, gearTableFromSeed } from '../src/repository/chunker.js';
import { maybeCompress, ZSTD_LEVEL, zstdCompress, zstdDecompress } from '../src/repository/compress.js';
import { blobId, newMasterKey, open, seal } from '../src/repository/crypto.js';
import type { StepTiming } from './floor-report.js';

/** The archiver worker's read size: each file reaches the chunker in blocks of this many bytes. */
const BLOCK = 1024 * 1024;

function timeRounds<T>(rounds: number, fn: () => T): { roundsMs: number[]; last: T } {
  const roundsMs: number[] = [];
  let last!: T;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    last = fn();
    roundsMs.push(performance.now() - t);
  }
  return { roundsMs, last };
}

/** Feeds every file to a fresh chunker in 1 MiB blocks, as src/archiver/worker.ts does, calling `emit` per chunk. */
function chunkFiles(gear: Uint32Array, files: Buffer[], emit: (chunk: Buffer) => void): void {
  for (const f of files) {
    const chunker = new Chunker(gear, DEFAULT_CHUNKER_PARAMS);
    for (let pos = 0; pos < f.length; pos += BLOCK) for (const c of chunker.push(f.subarray(pos, pos + BLOCK))) emit(c);
    const last = chunker.finish();
    if (last) emit(last);
  }
}

/** zstd level 1 over the files as one stream (as tar makes them) cut into 1 MiB pieces; returns the output bytes. */
function zstd1Stream(files: Buffer[]): number {
  const piece = Buffer.allocUnsafe(BLOCK);
  let fill = 0;
  let out = 0;
  for (const f of files) {
    for (let pos = 0; pos < f.length;) {
      const n = f.copy(piece, fill, pos, Math.min(f.length, pos + BLOCK - fill));
      fill += n;
      pos += n;
      if (fill === BLOCK) {
        out += zstdCompress(piece, 1).length;
        fill = 0;
      }
    }
  }
  return fill > 0 ? out + zstdCompress(piece.subarray(0, fill), 1).length : out;
}

/**
 * Times each step `rounds` times over `files`, with fresh random keys and chunker seed. Each step's input is the
 * previous step's output from its last round (seal gets the compressed chunks, open the sealed ones); the restored
 * chunks are compared with the originals, untimed, so a broken step cannot pass as a fast one.
 */
export function timeSteps(files: Buffer[], rounds: number): StepTiming[] {
  const key = newMasterKey();
  const gear = gearTableFromSeed(key.chunkerSeed);
  const source = files.reduce((n, f) => n + f.length, 0);
  const steps: StepTiming[] = [];
  const step = <T>(k: StepTiming['key'], label: string, inputBytes: number, fn: () => T): T => {
    const r = timeRounds(rounds, fn);
    steps.push({ key: k, label, inputBytes, roundsMs: r.roundsMs });
    return r.last;
  };

  const chunks = step('chunk', 'chunking (FastCDC, 1 MiB blocks)', source, () => {
    const out: Buffer[] = [];
    chunkFiles(gear, files, (c) => out.push(c));
    return out;
  });
  const ids = step('id', 'blob ID (HMAC-SHA256)', source, () => chunks.map((c) => blobId(key.idKey, c)));
  step('compress', `compression (maybeCompress, zstd ${ZSTD_LEVEL})`, source, () =>
    chunks.reduce((n, c) => n + maybeCompress(c).data.length, 0),
  );
  // Untimed: a compressed chunk is a view of the compressor's scratch buffer, valid only until the next call (the
  // pipeline seals it at once), so the next steps' inputs are copies.
  const packed = chunks.map((c) => {
    const p = maybeCompress(c);
    return { data: p.compressed ? Buffer.from(p.data) : p.data, compressed: p.compressed };
  });
  const packedBytes = packed.reduce((n, p) => n + p.data.length, 0);
  const sealed = step('seal', 'sealing (AES-256-GCM)', packedBytes, () =>
    packed.map((p, i) => seal(key.encKey, p.data, ids[i])),
  );
  step('pipeline', 'backup pipeline: chunk → ID → compress → seal', source, () => {
    let out = 0;
    // The body of worker.ts's processChunk (not importable: that module is a worker thread's entry point).
    chunkFiles(gear, files, (c) => {
      const id = blobId(key.idKey, c);
      out += seal(key.encKey, maybeCompress(c).data, id).length;
    });
    return out;
  });
  const sealedBytes = sealed.reduce((n, s) => n + s.length, 0);
  const plains = step('open', 'restore: decrypt + decompress', sealedBytes, () =>
    sealed.map((s, i) => {
      const plain = open(key.encKey, s, ids[i], `chunk ${i}`);
      return packed[i].compressed ? zstdDecompress(plain) : plain;
    }),
  );
  const verified = step('verify', 'restore --verify: HMAC of each blob', source, () =>
    plains.every((p, i) => blobId(key.idKey, p).equals(ids[i])),
  );
  step('zstd1', 'zstd -1 alone (1 MiB pieces of the stream)', source, () => zstd1Stream(files));

  const wrong = plains.findIndex((p, i) => !p.equals(chunks[i]));
  if (!verified || wrong >= 0 || chunks.reduce((n, c) => n + c.length, 0) !== source)
    throw new Error(`floor: the restore side did not give back the chunked bytes (chunk ${wrong})`);
  return steps;
}
