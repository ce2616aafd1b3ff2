// The file pool and its workers' shared rings (src/archiver/pool.ts, worker.ts), with the main thread made slow on
// purpose: each chunk is taken only after a pause, as when a full pack must be saved first. A ring region released
// too early, or written over before the main thread took it, fails authentication here; chunks out of order, lost
// or repeated fail the reassembly. Small chunker parameters make the rings wrap and grow many times per file.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilePool } from '../../../src/archiver/pool.js';
import type { ChunkResult } from '../../../src/archiver/protocol.js';
import { zstdDecompress } from '../../../src/repository/compress.js';
import { blobId, newMasterKey, open } from '../../../src/repository/crypto.js';
import { tempDir } from '../../e2e/helpers.js';
import { randomBytesFor } from '../../e2e/proc.js';

const key = newMasterKey();
const chunker = { min: 64 * 1024, avg: 256 * 1024, max: 3 * 1024 * 1024 };

describe('file pool rings', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const files: { path: string; data: Buffer }[] = [];

  beforeAll(async () => {
    tmp = await tempDir('sb-pool-');
    const text = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `row ${i} ${'abc '.repeat(i % 9)}\n`).join(''));
    const contents = [
      randomBytesFor('pool-a', 9 * 1024 * 1024 + 3),
      text,
      ...Array.from({ length: 40 }, (_, i) => randomBytesFor(`pool-s${i}`, 1 + ((i * 7919) % 90_000))),
      randomBytesFor('pool-b', 7 * 1024 * 1024),
      Buffer.alloc(0),
    ];
    for (const [i, data] of contents.entries()) {
      const path = join(tmp.path, `f${i}`);
      await writeFile(path, data);
      files.push({ path, data });
    }
  });

  afterAll(() => tmp?.cleanup());

  it('hands every chunk over intact and in order while the main thread lags behind the workers', async () => {
    const pool = new FilePool({ encKey: key.encKey, idKey: key.idKey, chunkerSeed: key.chunkerSeed, chunker }, 2);
    let paused = 0;
    try {
      const results = await Promise.all(
        files.map(async ({ path, data }) => {
          const parts: Buffer[] = [];
          const onChunk = async (c: ChunkResult) => {
            // Every third chunk waits: the worker meanwhile fills its ring, and must not write over this chunk.
            if (parts.length % 3 === 0) {
              paused++;
              await sleep(3);
            }
            const id = Buffer.from(c.id);
            const opened = open(key.encKey, c.sealed, id, `chunk ${parts.length} of ${path}`);
            const plain = c.compressed ? zstdDecompress(opened) : opened;
            expect(plain.length).toBe(c.rawLength);
            expect(blobId(key.idKey, plain).equals(id)).toBe(true);
            parts.push(plain);
          };
          const out = await pool.submit(path, data.length, onChunk);
          return { out, data, joined: Buffer.concat(parts), count: parts.length };
        }),
      );
      for (const r of results) {
        expect(r.out.error).toBeUndefined();
        expect(r.out.size).toBe(r.data.length);
        expect(r.joined.equals(r.data)).toBe(true);
      }
      // The large random files were cut into many chunks (so the rings wrapped and grew), the text compressed.
      expect(results[0].count).toBeGreaterThan(10);
      expect(paused).toBeGreaterThan(30);
    } finally {
      await pool.close();
    }
  }, 120_000);
});
