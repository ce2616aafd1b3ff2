// The store probe behind `strongbox backend test`: a store that keeps the contract passes every check and is left
// empty; stores that break it (a racy exclusive create declared atomic, a listing that lags, corrupt reads) fail
// the checks that catch them, named.
import { describe, expect, it } from 'vitest';
import type { Backend, Handle, SaveOptions } from '../../../src/backends/backend.js';
import { createMemoryBackend } from '../../../src/backends/memory/memory.js';
import { withFaults } from '../../../src/backends/wrappers/faults.js';
import { probeBackend, scratchLocation, stats } from '../../../src/backends/probe.js';

const small = { bytes: 2 << 20, objectBytes: 1 << 20, samples: 5 };

async function objectsIn(b: Backend): Promise<number> {
  let n = 0;
  for (const t of ['data', 'index', 'snapshot', 'lock', 'key'] as const) for await (const _ of b.list(t)) n++;
  return n;
}

describe('probeBackend', () => {
  it('passes a store that keeps the contract, measures it, and removes everything it wrote', async () => {
    const b = createMemoryBackend('memory:probe');
    const r = await probeBackend(b, 'memory:probe', 'memory:', small);
    expect(r.checks.map((c) => [c.name, c.state])).toEqual([
      ['create the layout', 'pass'],
      ['write, read back, stat', 'pass'],
      ['list after write', 'pass'],
      ['ranged read', 'pass'],
      ['read of a missing object', 'pass'],
      ['exclusive create refuses an existing object', 'pass'],
      ['exclusive create is atomic', 'pass'],
      ['remove, then stat and list', 'pass'],
      ['latency', 'pass'],
      ['throughput', 'pass'],
    ]);
    expect(r.latency.save.count).toBe(5);
    expect(r.throughput).toMatchObject({ bytes: 2 << 20, objects: 2 });
    expect(r.throughput.uploadBytesPerSecond).toBeGreaterThan(0);
    expect(await objectsIn(b)).toBe(0);
    expect(r.leftovers).toEqual([]);
  });

  it('fails "exclusive create is atomic" for a store that checks then writes while declaring atomic create', async () => {
    const inner = createMemoryBackend('memory:racy');
    const racy: Backend = {
      ...inner,
      capabilities: { ...inner.capabilities, atomicCreate: true },
      async save(h: Handle, data: Uint8Array, opts?: SaveOptions) {
        if (opts?.exclusive) {
          const exists = await inner.stat(h).then(
            () => true,
            () => false,
          );
          await new Promise((r) => setTimeout(r, 5)); // the window between the check and the write
          if (exists) return inner.save(h, data, opts);
          return inner.save(h, data);
        }
        return inner.save(h, data, opts);
      },
    };
    const r = await probeBackend(racy, 'memory:racy', 'memory:', small);
    const atomic = r.checks.find((c) => c.name === 'exclusive create is atomic')!;
    expect(atomic.state).toBe('fail');
    expect(atomic.detail).toMatch(
      /^[2-8] of 8 racing exclusive creates succeeded, though the backend declares atomic create$/,
    );
    // Declared honestly, the same store only gets a warning: the engine's lock protocol copes with it.
    const honest = await probeBackend(
      { ...racy, capabilities: { ...racy.capabilities, atomicCreate: false } },
      'memory:racy',
      'memory:',
      small,
    );
    expect(honest.checks.find((c) => c.name === 'exclusive create is atomic')!.state).toBe('warn');
  });

  it('fails "list after write" for a store whose listing lags while declaring consistent listing', async () => {
    const inner = createMemoryBackend('memory:lag');
    const seen = new Set<string>();
    const lagging: Backend = {
      ...inner,
      async *list(type, opts) {
        // Shows an object only from the second listing that could have seen it on.
        for await (const f of inner.list(type, opts)) {
          if (seen.has(f.name)) yield f;
          else seen.add(f.name);
        }
      },
    };
    const r = await probeBackend(lagging, 'memory:lag', 'memory:', small);
    expect(r.checks.find((c) => c.name === 'list after write')).toMatchObject({
      state: 'fail',
      detail: expect.stringContaining('declares consistent listing'),
    });
  });

  it('fails the round trip and throughput checks for a store that corrupts what it stores, and goes on with the others', async () => {
    const b = withFaults(createMemoryBackend('memory:corrupt'), { corrupt: { mode: 'flip' } });
    const r = await probeBackend(b, 'memory:corrupt', 'memory:', small);
    expect(r.checks.find((c) => c.name === 'write, read back, stat')).toMatchObject({
      state: 'fail',
      detail: 'the object read back differs from what was written',
    });
    expect(r.checks).toHaveLength(10);
  });

  it('names the scratch location below the one given, and takes percentiles', () => {
    expect(scratchLocation('s3:bucket/prefix', 'x')).toBe('s3:bucket/prefix/x');
    expect(scratchLocation('sftp://u@h:22//srv/repo/', 'x')).toBe('sftp://u@h:22//srv/repo/x');
    expect(scratchLocation('/srv/repo')).toMatch(/^\/srv\/repo\/strongbox-backend-test-[0-9a-f]{8}$/);
    expect(stats([5, 1, 3, 2, 4])).toEqual({ count: 5, medianMs: 3, p95Ms: 5 });
    expect(stats([])).toEqual({ count: 0, medianMs: 0, p95Ms: 0 });
  });
});
