// Tree nodes from the addon's lstat (nodeFromRaw, util/utimens.ts lstatRaw) must equal those from Node's lstat with
// nanoseconds (nodeFromStat): the backup walk uses the first, and a field printed differently would make every file
// look changed to the next backup. Every kind of entry, times before 1970 and at 0, set-id bits, hard links, holes.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  closeSync,
  ftruncateSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFromRaw, nodeFromStat } from '../../../src/archiver/nodes.js';
import { LSTAT_FIELDS, lstatRaw, setTimesSync } from '../../../src/util/utimens.js';
import { tempDir } from '../../e2e/helpers.js';

describe('nodeFromRaw', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let server: Server;
  const paths: string[] = [];

  beforeAll(async () => {
    tmp = await tempDir('sb-nodes-');
    const p = (n: string) => {
      const full = join(tmp.path, n);
      paths.push(full);
      return full;
    };
    writeFileSync(p('file'), 'hello');
    writeFileSync(p('empty'), '');
    const sparse = p('sparse');
    const fd = openSync(sparse, 'w');
    ftruncateSync(fd, 64 * 1024 * 1024);
    closeSync(fd);
    mkdirSync(p('dir'));
    symlinkSync('file', p('link'));
    execFileSync('mkfifo', [p('fifo')]);
    linkSync(join(tmp.path, 'file'), p('hardlink'));
    writeFileSync(p('setuid'), 'x');
    chmodSync(join(tmp.path, 'setuid'), 0o6755);
    writeFileSync(p('old'), 'x');
    setTimesSync(join(tmp.path, 'old'), -123_456_789_012n); // 1969
    writeFileSync(p('epoch'), 'x');
    setTimesSync(join(tmp.path, 'epoch'), 7n); // 7 ns after the epoch
    writeFileSync(p('ns'), 'x');
    setTimesSync(join(tmp.path, 'ns'), 1_700_000_000_000_000_001n);
    const sock = p('sock');
    server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    paths.push('/dev/null', '/', tmp.path);
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await tmp?.cleanup();
  });

  it('gives the same node as Node’s lstat for every kind of entry', () => {
    const raw = new Float64Array(LSTAT_FIELDS);
    const types = new Set<string>();
    for (const path of paths) {
      const name = { str: 'n' };
      expect(lstatRaw(path, raw), path).toBe(true);
      const fast = nodeFromRaw(name, raw);
      expect(fast, path).toEqual(nodeFromStat(name, lstatSync(path, { bigint: true })));
      types.add(fast.type);
    }
    expect([...types].sort()).toEqual(['chardev', 'dir', 'fifo', 'file', 'socket', 'symlink']);
    const old = nodeFromRaw({ str: 'old' }, (lstatRaw(join(tmp.path, 'old'), raw), raw));
    expect(old.mtime).toBe('-123456789012');
    expect(nodeFromRaw({ str: 'e' }, (lstatRaw(join(tmp.path, 'epoch'), raw), raw)).mtime).toBe('7');
    expect(nodeFromRaw({ str: 's' }, (lstatRaw(join(tmp.path, 'sparse'), raw), raw)).sparse).toBe(true);
  });

  it('takes paths given as bytes, and leaves errors to Node’s lstat (false)', () => {
    const raw = new Float64Array(LSTAT_FIELDS);
    expect(lstatRaw(Buffer.from(join(tmp.path, 'file')), raw)).toBe(true);
    expect(raw[4]).toBe(5);
    expect(lstatRaw(join(tmp.path, 'missing'), raw)).toBe(false);
  });
});
