// openBackend: which location strings open which backend, the shared registry of named memory
// backends, and clear usage errors for schemes that have no driver yet.

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
    await openBackend('memory:shared').save(cfg, bytes(4));
    expect((await openBackend('memory:shared').load(cfg)).equals(bytes(4))).toBe(true);
    expect(openBackend('memory:shared').location).toBe('memory:shared');
    expect(openBackend('memory:other').isNotFound(await openBackend('memory:other').load(cfg).catch((e) => e))).toBe(true);
  });

  it('gives a fresh private store for a bare memory:', async () => {
    await openBackend('memory:').save(cfg, bytes(4));
    const err = await openBackend('memory:').stat(cfg).catch((e) => e);
    expect(openBackend('memory:').isNotFound(err)).toBe(true);
  });

  it('opens local:<path> and plain paths as local directories', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strongbox-open-'));
    try {
      const a = openBackend(`local:${tmp}/repo`);
      await a.create();
      await a.save(cfg, bytes(3));
      const b = openBackend(path.join(tmp, 'repo'));
      expect(b.location).toBe(path.join(tmp, 'repo'));
      expect(b.capabilities.persistent).toBe(true);
      expect((await b.load(cfg)).equals(bytes(3))).toBe(true);
      expect(openBackend('relative/repo').location).toBe(path.resolve('relative/repo'));
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  it('opens sftp: locations without connecting or loading ssh2 (it is imported on first use)', () => {
    const b = openBackend('sftp:backup@example.invalid:/srv/repo');
    expect(b.location).toBe('sftp:backup@example.invalid:/srv/repo');
    expect(b.capabilities).toMatchObject({ atomicCreate: true, persistent: true });
    expect(Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/ssh2/'))).toBe(false);
  });

  it.each(['s3:bucket/prefix', 'git:git@example.com:repo.git'])(
    'refuses %s with a USAGE error saying the backend is not implemented yet',
    (location) => {
      let err: unknown;
      try {
        openBackend(location);
      } catch (e) {
        err = e;
      }
      expect(isStrongboxError(err, 'USAGE')).toBe(true);
      expect(String(err)).toMatch(new RegExp(`backend ${location.split(':')[0]} is not implemented yet`));
    },
  );

  it('refuses an empty location and local: without a path', () => {
    expect(() => openBackend('')).toThrow(/empty repository location/);
    expect(() => openBackend('local:')).toThrow(/needs a path/);
  });
});
