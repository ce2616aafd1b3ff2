// The S3 backend with its retry layer through a TCP proxy that breaks traffic: 503 SlowDown / 500 answers,
// connections reset mid-transfer and stalls longer than the request timeout, on about a fifth of requests.
// Every save, load and listing must still come out right, and only transient failures may be retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend, type Backend, type FileType, type RetryInfo } from '../../src/backends/index.js';
import { s3ErrorKind } from '../../src/backends/s3/errors.js';
import { bytes, collect, hexName, MiB } from '../conformance/fixtures.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { s3ServerOrSkip } from '../support/s3-server.js';

const server = await s3ServerOrSkip();

describe.skipIf(!server)('S3 through a faulty network', () => {
  let proxy: FaultProxy;
  let backend: Backend;
  const retries: RetryInfo[] = [];

  beforeAll(async () => {
    proxy = await startFaultProxy(server!.port, { error: 0.1, reset: 0.06, stall: 0.03 }, 20261201);
    const location = server!.freshLocation().replace(`:${server!.port}/`, `:${proxy.port}/`);
    backend = await openBackend(location, {
      env: server!.env,
      options: {
        accessKeyIdEnv: 'AWS_ACCESS_KEY_ID',
        secretAccessKeyEnv: 'AWS_SECRET_ACCESS_KEY',
        timeout: '2s',
        connectTimeout: '2s',
      },
      retry: { retries: 10, baseDelayMs: 20, maxDelayMs: 300, onRetry: (i) => retries.push(i) },
    });
    await backend.create();
  });
  afterAll(async () => {
    await backend?.close();
    await proxy?.close();
    await server?.stop();
  });

  it('stores, lists, reads and removes objects correctly, retrying only transient failures', async () => {
    const objects = Array.from({ length: 48 }, (_, i) => ({
      h: { type: (['data', 'index', 'snapshot', 'lock'] as FileType[])[i % 4], name: hexName(`fault-${i}`) },
      data: bytes(i % 8 === 0 ? 3 * MiB : 100 + i * 5000, i + 1),
    }));
    // Uploads cut anywhere; then exclusive saves (locks) whose replies are lost: s3rver keeps a cut upload as a
    // partial object, which a real service never does, so for them only responses are cut.
    const queue = objects.filter((o) => o.h.type !== 'lock');
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let o = queue.shift(); o; o = queue.shift()) await backend.save(o.h, o.data);
      }),
    );
    proxy.rates.resetResponsesOnly = true;
    for (const o of objects.filter((x) => x.h.type === 'lock')) await backend.save(o.h, o.data, { exclusive: true });
    proxy.rates.resetResponsesOnly = false;
    for (const o of objects) {
      expect((await backend.load(o.h)).equals(o.data), `${o.h.type}/${o.h.name}`).toBe(true);
      const offset = Math.floor(o.data.length / 3);
      expect((await backend.load(o.h, { offset, length: 50 })).equals(o.data.subarray(offset, offset + 50))).toBe(true);
    }
    for (const type of ['data', 'index', 'snapshot', 'lock'] as FileType[]) {
      const want = objects
        .filter((o) => o.h.type === type)
        .map((o) => o.h.name)
        .sort();
      expect((await collect(backend.list(type))).map((f) => f.name).sort()).toEqual(want);
    }
    for (const o of objects.slice(0, 24)) await backend.remove(o.h);
    expect((await collect(backend.list('data'))).length).toBe(6);
    const missing = await backend.load(objects[0].h).catch((e: unknown) => e);
    expect(backend.isNotFound(missing)).toBe(true);

    // The proxy really broke things, in every way, and the retry layer saw only transient errors.
    expect(proxy.counts.errors).toBeGreaterThan(0);
    expect(proxy.counts.resets).toBeGreaterThan(0);
    expect(proxy.counts.stalls).toBeGreaterThan(0);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.filter((r) => s3ErrorKind(r.error) !== 'transient')).toEqual([]);
    console.log(`fault proxy: ${JSON.stringify(proxy.counts)}; retries ${retries.length}`);
  }, 180_000);
});
