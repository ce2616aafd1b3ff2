// Tamper detection: a flipped bit in any stored object (config, key, pack, index, snapshot), a missing or
// truncated pack, and corrupted data under restore are all refused with a non-zero exit that names the
// object. Every case runs on a fresh `cp -a` copy of one pristine repository.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, sb, sbOk, tempDir, jsonOut } from './helpers.js';
import { listRepoFiles, randomBytesFor, type StoredObject } from './proc.js';

const KiB = 1024;

interface IndexJson {
  packs: { id: string; blobs: { id: string; type: 'data' | 'tree'; offset: number; length: number }[] }[];
}

/** XOR one byte of a file in place (stored objects are read-only files). */
async function flipByte(file: string, pos: number, mask = 0x01): Promise<void> {
  await chmod(file, 0o644);
  const fh = await open(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, pos);
    b[0] ^= mask;
    await fh.write(b, 0, 1, pos);
  } finally {
    await fh.close();
  }
}

/** What an error message must contain to name the object: its name (8+ hex chars), 'config', or 'key NAME'. */
function namePattern(o: StoredObject): RegExp {
  if (o.type === 'config') return /\bconfig\b/;
  const prefix = o.name.slice(0, 8);
  return o.type === 'key' ? new RegExp(`key ${prefix}`) : new RegExp(prefix);
}

describe('tampering with stored objects', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let pristine: string;
  let objects: StoredObject[];
  let copies = 0;

  /** A fresh copy of the pristine repository. */
  async function copyRepo(): Promise<string> {
    const dir = join(tmp.path, `copy-${copies++}`);
    execFileSync('cp', ['-a', pristine, dir]);
    return dir;
  }

  beforeAll(async () => {
    tmp = await tempDir('sb-tamper-');
    src = join(tmp.path, 'src');
    pristine = join(tmp.path, 'pristine');
    const rand = prng(77);
    await mkdir(join(src, 'docs'), { recursive: true });
    for (let i = 0; i < 20; i++)
      await writeFile(
        join(src, 'docs', `note-${i}.txt`),
        `note ${i} ${'lorem ipsum '.repeat(10 + Math.floor(rand() * 500))}`,
      );
    await writeFile(join(src, 'photo.jpg'), randomBytesFor('tamper:photo', 1536 * KiB));
    await sbOk(['-r', pristine, 'init', '--pack-size-mib', '1']);
    await sbOk(['-r', pristine, '-q', 'backup', src]);
    // A second snapshot with new data: two indexes, two snapshots, several data packs and tree packs.
    await writeFile(join(src, 'archive.bin'), randomBytesFor('tamper:archive', 1280 * KiB));
    await writeFile(join(src, 'docs', 'note-0.txt'), 'rewritten');
    await sbOk(['-r', pristine, '-q', 'backup', src]);
    objects = (await listRepoFiles(pristine)).filter((o) => o.type !== 'lock' && !o.name.startsWith('.'));
  });
  afterAll(async () => tmp?.cleanup());

  it('the pristine repository has every kind of object and checks clean', async () => {
    const kinds = new Set(objects.map((o) => o.type));
    expect([...kinds].sort()).toEqual(['config', 'data', 'index', 'key', 'snapshot']);
    expect(objects.filter((o) => o.type === 'data').length).toBeGreaterThanOrEqual(4);
    await sbOk(['-r', pristine, 'check', '--read-data']);
  });

  interface FlipOutcome {
    /** Cases where a command exited 0 (the tampering went unnoticed). */
    accepted: string[];
    /** Cases refused with a non-zero exit, but with an error that does not name the object. */
    unnamed: string[];
  }
  const outcomes = new Map<string, Promise<FlipOutcome>>();

  /**
   * Flip a bit at the first, a middle and the last byte of every object of `type`, on a fresh copy each
   * time, and run `check --read-data` (for config and keys, `snapshots` too). Memoized per type.
   */
  function flipEach(type: string): Promise<FlipOutcome> {
    if (!outcomes.has(type))
      outcomes.set(
        type,
        (async () => {
          const out: FlipOutcome = { accepted: [], unnamed: [] };
          for (const o of objects.filter((x) => x.type === type)) {
            const size = (await stat(o.abs)).size;
            for (const pos of [...new Set([0, Math.floor(size / 2), size - 1])]) {
              const copy = await copyRepo();
              await flipByte(join(copy, o.rel), pos);
              const commands =
                type === 'config' || type === 'key'
                  ? [['check', '--read-data'], ['snapshots']]
                  : [['check', '--read-data']];
              for (const cmd of commands) {
                const r = await sb(['-r', copy, ...cmd]);
                const what = `${cmd.join(' ')} with byte ${pos}/${size} of ${o.rel} flipped`;
                if (r.code === 0) out.accepted.push(`${what}: exited 0\n${r.stdout}${r.stderr}`);
                else if (!namePattern(o).test(r.stderr))
                  out.unnamed.push(`${what}: exit ${r.code}, but the error does not name it: ${r.stderr.trim()}`);
              }
              await rm(copy, { recursive: true, force: true });
            }
          }
          return out;
        })(),
      );
    return outcomes.get(type)!;
  }

  const TYPES = ['config', 'key', 'data', 'index', 'snapshot'];

  it.each(TYPES)('a flipped bit anywhere in a %s object is refused with a non-zero exit', async (type) => {
    expect((await flipEach(type)).accepted).toEqual([]);
  });

  it.each(TYPES)('a flipped bit anywhere in a %s object is reported naming the object', async (type) => {
    expect((await flipEach(type)).unnamed).toEqual([]);
  });

  // Single bit flips that keep the key file valid JSON but make its scrypt parameters unusable:
  // "N": 32768 -> 32769 ('8' ^ 1), and "r" -> "s" (the cost parameter r goes missing).
  it.each([
    [
      'N is not a power of two',
      (k: Record<string, unknown>) => {
        k.N = 32769;
      },
    ],
    [
      'r is missing',
      (k: Record<string, unknown>) => {
        k.s = k.r;
        delete k.r;
      },
    ],
  ])(
    'a key file whose scrypt parameters are corrupted (%s) is refused naming the key, not as an internal error',
    async (_, edit) => {
      const o = objects.find((x) => x.type === 'key')!;
      const copy = await copyRepo();
      const file = join(copy, o.rel);
      const k = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      edit(k);
      await chmod(file, 0o644);
      await writeFile(file, JSON.stringify(k, null, 2));
      const r = await sb(['-r', copy, 'snapshots']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.stderr).toMatch(namePattern(o));
    },
  );

  it('a deleted pack is named by check (without --read-data)', async () => {
    for (const o of objects.filter((x) => x.type === 'data')) {
      const copy = await copyRepo();
      await rm(join(copy, o.rel));
      const r = await sb(['-r', copy, 'check']);
      expect(r.code, `check after deleting ${o.rel}`).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`pack ${o.name}.*missing`));
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('a truncated pack is named by check (without --read-data)', async () => {
    const o = objects.find((x) => x.type === 'data')!;
    const copy = await copyRepo();
    await chmod(join(copy, o.rel), 0o644);
    await truncate(join(copy, o.rel), (await stat(o.abs)).size - 1);
    const r = await sb(['-r', copy, 'check']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`pack ${o.name}`));
  });

  it('restore of a snapshot whose file data is corrupted fails, naming the pack, and never completes a wrong file', async () => {
    const copy = await copyRepo();
    // Find the data blob of photo.jpg's first chunk through the index, and flip a bit in its middle.
    const ls = jsonOut((await sbOk(['-r', copy, '--json', 'ls', 'latest'])).stdout) as { path: string }[];
    expect(ls.some((e) => e.path.endsWith('/photo.jpg'))).toBe(true);
    const indexes = objects.filter((o) => o.type === 'index');
    const packs = (
      await Promise.all(
        indexes.map(
          async (i) => (jsonOut((await sbOk(['-r', copy, 'cat', 'index', i.name])).stdout) as IndexJson).packs,
        ),
      )
    ).flat();
    const big = packs
      .flatMap((p) => p.blobs.map((b) => ({ pack: p.id, ...b })))
      .filter((b) => b.type === 'data')
      .sort((a, b) => b.length - a.length)[0];
    await flipByte(join(copy, 'data', big.pack.slice(0, 2), big.pack), big.offset + Math.floor(big.length / 2));

    const target = join(tmp.path, 'restore-corrupt');
    const r = await sb(['-r', copy, 'restore', 'latest', '--target', target]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(big.pack.slice(0, 8)));
    // Whatever was written before the failure: no restored file may have the full size but other content.
    const want = await readFile(join(src, 'photo.jpg'));
    const got = await readFile(join(target, src, 'photo.jpg')).catch(() => null);
    if (got && got.length === want.length) expect(got.equals(want), 'photo.jpg restored with wrong content').toBe(true);
    const archive = await readFile(join(target, src, 'archive.bin')).catch(() => null);
    if (archive && archive.length === 1280 * KiB)
      expect(archive.equals(await readFile(join(src, 'archive.bin')))).toBe(true);
  });
});
