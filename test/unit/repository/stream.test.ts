import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../../src/backends/memory/memory.js';
import { fixedClock } from '../../../src/clock.js';
import { repositorySource } from '../../../src/repository/blob-source.js';
import { Packer } from '../../../src/repository/packer.js';
import { Repository } from '../../../src/repository/repository.js';
import { readStream, saveStream } from '../../../src/repository/stream.js';

const fastKdf = { N: 1024, r: 8, p: 1 };
const MiB = 1024 * 1024;

/** Yields `data` in pieces of irregular sizes, as a pipe would. */
function piecewise(data: Buffer): AsyncIterable<Buffer> {
  return (async function* () {
    for (let off = 0, i = 0; off < data.length; i++) {
      const n = Math.min(data.length - off, 1 + ((i * 7919) % (300 * 1024)));
      yield Buffer.from(data.subarray(off, off + n));
      off += n;
    }
  })();
}

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of r) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

describe('streams as blobs', () => {
  it('stores a stream and reads back the same bytes, with its size and SHA-256', async () => {
    const repo = await Repository.init(createMemoryBackend(), 'pw', { kdf: fastKdf, clock: fixedClock(0) });
    const data = Buffer.concat([randomBytes(5 * MiB), Buffer.alloc(3 * MiB, 'a'), randomBytes(MiB + 123)]);
    const packer = new Packer(repo);
    const stored = await saveStream(repo, packer, piecewise(data));
    await packer.flush();
    expect(stored.size).toBe(data.length);
    expect(stored.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(stored.content.length).toBeGreaterThan(2);
    expect((await collect(readStream(repositorySource(repo), stored, 'test'))).equals(data)).toBe(true);
  });

  it('a second stream with a small change stores only the chunks around it', async () => {
    const repo = await Repository.init(createMemoryBackend(), 'pw', { kdf: fastKdf, clock: fixedClock(0) });
    const a = randomBytes(24 * MiB);
    const b = Buffer.concat([a.subarray(0, 12 * MiB), Buffer.from('one inserted row'), a.subarray(12 * MiB)]);
    const packer = new Packer(repo);
    const first = await saveStream(repo, packer, piecewise(a));
    const second = await saveStream(repo, packer, piecewise(b));
    await packer.flush();
    expect(first.blobsNew).toBe(first.content.length);
    expect(second.blobsNew).toBeGreaterThan(0);
    expect(second.blobsNew).toBeLessThanOrEqual(3);
    expect((await collect(readStream(repositorySource(repo), second, 'second'))).equals(b)).toBe(true);
  });

  it('reading refuses a stream whose recorded SHA-256 does not match', async () => {
    const repo = await Repository.init(createMemoryBackend(), 'pw', { kdf: fastKdf, clock: fixedClock(0) });
    const packer = new Packer(repo);
    const stored = await saveStream(repo, packer, piecewise(randomBytes(2 * MiB)));
    await packer.flush();
    await expect(
      collect(readStream(repositorySource(repo), { ...stored, sha256: '0'.repeat(64) }, 'dump main')),
    ).rejects.toThrow(/dump main: the stored stream does not match/);
  });
});
