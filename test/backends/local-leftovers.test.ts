// removeLeftovers on the local backend: the temp files killed writers leave are swept, except fresh ones in
// locks/, which may belong to another process taking a lock at this very moment.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalBackend } from '../../src/backends/local/local.js';

describe('local backend: removeLeftovers', () => {
  let tmp: string;
  let repo: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strongbox-leftovers-'));
    repo = path.join(tmp, 'repo');
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('removes temp files in data shards, index, snapshots and keys, old temp files in locks, and nothing else', async () => {
    const backend = createLocalBackend(repo);
    await backend.create();
    await backend.save({ type: 'data', name: 'ab'.padEnd(64, '0') }, Buffer.from('pack'));
    await backend.save({ type: 'lock', name: 'l1' }, Buffer.from('lock'));
    const temps = {
      shard: path.join(repo, 'data', 'ab', '.tmp-00aa'),
      index: path.join(repo, 'index', '.tmp-00bb'),
      snapshot: path.join(repo, 'snapshots', '.tmp-00cc'),
      oldLock: path.join(repo, 'locks', '.tmp-00dd'),
      freshLock: path.join(repo, 'locks', '.tmp-00ee'),
    };
    for (const f of Object.values(temps)) await fs.writeFile(f, 'x'.repeat(10));
    const hourAgo = new Date(Date.now() - 3600_000);
    await fs.utimes(temps.oldLock, hourAgo, hourAgo);

    expect(await backend.removeLeftovers!()).toBe(40);
    const exists = async (f: string) =>
      fs.access(f).then(
        () => true,
        () => false,
      );
    expect(await exists(temps.shard)).toBe(false);
    expect(await exists(temps.index)).toBe(false);
    expect(await exists(temps.snapshot)).toBe(false);
    expect(await exists(temps.oldLock)).toBe(false);
    expect(await exists(temps.freshLock)).toBe(true);
    expect(await backend.load({ type: 'data', name: 'ab'.padEnd(64, '0') })).toEqual(Buffer.from('pack'));
    expect(await backend.load({ type: 'lock', name: 'l1' })).toEqual(Buffer.from('lock'));
  });
});
