// The CLI surface of a round trip: one generated tree through `backup --json` and `restore --json --verify`, compared
// exactly; the document `ls --json` prints; SNAPSHOT:subpath arguments and the line a restore prints. Every tree shape,
// odd name, hard link, sparse file, owner and mtime, and the incremental backups: test/ops/roundtrip.test.ts.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTree, diffTrees } from '../../src/util/treediff.js';
import { jsonOut, sbOk, tempDir } from './helpers.js';
import { type Fixture, makeTree } from './tree-fixture.js';

describe('round trip of a generated tree through the CLI', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repo: string;
  let fx: Fixture;
  let backupOut: string;
  const r = (args: string[]) => sbOk(['-r', repo, ...args]);

  beforeAll(async () => {
    tmp = await tempDir('sb-roundtrip-');
    src = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    await mkdir(src);
    fx = await makeTree(src, 1);
    await r(['init']);
    backupOut = (await r(['--json', 'backup', src])).stdout;
  });
  afterAll(async () => tmp?.cleanup());

  it('backup --json and restore --json --verify print their documents; the tree comes back exactly', async () => {
    const first = jsonOut(backupOut) as Record<string, unknown> & { summary: Record<string, number> };
    expect(first).toMatchObject({ outcome: 'ok', id: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(first).toMatchObject({ parent: null, incomplete: null, degraded: null });
    expect(first.summary.filesNew).toBe(first.summary.files);
    const target = join(tmp.path, 'restore-full');
    const restored = jsonOut((await r(['--json', 'restore', 'latest', '--target', target, '--verify'])).stdout);
    expect(restored).toMatchObject({ outcome: 'ok', snapshot: first.id, verified: true, failed: [] });
    expect(restored.files).toBeGreaterThan(0);
    expect(await diffTrees(src, join(target, src))).toEqual([]);
  });

  it('ls --json prints one array: every path with its type, size, mode, mtime and symlink target', async () => {
    const listed = jsonOut((await r(['--json', 'ls', `latest:${src}`])).stdout) as Record<string, unknown>[];
    const want = await describeTree(src);
    expect(listed.map((e) => e.path).sort()).toEqual([...want.keys()].map((k) => `${src}/${k}`).sort());
    for (const e of listed) {
      expect(e).toMatchObject({ type: expect.any(String), size: expect.any(Number), mode: expect.any(Number) });
      expect(new Date(e.mtime as string).toISOString()).toBe(e.mtime);
      const w = want.get((e.path as string).slice(src.length + 1))!;
      expect(e.linktarget).toBe(w.link);
    }
    const whole = jsonOut((await r(['--json', 'ls', 'latest'])).stdout) as { path: string }[];
    expect(whole.map((e) => e.path)).toContain(src);
  });

  it('SNAPSHOT:subpath: a directory, a file after an ID prefix, a name with a colon (split at the first)', async () => {
    const sub = join(tmp.path, 'restore-sub');
    const said = (await r(['restore', `latest:${src}/a`, '--target', sub])).stdout;
    expect(said).toMatch(new RegExp(`^restored snapshot [0-9a-f]{8}:${src}/a to ${sub}: \\d+ files \\(`));
    expect(await diffTrees(join(src, 'a'), sub)).toEqual([]);
    const id = (jsonOut(backupOut) as { id: string }).id;
    const one = join(tmp.path, 'restore-one');
    await r(['restore', `${id.slice(0, 10)}:${src}/big-1.bin`, '--target', one]);
    expect((await readFile(join(one, 'big-1.bin'))).equals(await readFile(join(src, 'big-1.bin')))).toBe(true);
    const colon = fx.files.find((f) => f.endsWith('colon:latest'))!;
    const named = join(tmp.path, 'restore-colon');
    await r(['restore', `latest:${src}/${colon}`, '--target', named]);
    expect((await readFile(join(named, 'colon:latest'))).equals(await readFile(join(src, colon)))).toBe(true);
  });
});
