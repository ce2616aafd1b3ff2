// Micro-benchmark of the FastCDC chunker on seeded pseudo-random data (AES-CTR keystream), default params.
// Run (compiles just this file and the chunker into bench/.work, which git ignores):
//   npx tsc --outDir bench/.work/chunker-micro --rootDir . --module NodeNext --target ES2022 --strict \
//     --skipLibCheck bench/chunker-micro.ts && node bench/.work/chunker-micro/bench/chunker-micro.js [MiB]

import { createCipheriv } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Chunker, chunkBuffer, gearTableFromSeed } from '../src/repository/chunker.js';

const MIB = 1024 * 1024;

function keystream(bytes: number, seedByte: number): Buffer {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, seedByte), Buffer.alloc(16));
  return cipher.update(Buffer.alloc(bytes));
}

function bestOf(rounds: number, bytes: number, run: () => number): { mbps: number; chunks: number } {
  let best = Infinity;
  let chunks = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    chunks = run();
    best = Math.min(best, performance.now() - t0);
  }
  return { mbps: bytes / 1e6 / (best / 1000), chunks };
}

function streamed(gear: Uint32Array, data: Buffer, blockSize: number): number {
  const chunker = new Chunker(gear);
  let n = 0;
  for (let pos = 0; pos < data.length; pos += blockSize) n += chunker.push(data.subarray(pos, pos + blockSize)).length;
  return n + (chunker.finish() ? 1 : 0);
}

function main(): void {
  const size = Number(process.argv[2] ?? 512) * MIB;
  const data = keystream(size, 7);
  const gear = gearTableFromSeed(Buffer.alloc(32, 1));
  const rounds = 5;
  const report = (name: string, r: { mbps: number; chunks: number }): void => {
    console.log(
      `${name.padEnd(28)} ${r.mbps.toFixed(0).padStart(6)} MB/s  (${r.chunks} chunks, mean ${(size / r.chunks / MIB).toFixed(2)} MiB)`,
    );
  };
  console.log(`chunker micro-benchmark: ${size / MIB} MiB random data, default params, best of ${rounds}`);
  report(
    'chunkBuffer (whole buffer)',
    bestOf(rounds, size, () => chunkBuffer(gear, data).length),
  );
  for (const block of [64 * 1024, MIB, 8 * MIB]) {
    report(
      `Chunker.push ${block / 1024} KiB blocks`,
      bestOf(rounds, size, () => streamed(gear, data, block)),
    );
  }
}

main();
