// Local-backend specifics the generic suite cannot see: the on-disk layout of the format spec, the
// temp-file/fsync/rename (or link) save path, crash leftovers, read-only files and errno mapping.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Backend, Handle } from '../../src/backends/backend.js';
import { createLocalBackend } from '../../src/backends/local/local.js';
import { bytes, collect, hexName, rejection } from '../conformance/fixtures.js';

let tmp: string;
let repo: string;
let b: Backend;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strongbox-layout-'));
  repo = path.join(tmp, 'repo');
  b = createLocalBackend(repo);
  await b.create();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.rm(tmp, { recursive: true, force: true });
});

const pack: Handle = { type: 'data', name: hexName('pack') };
const packPath = (): string => path.join(repo, 'data', pack.name.slice(0, 2), pack.name);
const tempFiles = async (dir: string): Promise<string[]> =>
  (await fs.readdir(dir)).filter((n) => n.startsWith('.tmp-'));

async function fileHandlePrototype(): Promise<{ sync(): Promise<void> }> {
  const fh = await fs.open(path.join(repo, '..'), 'r');
  await fh.close();
  return Object.getPrototypeOf(fh);
}

describe('local backend layout', () => {
  it('creates the type directories and creates data shards lazily', async () => {
    for (const dir of ['keys', 'data', 'index', 'snapshots', 'locks'])
      expect((await fs.stat(path.join(repo, dir))).isDirectory()).toBe(true);
    expect(await fs.readdir(path.join(repo, 'data'))).toEqual([]);
  });

  it('stores each type where docs/design/repository-format.md says', async () => {
    const name = hexName('where');
    const expected = {
      config: 'config',
      key: `keys/${name}`,
      data: `data/${name.slice(0, 2)}/${name}`,
      index: `index/${name}`,
      snapshot: `snapshots/${name}`,
      lock: `locks/${name}`,
    } as const;
    for (const [type, rel] of Object.entries(expected)) {
      await b.save({ type: type as Handle['type'], name }, bytes(7));
      expect((await fs.readFile(path.join(repo, rel))).equals(bytes(7))).toBe(true);
    }
  });

  it('writes objects read-only and can still remove them', async () => {
    await b.save(pack, bytes(10));
    expect((await fs.stat(packPath())).mode & 0o777).toBe(0o444);
    await b.remove(pack);
    await expect(fs.access(packPath())).rejects.toThrow();
  });

  it('does not list temp files a crashed save left behind', async () => {
    await b.save(pack, bytes(10));
    const snapName = hexName('s');
    await b.save({ type: 'snapshot', name: snapName }, bytes(3));
    await fs.writeFile(path.join(path.dirname(packPath()), '.tmp-0123456789abcdef'), bytes(5));
    await fs.writeFile(path.join(repo, 'snapshots', '.tmp-fedcba9876543210'), bytes(5));
    expect(await collect(b.list('data'))).toEqual([{ name: pack.name, size: 10 }]);
    expect(await collect(b.list('snapshot'))).toEqual([{ name: snapName, size: 3 }]);
  });

  it('writes a temp file, fsyncs it, renames it into place, then fsyncs the directory', async () => {
    const sync = vi.spyOn(await fileHandlePrototype(), 'sync');
    const rename = vi.spyOn(fs, 'rename');
    await b.save(pack, bytes(100));
    expect(rename).toHaveBeenCalledTimes(1);
    const [from, to] = rename.mock.calls[0];
    expect(path.dirname(String(from))).toBe(path.dirname(packPath()));
    expect(path.basename(String(from))).toMatch(/^\.tmp-[0-9a-f]{16}$/);
    expect(to).toBe(packPath());
    const order = rename.mock.invocationCallOrder[0];
    expect(sync.mock.invocationCallOrder.some((o) => o < order)).toBe(true);
    expect(sync.mock.invocationCallOrder.some((o) => o > order)).toBe(true);
    expect(await tempFiles(path.dirname(packPath()))).toEqual([]);
  });

  it('saves exclusively through link(2) and removes the temp file', async () => {
    const link = vi.spyOn(fs, 'link');
    const rename = vi.spyOn(fs, 'rename');
    const lock: Handle = { type: 'lock', name: hexName('lock') };
    await b.save(lock, bytes(9), { exclusive: true });
    expect(link).toHaveBeenCalledTimes(1);
    expect(rename).not.toHaveBeenCalled();
    expect(await tempFiles(path.join(repo, 'locks'))).toEqual([]);
    expect(b.isAlreadyExists(await rejection(b.save(lock, bytes(1), { exclusive: true })))).toBe(true);
    expect(await tempFiles(path.join(repo, 'locks'))).toEqual([]);
  });

  it('leaves neither the object nor a temp file when a save fails before the rename', async () => {
    vi.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' }));
    const err = await rejection(b.save(pack, bytes(10)));
    expect(b.isPermanent(err)).toBe(false);
    expect(String(err)).toContain(`cannot save data/${pack.name} at ${repo}`);
    await expect(fs.access(packPath())).rejects.toThrow();
    expect(await tempFiles(path.dirname(packPath()))).toEqual([]);
    expect(await collect(b.list('data'))).toEqual([]);
  });

  it('reads ranges through a file handle instead of reading the whole file', async () => {
    await b.save(pack, bytes(4096));
    const readFile = vi.spyOn(fs, 'readFile');
    expect((await b.load(pack, { offset: 1000, length: 24 })).equals(bytes(4096).subarray(1000, 1024))).toBe(true);
    expect(readFile).not.toHaveBeenCalled();
  });

  it('reports a directory where an object should be as a permanent error, not as missing', async () => {
    const h: Handle = { type: 'snapshot', name: hexName('dir') };
    await fs.mkdir(path.join(repo, 'snapshots', h.name));
    for (const op of [() => b.load(h), () => b.stat(h)]) {
      const err = await rejection(op());
      expect(b.isPermanent(err) && !b.isNotFound(err)).toBe(true);
    }
    expect(await collect(b.list('snapshot'))).toEqual([]);
  });

  it('fails to save into a repository that was never created, without creating it', async () => {
    const missing = createLocalBackend(path.join(tmp, 'nowhere'));
    expect(missing.isNotFound(await rejection(missing.save(pack, bytes(1))))).toBe(true);
    await expect(fs.access(path.join(tmp, 'nowhere'))).rejects.toThrow();
  });

  it.skipIf(process.getuid?.() === 0)('maps permission denied to a permanent error', async () => {
    await fs.chmod(path.join(repo, 'snapshots'), 0o555);
    const err = await rejection(b.save({ type: 'snapshot', name: hexName('ro') }, bytes(1)));
    expect(b.isPermanent(err)).toBe(true);
    await fs.chmod(path.join(repo, 'snapshots'), 0o755);
  });
});
