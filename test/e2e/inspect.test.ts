// Whole-CLI tests of the inspection commands: snapshots, cat, stats and check (with data subsets)
// succeed on a healthy repository and print figures consistent with what was backed up.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, sbOk, tempDir, jsonOut } from './helpers.js';
import { bytesFor } from './tree-fixture.js';

interface CheckJson {
  errors: string[];
  notes: string[];
  snapshots: number;
  trees: number;
  packs: number;
  packsRead: number;
  blobsRead: number;
}

describe('inspection commands on a healthy repository', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let src: string;
  let repoId: string;
  const ids: string[] = [];
  let contentBytes = 0;
  let f0Size = 0;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);
  const json = async <T>(args: string[]) => jsonOut((await r(['--json', ...args])).stdout) as T;

  beforeAll(async () => {
    tmp = await tempDir('sb-inspect-');
    repo = join(tmp.path, 'repo');
    src = join(tmp.path, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    const rand = prng(99);
    for (let i = 0; i < 6; i++) {
      const b = bytesFor(rand, 200_000 + i * 700_000);
      contentBytes += b.length;
      await writeFile(join(src, i % 2 ? `sub/f${i}` : `f${i}`), b);
    }
    f0Size = (await readFile(join(src, 'f0'))).length;
    await writeFile(join(src, 'copy-of-f0'), await readFile(join(src, 'f0'))); // deduplicated
    // small packs, so that the repository has several and data subsets are meaningful
    repoId = (jsonOut((await sbOk(['-r', repo, '--json', 'init', '--pack-size-mib', '1'])).stdout) as { id: string })
      .id;
    ids.push((await json<{ id: string }>(['backup', '--tag', 'first', src])).id);
    await writeFile(join(src, 'later.txt'), 'added later\n');
    ids.push((await json<{ id: string }>(['backup', '--tag', 'second', '--host', 'web-1', src])).id);
  });
  afterAll(async () => tmp?.cleanup());

  it('snapshots lists both snapshots, newest first, with short IDs, tags, host and a count', async () => {
    const out = (await r(['snapshots'])).stdout;
    const lines = out.split('\n');
    const rowOf = (id: string) => lines.findIndex((l) => l.startsWith(id.slice(0, 8)));
    expect(rowOf(ids[0])).toBeGreaterThan(1);
    expect(rowOf(ids[1])).toBeGreaterThan(1);
    expect(out).toMatch(/2 snapshot\(s\)/);
    expect(lines[rowOf(ids[1])]).toMatch(/web-1 .*second/);
    const list = await json<{ id: string; tags: string[]; paths: string[]; summary: { files: number } }[]>([
      'snapshots',
    ]);
    expect(list.map((s) => s.id)).toEqual([ids[1], ids[0]]);
    expect(list[1].tags).toEqual(['first']);
    expect(list[0].paths).toEqual([src]);
    expect(list[0].summary.files).toBe(8);
  });

  it('cat config prints the repository parameters (no key material)', async () => {
    const cfg = await json<Record<string, unknown>>(['cat', 'config']);
    expect(cfg).toMatchObject({ format: 'strongbox', version: 1, id: repoId, packSize: 1024 * 1024 });
    expect(cfg.chunker).toEqual({ min: 262144, avg: 1048576, max: 8388608 });
    expect(JSON.stringify(cfg)).not.toMatch(/encKey|idKey|chunkerSeed/);
  });

  it('cat snapshot latest prints the newest snapshot with its ID, parent, tree and summary', async () => {
    const s = await json<{
      id: string;
      parent: string;
      tags: string[];
      components: { kind: string; tree: string; paths: string[] }[];
      summary: { bytes: number };
    }>(['cat', 'snapshot', 'latest']);
    expect(s.id).toBe(ids[1]);
    expect(s.tags).toEqual(['second']);
    expect(s.parent).toBeNull(); // recorded for host web-1: the first snapshot (this host) is not its parent
    expect(s.components[0]).toMatchObject({ kind: 'files', paths: [src] });
    expect(s.components[0].tree).toMatch(/^[0-9a-f]{64}$/);
    expect(s.summary.bytes).toBe(contentBytes + f0Size + 'added later\n'.length);
    const tree = await json<{ nodes: { name: string }[] }>(['cat', 'tree', s.components[0].tree]);
    expect(tree.nodes.map((n) => n.name)).toEqual([src.split('/').filter(Boolean)[0]]);
  });

  it('cat key prints key metadata without the wrapped key', async () => {
    const [k] = await json<{ id: string }[]>(['key', 'list']);
    const key = await json<Record<string, unknown>>(['cat', 'key', k.id]);
    expect(key).toMatchObject({ kdf: 'scrypt' });
    expect(key.data).toBeUndefined();
  });

  it('stats --json counts snapshots, packs and blobs; duplicate content is stored once', async () => {
    const s = await json<{
      snapshots: number;
      packs: number;
      blobs: number;
      storedBytes: number;
      rawBytes: number;
      indexBytes: number;
    }>(['stats']);
    expect(s.snapshots).toBe(2);
    expect(s.packs).toBeGreaterThan(1);
    expect(s.blobs).toBeGreaterThan(6);
    // unique content (copy-of-f0 deduplicated) plus small trees
    expect(s.rawBytes).toBeGreaterThanOrEqual(contentBytes);
    expect(s.rawBytes).toBeLessThan(contentBytes + 100_000);
    expect(s.storedBytes).toBeGreaterThan(0);
    expect(s.storedBytes).toBeLessThan(s.rawBytes + s.blobs * 100 + s.packs * 4096);
    expect((await r(['stats'])).stdout).toMatch(/snapshots: 2/);
  });

  it('check (structure only) exits 0 and reads no data', async () => {
    const c = await json<CheckJson>(['check']);
    expect(c.errors).toEqual([]);
    expect(c).toMatchObject({ snapshots: 2, packsRead: 0, blobsRead: 0 });
    expect(c.trees).toBeGreaterThan(2);
    expect((await r(['check'])).stdout).toMatch(/no errors/);
  });

  it('check --read-data reads every pack; --read-data-subset 1/2 and 2/2 together read each pack once', async () => {
    const all = await json<CheckJson>(['check', '--read-data']);
    expect(all.errors).toEqual([]);
    expect(all.packsRead).toBe(all.packs);
    const one = await json<CheckJson>(['check', '--read-data-subset', '1/2']);
    const two = await json<CheckJson>(['check', '--read-data-subset', '2/2']);
    expect(one.errors).toEqual([]);
    expect(two.errors).toEqual([]);
    expect(one.packsRead + two.packsRead).toBe(all.packsRead);
    expect(one.blobsRead + two.blobsRead).toBe(all.blobsRead);
  });

  it('check --read-data-subset 50% reads some packs and finds no errors; 100% reads all', async () => {
    const half = await json<CheckJson>(['check', '--read-data-subset', '50%']);
    expect(half.errors).toEqual([]);
    expect(half.packsRead).toBeLessThanOrEqual(half.packs);
    const full = await json<CheckJson>(['check', '--read-data-subset', '100%']);
    expect(full.packsRead).toBe(full.packs);
    expect((await r(['check', '--read-data-subset', '50%'])).stdout).toMatch(/read \d+ packs, \d+ blobs: no errors/);
  });

  it.each(['0%', '101%', '0/2', '3/2', 'half'])(
    'check --read-data-subset %s is a usage error (exit 2)',
    async (subset) => {
      await r(['check', '--read-data-subset', subset], 2);
    },
  );
});
