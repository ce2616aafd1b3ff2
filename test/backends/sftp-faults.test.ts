// The SFTP backend with its retry layer through a TCP proxy that breaks the SSH connection: resets in the middle
// of uploads and downloads, and stalls longer than the request timeout, on most connections. Every save, load and
// listing must still come out right, and only transient failures may be retried.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend, type Backend, type FileType, type RetryInfo } from '../../src/backends/index.js';
import { BackendError } from '../../src/backends/backend.js';
import { bytes, collect, hexName, MiB } from '../conformance/fixtures.js';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';

describe.skipIf(!haveSshd())('SFTP through a faulty network', () => {
  let sshd: SshServer;
  let proxy: TcpFaultProxy;
  let backend: Backend;
  const retries: RetryInfo[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    // Every connection breaks, by reset and by stall in turn, somewhere after the SSH handshake (~5 KB) and within
    // its first 16 MiB: uploads and downloads of 3 MiB objects are cut, and each retry runs on a new connection.
    proxy = await startTcpFaultProxy(
      sshd.port,
      { reset: 0, stall: 0, maxBytes: 16 * MiB, minBytes: 8192, plan: ['reset', 'stall'] },
      20261201,
    );
    const known = join(sshd.dir, 'proxy_known_hosts');
    await writeFile(known, (await readFile(sshd.knownHosts, 'utf8')).replaceAll(`]:${sshd.port} `, `]:${proxy.port} `));
    const location = sshd.location(join(sshd.dir, 'faulty-repo')).replace(`:${sshd.port}/`, `:${proxy.port}/`);
    backend = await openBackend(location, {
      env: {},
      options: { knownHostsFile: known, identityFile: sshd.identity, timeoutSeconds: 2, connections: 4 },
      retry: { retries: 12, baseDelayMs: 20, maxDelayMs: 300, onRetry: (i) => retries.push(i) },
    });
    await backend.create();
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    await proxy?.close();
    await sshd?.stop();
  });

  it('stores, lists, reads and removes objects correctly, retrying only transient failures', async () => {
    const objects = Array.from({ length: 24 }, (_, i) => ({
      h: { type: (['data', 'index', 'snapshot', 'lock'] as FileType[])[i % 4], name: hexName(`sftp-fault-${i}`) },
      data: bytes(i % 4 === 0 ? 3 * MiB : 100 + i * 7000, i + 1),
    }));
    const queue = objects.filter((o) => o.h.type !== 'lock');
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let o = queue.shift(); o; o = queue.shift()) await backend.save(o.h, o.data);
      }),
    );
    // Exclusive saves whose connection breaks: a retry that finds its own object may report "already exists"
    // (the first attempt landed); the object must hold the content either way.
    for (const o of objects.filter((x) => x.h.type === 'lock')) {
      await backend.save(o.h, o.data, { exclusive: true }).catch((e: unknown) => {
        if (!backend.isAlreadyExists(e)) throw e;
      });
    }
    const connectionsAfterSaves = proxy.counts.connections;
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
    for (const o of objects.slice(0, 12)) await backend.remove(o.h);
    expect((await collect(backend.list('data'))).length).toBe(3);
    const missing = await backend.load(objects[0].h).catch((e: unknown) => e);
    expect(backend.isNotFound(missing)).toBe(true);

    // Faults hit the reading phase too: connections were still being broken after every object was stored.
    expect(connectionsAfterSaves).toBeLessThan(proxy.counts.connections);
    // The proxy really broke connections both ways, and the retry layer saw only transient errors.
    expect(proxy.counts.resets).toBeGreaterThan(0);
    expect(proxy.counts.stalls).toBeGreaterThan(0);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.filter((r) => !(r.error instanceof BackendError && r.error.kind === 'transient'))).toEqual([]);
    console.log(`tcp fault proxy: ${JSON.stringify(proxy.counts)}; retries ${retries.length}`);
  }, 240_000);
});
