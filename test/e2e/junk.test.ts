// A repository degrades, never locks up: junk (random bytes or an empty file) in snapshots/, index/,
// locks/ or data/ is skipped with a warning naming it; intact snapshots still list and restore; check names
// it and exits non-zero; `unlock` and `repair index|snapshots` clear it into quarantine/, never deleting.
import { statSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOut, sb, sbOk, tempDir } from './helpers.js';
import { randomBytesFor } from './proc.js';

const KiB = 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const JUNK: [string, Buffer][] = [
  ['random bytes', randomBytes(700)],
  ['an empty file', Buffer.alloc(0)],
];

describe('junk objects in a repository', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let pristine: string;
  let ids: string[] = [];
  let copies = 0;

  async function copyRepo(): Promise<string> {
    const dir = join(tmp.path, `copy-${copies++}`);
    execFileSync('cp', ['-a', pristine, dir]);
    return dir;
  }
  /** Put `bytes` into DIR of the repository under the SHA-256 of the bytes (as a real object would be named). */
  async function plant(repo: string, dir: string, bytes: Buffer, name = sha(bytes)): Promise<string> {
    const where = dir === 'data' ? join(repo, 'data', name.slice(0, 2)) : join(repo, dir);
    await mkdir(where, { recursive: true });
    await writeFile(join(where, name), bytes);
    return name;
  }
  const restoreOk = async (repo: string, ref: string) => {
    const target = join(tmp.path, `out-${copies++}`);
    await sbOk(['-r', repo, 'restore', ref, '--target', target]);
    expect(await readFile(join(target, src, 'b.bin'))).toEqual(await readFile(join(src, 'b.bin')));
  };
  const quarantined = async (repo: string) => readdir(join(repo, 'quarantine')).catch(() => [] as string[]);

  beforeAll(async () => {
    tmp = await tempDir('sb-junk-');
    src = join(tmp.path, 'src');
    pristine = join(tmp.path, 'pristine');
    await mkdir(src);
    await writeFile(join(src, 'a.bin'), randomBytesFor('junk:a', 300 * KiB));
    await sbOk(['-r', pristine, 'init', '--pack-size-mib', '1']);
    await sbOk(['-r', pristine, '-q', 'backup', src]);
    await writeFile(join(src, 'b.bin'), randomBytesFor('junk:b', 300 * KiB));
    await sbOk(['-r', pristine, '-q', 'backup', src]);
    ids = (jsonOut((await sbOk(['-r', pristine, '--json', 'snapshots'])).stdout) as { id: string }[]).map((s) => s.id);
    expect(ids).toHaveLength(2);
  });
  afterAll(async () => tmp?.cleanup());

  describe.each(JUNK)('%s in snapshots/', (_what, bytes) => {
    let repo: string;
    let junk: string;
    beforeAll(async () => {
      repo = await copyRepo();
      junk = await plant(repo, 'snapshots', bytes);
    });

    it('snapshots lists the intact ones and warns naming the junk', async () => {
      const r = await sbOk(['-r', repo, '--json', 'snapshots']);
      expect((JSON.parse(r.stdout) as { id: string }[]).map((s) => s.id).sort()).toEqual([...ids].sort());
      expect(r.stderr).toMatch(new RegExp(`warning: .*snapshot ${junk.slice(0, 8)}`));
    });

    it('restore of an intact snapshot works, by ID and as latest', async () => {
      await restoreOk(repo, ids[0].slice(0, 8));
      await restoreOk(repo, 'latest');
    });

    it('check names it and exits 1', async () => {
      const r = await sb(['-r', repo, 'check']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`error: .*snapshot ${junk.slice(0, 8)}`));
    });

    it('repair snapshots --dry-run changes nothing; repair snapshots moves it to quarantine/, and check passes', async () => {
      const dry = await sbOk(['-r', repo, 'repair', 'snapshots', '--dry-run']);
      expect(dry.stdout).toMatch(new RegExp(junk.slice(0, 8)));
      expect(await readdir(join(repo, 'snapshots'))).toContain(junk);
      await sbOk(['-r', repo, 'repair', 'snapshots']);
      expect(await readdir(join(repo, 'snapshots'))).not.toContain(junk);
      const q = (await quarantined(repo)).filter((n) => n.startsWith(`snapshot-${junk}`));
      expect(q).toHaveLength(1);
      expect(await readFile(join(repo, 'quarantine', q[0]))).toEqual(bytes);
      await sbOk(['-r', repo, 'check']);
    });
  });

  describe.each(JUNK)('%s in index/', (_what, bytes) => {
    let repo: string;
    let junk: string;
    beforeAll(async () => {
      repo = await copyRepo();
      junk = await plant(repo, 'index', bytes);
    });

    it('snapshots works; restore, which reads the index, works and warns naming the index', async () => {
      await sbOk(['-r', repo, 'snapshots']);
      const target = join(tmp.path, `out-${copies++}`);
      const r = await sbOk(['-r', repo, 'restore', ids[0].slice(0, 8), '--target', target]);
      expect(r.stderr).toMatch(new RegExp(`warning: .*index ${junk.slice(0, 8)}`));
      expect(await readFile(join(target, src, 'b.bin'))).toEqual(await readFile(join(src, 'b.bin')));
    });

    it('check names it and exits 1; repair index moves it to quarantine/ and check passes', async () => {
      const r = await sb(['-r', repo, 'check']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`error: .*index ${junk.slice(0, 8)}`));
      await sbOk(['-r', repo, 'repair', 'index', '--dry-run']);
      expect(await readdir(join(repo, 'index'))).toContain(junk);
      await sbOk(['-r', repo, 'repair', 'index']);
      expect(await readdir(join(repo, 'index'))).not.toContain(junk);
      expect((await quarantined(repo)).some((n) => n.startsWith(`index-${junk}`))).toBe(true);
      await sbOk(['-r', repo, 'check', '--read-data']);
      await restoreOk(repo, 'latest');
    });
  });

  describe.each(JUNK)('%s in locks/', (_what, bytes) => {
    let repo: string;
    let junk: string;
    beforeAll(async () => {
      repo = await copyRepo();
      junk = await plant(repo, 'locks', bytes, randomBytes(32).toString('hex'));
    });

    it('snapshots and restore work (restore warns about the lock)', async () => {
      await sbOk(['-r', repo, 'snapshots']);
      const target = join(tmp.path, `out-${copies++}`);
      const r = await sbOk(['-r', repo, 'restore', ids[0].slice(0, 8), '--target', target]);
      expect(r.stderr).toMatch(new RegExp(`lock ${junk.slice(0, 8)}`));
    });

    it('check names the lock and exits 1', async () => {
      const r = await sb(['-r', repo, 'check']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`error: .*lock ${junk.slice(0, 8)}`));
    });

    it('unlock removes it (into quarantine/), and check then passes', async () => {
      const r = await sbOk(['-r', repo, 'unlock']);
      expect(r.stdout).toMatch(/removed 1 lock/);
      expect(await readdir(join(repo, 'locks'))).toEqual([]);
      expect((await quarantined(repo)).some((n) => n.startsWith(`lock-${junk}`))).toBe(true);
      await sbOk(['-r', repo, 'check']);
    });

    it('unlock --remove-all works with a junk lock present', async () => {
      const again = await copyRepo();
      await plant(again, 'locks', bytes, randomBytes(32).toString('hex'));
      const r = await sbOk(['-r', again, 'unlock', '--remove-all']);
      expect(r.stdout).toMatch(/removed 1 lock/);
      expect(await readdir(join(again, 'locks'))).toEqual([]);
    });
  });

  describe.each(JUNK)('%s in data/', (_what, bytes) => {
    it('an unindexed junk pack: snapshots, restore and check work; repair index moves it to quarantine/, warning', async () => {
      const repo = await copyRepo();
      const junk = await plant(repo, 'data', bytes);
      await sbOk(['-r', repo, 'snapshots']);
      await restoreOk(repo, 'latest');
      await sbOk(['-r', repo, 'check']);
      const r = await sbOk(['-r', repo, 'repair', 'index']);
      expect(r.stderr).toMatch(new RegExp(`warning: .*pack ${junk.slice(0, 8)}`));
      expect((await quarantined(repo)).some((n) => n.startsWith(`data-${junk}`))).toBe(true);
      await sbOk(['-r', repo, 'check', '--read-data']);
    });
  });

  it('an indexed pack replaced by junk: repair index, then repair snapshots marks the damaged snapshot, and check passes', async () => {
    const repo = await copyRepo();
    // The pack holding b.bin's data: the one data pack the first snapshot does not use.
    // Oldest first (the first backup wrote its index first): the order of hashed names says nothing.
    const indexes = (await readdir(join(repo, 'index')))
      .map((n) => ({ n, t: statSync(join(repo, 'index', n)).mtimeMs }))
      .sort((x, y) => x.t - y.t)
      .map((x) => x.n);
    const packsOf = async (name: string) =>
      (
        JSON.parse((await sbOk(['-r', repo, 'cat', 'index', name])).stdout) as {
          packs: { id: string; blobs: { type: string }[] }[];
        }
      ).packs;
    const all = (await Promise.all(indexes.map(packsOf))).flat();
    const first = (await packsOf(indexes[0])).map((p) => p.id);
    const second = all.filter((p) => !first.includes(p.id) && p.blobs.every((b) => b.type === 'data'));
    const victims = second.length ? second : all.filter((p) => p.blobs.every((b) => b.type === 'data')).slice(-1);
    const victim = victims[0].id;
    await writeFile(join(repo, 'data', victim.slice(0, 2), victim), randomBytes(500));
    const r0 = await sb(['-r', repo, 'check', '--read-data']);
    expect(r0.code).toBe(1);

    const ri = await sbOk(['-r', repo, 'repair', 'index']);
    expect(ri.stderr).toMatch(new RegExp(`pack ${victim.slice(0, 8)}`));
    expect((await quarantined(repo)).some((n) => n.startsWith(`data-${victim}`))).toBe(true);
    const c1 = await sb(['-r', repo, 'check']);
    expect(c1.code).toBe(1); // a snapshot still references the lost blobs

    const dry = await sbOk(['-r', repo, 'repair', 'snapshots', '--dry-run']);
    expect(dry.stdout).toMatch(/b\.bin/);
    const rs = await sbOk(['-r', repo, '--json', 'repair', 'snapshots']);
    const res = JSON.parse(rs.stdout) as { rewritten: { id: string; newId: string; removed: string[] }[] };
    expect(res.rewritten.length).toBeGreaterThanOrEqual(1);
    expect(res.rewritten.flatMap((w) => w.removed).some((p) => p.endsWith('/b.bin'))).toBe(true);
    await sbOk(['-r', repo, 'check', '--read-data']);
    const list = JSON.parse((await sbOk(['-r', repo, '--json', 'snapshots'])).stdout) as {
      id: string;
      tags: string[];
      repaired?: { original: string };
    }[];
    const repaired = list.filter((s) => s.tags.includes('repaired'));
    expect(repaired.map((s) => s.repaired?.original).sort()).toEqual(res.rewritten.map((w) => w.id).sort());
    // The repaired snapshot restores what is left; the original is in quarantine/.
    const target = join(tmp.path, `out-${copies++}`);
    await sbOk(['-r', repo, 'restore', repaired[0].id.slice(0, 8), '--target', target]);
    expect(await readFile(join(target, src, 'a.bin'))).toEqual(await readFile(join(src, 'a.bin')));
    await expect(readFile(join(target, src, 'b.bin'))).rejects.toThrow();
    expect((await quarantined(repo)).some((n) => n.startsWith(`snapshot-${res.rewritten[0].id}`))).toBe(true);
    await rm(target, { recursive: true, force: true });
  });
});

describe('one ID prefix rule, and unlock advice', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  beforeAll(async () => {
    tmp = await tempDir('sb-ids-');
    repo = join(tmp.path, 'repo');
    await sbOk(['-r', repo, 'init']);
  });
  afterAll(async () => tmp?.cleanup());

  it('key remove with a prefix shorter than 4 characters is refused (exit 2) and removes nothing', async () => {
    await sbOk(['-r', repo, 'key', 'add'], 0, { env: { STRONGBOX_NEW_PASSWORD: 'other' } });
    const keys = await readdir(join(repo, 'keys'));
    for (const k of keys) {
      const r = await sb(['-r', repo, 'key', 'remove', k.slice(0, 1)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/at least 4 hex characters/);
    }
    expect(await readdir(join(repo, 'keys'))).toHaveLength(2);
  });

  it('cat index and cat snapshot take the same prefixes', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'f'), 'x');
    await sbOk(['-r', repo, '-q', 'backup', src]);
    const [index] = await readdir(join(repo, 'index'));
    const [snap] = await readdir(join(repo, 'snapshots'));
    await sbOk(['-r', repo, 'cat', 'index', index.slice(0, 6)]);
    await sbOk(['-r', repo, 'cat', 'snapshot', snap.slice(0, 6)]);
    expect((await sb(['-r', repo, 'cat', 'index', index.slice(0, 3)])).code).toBe(2);
  });
});
