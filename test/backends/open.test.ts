// openBackend: which location strings open which backend, the shared registry of named memory backends, options
// checked against the driver's schema, and clear usage errors for schemes that have no driver yet.

import fs from 'node:fs/promises';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearMemoryBackends, openBackend } from '../../src/backends/index.js';
import { isStrongboxError } from '../../src/errors.js';
import { bytes } from '../conformance/fixtures.js';

const cfg = { type: 'config' as const, name: 'config' };

afterEach(() => clearMemoryBackends());

describe('openBackend', () => {
  it('shares one store between opens of the same memory:<name>', async () => {
    await (await openBackend('memory:shared')).save(cfg, bytes(4));
    expect((await (await openBackend('memory:shared')).load(cfg)).equals(bytes(4))).toBe(true);
    expect((await openBackend('memory:shared')).location).toBe('memory:shared');
    const other = await openBackend('memory:other');
    expect(other.isNotFound(await other.load(cfg).catch((e: unknown) => e))).toBe(true);
  });

  it('gives a fresh private store for a bare memory:', async () => {
    await (await openBackend('memory:')).save(cfg, bytes(4));
    const fresh = await openBackend('memory:');
    expect(fresh.isNotFound(await fresh.stat(cfg).catch((e: unknown) => e))).toBe(true);
  });

  it('opens local:<path> and plain paths as local directories', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strongbox-open-'));
    try {
      const a = await openBackend(`local:${tmp}/repo`);
      await a.create();
      await a.save(cfg, bytes(3));
      const b = await openBackend(path.join(tmp, 'repo'));
      expect(b.location).toBe(path.join(tmp, 'repo'));
      expect(b.capabilities.persistent).toBe(true);
      expect((await b.load(cfg)).equals(bytes(3))).toBe(true);
      expect((await openBackend('relative/repo')).location).toBe(path.resolve('relative/repo'));
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  it('opens sftp: locations without connecting or loading ssh2 (it is imported on first use)', async () => {
    const b = await openBackend('sftp:backup@example.invalid:/srv/repo');
    expect(b.location).toBe('sftp:backup@example.invalid:/srv/repo');
    expect(b.capabilities).toMatchObject({ atomicCreate: true, persistent: true });
    expect(Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/ssh2/'))).toBe(
      false,
    );
  });

  it('opens git: locations without running git, and refuses ones that would put a credential in argv', async () => {
    const b = await openBackend('git:git@example.com:repo.git', { options: { cacheDir: '/nonexistent/cache' } });
    expect(b.location).toBe('git:git@example.com:repo.git#main');
    expect(b.capabilities).toMatchObject({ atomicCreate: true, consistentListing: true, persistent: true });
    await b.close();
    const err = await openBackend('git:https://me:ghp_secret@github.com/me/backups.git').catch((e: unknown) => e);
    expect(isStrongboxError(err, 'USAGE')).toBe(true);
    expect(String(err)).toMatch(/tokenEnv/);
    expect(String(err)).not.toContain('ghp_secret');
  });

  it('refuses an empty location and local: without a path', async () => {
    await expect(openBackend('')).rejects.toThrow(/empty repository location/);
    await expect(openBackend('local:')).rejects.toThrow(/needs a path/);
  });

  it("checks options against the driver's schema before loading it, as a CONFIG error naming the location", async () => {
    const local = await openBackend('memory:x', { options: { region: 'eu-west-1' } }).catch((e: unknown) => e);
    expect(isStrongboxError(local, 'CONFIG')).toBe(true);
    expect(String(local)).toMatch(/options for the memory repository at memory:x/);
    const s3 = await openBackend('s3:bucket/p', { options: { connections: 0, storageClass: 'CHEAP' } }).catch(
      (e: unknown) => e,
    );
    expect(isStrongboxError(s3, 'CONFIG')).toBe(true);
    expect(String(s3)).toMatch(/storageClass: .*connections: /);
  });

  it('opens s3: locations without a request, showing the location without credentials', async () => {
    const b = await openBackend('s3:https://127.0.0.1:9/bucket/a/b', { retry: false, env: {} });
    expect(b.location).toBe('s3:https://127.0.0.1:9/bucket/a/b');
    expect(b.capabilities).toMatchObject({ atomicCreate: false, consistentListing: true, connections: 5 });
    await b.close();
    const aws = await openBackend('s3:bucket/prefix', { retry: false, options: { connections: 2 }, env: {} });
    expect(aws.capabilities).toMatchObject({ atomicCreate: true, connections: 2 });
    await aws.close();
    await expect(openBackend('s3:https://key:secret@host/bucket')).rejects.toThrow(/must not hold credentials/);
    await expect(openBackend('s3:https://key:secret@host/bucket')).rejects.not.toThrow(/secret/);
  });
});
