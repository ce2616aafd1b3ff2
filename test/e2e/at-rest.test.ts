// Nothing readable at rest: after a backup, no stored byte (config, keys, packs, indexes, snapshots,
// locks) reveals a file or directory name, file content, tag, host, the password or plaintext structure.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sbOk, tempDir } from './helpers.js';
import { listRepoFiles, randomBytesFor, spawnSb, type StoredObject } from './proc.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PASSWORD = 'ostrich-Sesame-8842-unique-passphrase';
const DIR_NAME = 'finance-dept-walrus-archive';
const FILE_NAME = 'quarterly-payroll-zebra.csv';
const BIG_NAME = 'ledger-zebra-scan.dat';
const MARKER = 'ZEBRA-PAYROLL-MARKER-5f3a9c';
const TAG = 'tag-okapi-secret';
const HOST = 'host-narwhal-secret';
/** The machine's name, when long enough not to turn up in random bytes by chance (e.g. not 'vm'). */
const MACHINE = hostname().length >= 6 ? [hostname()] : [];

/** `count` copies of the marker in random bytes: incompressible, so stored without zstd. */
function bigWithMarkers(count: number): Buffer {
  const b = randomBytesFor('at-rest:big', count * 64 * KiB);
  for (let i = 0; i < count; i++) b.write(MARKER, i * 64 * KiB + 1000, 'utf8');
  return b;
}

/** Every needle as raw UTF-8 bytes, and the content marker also as UTF-16LE. */
function needles(extra: string[]): { label: string; bytes: Buffer }[] {
  const plain = [DIR_NAME, FILE_NAME, BIG_NAME, MARKER, PASSWORD, TAG, HOST, ...extra];
  return [
    ...plain.map((s) => ({ label: s, bytes: Buffer.from(s, 'utf8') })),
    { label: `${MARKER} (UTF-16LE)`, bytes: Buffer.from(MARKER, 'utf16le') },
  ];
}

describe('nothing readable at rest', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repo: string;
  let objects: StoredObject[];
  const env = { STRONGBOX_PASSWORD: PASSWORD };
  const r = (args: string[]) => sbOk(['-r', repo, ...args], 0, { env });

  beforeAll(async () => {
    tmp = await tempDir('sb-atrest-');
    src = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    await mkdir(join(src, DIR_NAME), { recursive: true });
    await writeFile(join(src, DIR_NAME, FILE_NAME), `id,name,amount\n${`7,${MARKER},100\n`.repeat(200)}`);
    await writeFile(join(src, DIR_NAME, BIG_NAME), bigWithMarkers(64)); // 4 MiB, several chunks
    await writeFile(join(src, 'README'), `see ${FILE_NAME} in ${DIR_NAME}`);
    await r(['init', '--pack-size-mib', '1']);
    await r(['-q', 'backup', '--tag', TAG, '--host', HOST, src]);
    // A second, incremental backup: trees that reuse content, a second index and snapshot.
    await writeFile(join(src, DIR_NAME, `copy-of-${FILE_NAME}`), `${MARKER}\n`.repeat(50));
    await r(['-q', 'backup', '--tag', TAG, '--host', HOST, src]);
    objects = await listRepoFiles(repo);
  });
  afterAll(async () => tmp?.cleanup());

  it('the backup is there: the repository holds every object type and restores the marker file', async () => {
    expect(new Set(objects.map((o) => o.type))).toEqual(new Set(['config', 'key', 'data', 'index', 'snapshot']));
    const target = join(tmp.path, 'restore');
    await r(['restore', 'latest', '--target', target]);
    expect(await readFile(join(target, src, DIR_NAME, FILE_NAME), 'utf8')).toContain(MARKER);
  });

  it('no stored file contains a file or directory name, content, tag, host, the temp path or the password', async () => {
    const found: string[] = [];
    for (const o of objects) {
      const bytes = await readFile(o.abs);
      for (const n of needles([basename(tmp.path)]))
        if (bytes.includes(n.bytes)) found.push(`${o.rel} contains ${n.label}`);
    }
    expect(found).toEqual([]);
  });

  it('packs, indexes and snapshots hold no plaintext structure (JSON keys, index magic) or the machine name', async () => {
    const structural = [
      '"nodes"',
      '"paths"',
      '"content"',
      '"subtree"',
      '"summary"',
      '"components"',
      '"host"',
      'SBIX',
      ...MACHINE,
    ];
    const found: string[] = [];
    for (const o of objects.filter((x) => ['data', 'index', 'snapshot'].includes(x.type))) {
      const bytes = await readFile(o.abs);
      for (const s of structural) if (bytes.includes(Buffer.from(s))) found.push(`${o.rel} contains ${s}`);
    }
    expect(found).toEqual([]);
  });

  it('a lock written during a backup reveals neither host, pid nor structure', async () => {
    await writeFile(join(src, 'slow.bin'), randomBytesFor('at-rest:slow', 48 * MiB));
    const run = spawnSb(['-r', repo, '-q', 'backup', src], env);
    const locks = join(repo, 'locks');
    let lock: Buffer | null = null;
    let exited = false;
    void run.done.then(() => {
      exited = true;
    });
    while (!lock && !exited) {
      for (const name of await readdir(locks)) {
        if (name.startsWith('.')) continue;
        lock = await readFile(join(locks, name)).catch(() => null);
        if (lock) break;
      }
      await new Promise((res) => setTimeout(res, 5));
    }
    const res = await run.done;
    expect(res.code, res.stderr).toBe(0);
    expect(lock, 'no lock was seen while the backup ran').not.toBeNull();
    for (const s of [...MACHINE, `"host"`, `"pid"`, `"exclusive"`, String(run.child.pid), PASSWORD]) {
      expect(lock!.includes(Buffer.from(s)), `lock contains ${s}`).toBe(false);
    }
  });
});
