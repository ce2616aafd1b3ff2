// Deterministic awkward file trees for the round-trip tests: odd names, every node type, hardlinks,
// a sparse file, varied modes and sizes, fixed mtimes. Same seed, same tree (up to inode numbers).
import {
  chmod,
  link,
  lutimes,
  mkdir,
  open,
  readdir,
  rm,
  symlink,
  truncate,
  utimes,
  writeFile,
  lstat,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { prng } from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Names that break naive quoting, parsing or path handling. */
export const ODD_NAMES = [
  'Ünïcödé façade.txt',
  '😀 emoji 🎉.bin',
  'with  two spaces ',
  '-rf',
  '--help',
  'new\nline',
  'tab\there',
  'back\\slash',
  'colon:latest',
  `quote'"`,
  '*star?[x]',
  '#hash',
  'é'.repeat(100), // 200 bytes of UTF-8
];

export interface Fixture {
  /** Relative paths of the hardlink groups (each group is one inode). */
  hardlinks: string[][];
  /** Relative path of the 50 MiB sparse file. */
  sparse: string;
  /** Relative paths of regular files, for the mutation step. */
  files: string[];
}

/** `n` deterministic bytes: runs of random bytes mixed with compressible text, so both zstd paths run. */
export function bytesFor(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  let i = 0;
  while (i < n) {
    const run = Math.min(n - i, 4 * KiB + Math.floor(rand() * 64 * KiB));
    if (rand() < 0.5) {
      for (let j = 0; j + 4 <= run; j += 4) b.writeUInt32LE((rand() * 0x100000000) >>> 0, i + j);
    } else {
      b.write(
        `line ${i} of compressible text ${Math.floor(rand() * 10)}\n`.repeat(Math.ceil(run / 30)).slice(0, run),
        i,
        'latin1',
      );
    }
    i += run;
  }
  return b;
}

function sizeFor(rand: () => number): number {
  const r = rand();
  if (r < 0.15) return 0;
  if (r < 0.55) return 1 + Math.floor(rand() * 4 * KiB);
  if (r < 0.8) return 10 * KiB + Math.floor(rand() * 300 * KiB);
  return 1.2 * MiB + Math.floor(rand() * 2.3 * MiB); // spans several chunks (min 256 KiB, avg 1 MiB)
}

/** A fixed time in seconds with a millisecond fraction, derived from the generator. */
export function fixedTime(rand: () => number): number {
  return 1_500_000_000 + Math.floor(rand() * 100_000_000) + Math.floor(rand() * 1000) / 1000;
}

export async function makeTree(root: string, seed: number): Promise<Fixture> {
  const rand = prng(seed);
  const dirs = ['', 'a', 'a/b', 'a/b/c', 'deep/er/than/that', 'empty-dir', 'private', 'Ünïcödé dir', '-dash-dir'];
  for (const d of dirs) await mkdir(join(root, d), { recursive: true });
  const pickDir = () => dirs.filter((d) => d !== 'empty-dir')[Math.floor(rand() * (dirs.length - 1))];
  const files: string[] = [];
  const add = async (rel: string, size: number) => {
    await writeFile(join(root, rel), bytesFor(rand, size));
    files.push(rel);
  };
  for (const name of ODD_NAMES) await add(join(pickDir(), name), sizeFor(rand));
  for (let i = 0; i < 12 + Math.floor(rand() * 8); i++)
    await add(join(pickDir(), `file-${seed}-${i}.dat`), sizeFor(rand));
  await add('empty.txt', 0);
  await add('big-1.bin', 2 * MiB + Math.floor(rand() * MiB));
  await add('a/b/top.txt', 100);
  const modes: [string, number][] = [
    ['mode-600', 0o600],
    ['mode-755', 0o755],
    ['mode-400', 0o400],
    ['a/mode-644', 0o644],
  ];
  for (const [rel, mode] of modes) {
    await add(rel, 1 + Math.floor(rand() * 1000));
    await chmod(join(root, rel), mode);
  }
  await chmod(join(root, 'private'), 0o700);
  await mkdir(join(root, 'sticky'));
  await chmod(join(root, 'sticky'), 0o1777);
  await add('sticky/setuid-tool', 300);
  await chmod(join(root, 'sticky/setuid-tool'), 0o4755);
  await add('setgid-tool', 10);
  await chmod(join(root, 'setgid-tool'), 0o2750);
  await chmod(join(root, 'a/b/c'), 0o750);
  // hardlinks: three names across directories, and a pair in one directory
  await add('a/hl-one', 50 * KiB);
  await link(join(root, 'a/hl-one'), join(root, 'a/b/c/hl-two'));
  await link(join(root, 'a/hl-one'), join(root, 'hl-three'));
  await add('pair-1', 1 + Math.floor(rand() * 2 * MiB));
  await link(join(root, 'pair-1'), join(root, 'pair-2'));
  const hardlinks = [
    ['a/hl-one', 'a/b/c/hl-two', 'hl-three'],
    ['pair-1', 'pair-2'],
  ];
  // symlinks: relative, absolute, dangling, to a directory, with an odd target
  await symlink('../empty.txt', join(root, 'a/rel-link'));
  await symlink('/etc/hostname', join(root, 'abs-link'));
  await symlink('does/not/exist', join(root, 'dangling'));
  await symlink('a/b', join(root, 'dir-link'));
  await symlink('-rf', join(root, 'Ünïcödé dir/odd-target'));
  // sparse: 50 MiB with a few bytes in the middle
  const sparse = 'sparse.img';
  await writeFile(join(root, sparse), '');
  await truncate(join(root, sparse), 50 * MiB);
  const fh = await open(join(root, sparse), 'r+');
  await fh.write(Buffer.from(`middle of seed ${seed}`), 0, undefined, 25 * MiB + Math.floor(rand() * MiB));
  await fh.close();
  files.push(sparse);
  await setTimes(root, rand);
  return { hardlinks, sparse, files };
}

/** Give every entry a fixed mtime (directories last, deepest first, since writing children changes them). */
export async function setTimes(root: string, rand: () => number): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const st = await lstat(p);
      const t = fixedTime(rand);
      if (st.isDirectory()) await walk(p);
      if (st.isSymbolicLink()) await lutimes(p, t, t);
      else await utimes(p, t, t);
    }
  };
  await walk(root);
  const t = fixedTime(rand);
  await utimes(root, t, t);
}

/**
 * Change some files, add some, delete some (deterministically), then give fixed mtimes to exactly the
 * entries touched: untouched files keep their mtime and ctime, so the next backup may reuse them.
 */
export async function mutateTree(root: string, fx: Fixture, seed: number): Promise<void> {
  const rand = prng(seed * 7919);
  const touched = new Set<string>(['']);
  const touch = (rel: string, parentToo = false) => {
    touched.add(rel);
    if (parentToo) touched.add(dirname(rel) === '.' ? '' : dirname(rel));
  };
  const candidates = fx.files.filter(
    (f) => f !== fx.sparse && !fx.hardlinks.flat().includes(f) && !f.startsWith('deep/'),
  );
  await writeFile(join(root, candidates[0]), bytesFor(rand, 3 * MiB)); // grows across chunks
  touch(candidates[0]);
  await writeFile(join(root, candidates[1]), 'now short');
  touch(candidates[1]);
  const fh = await open(join(root, 'big-1.bin'), 'r+');
  await fh.write(Buffer.from('patched in the middle'), 0, undefined, MiB + 17);
  await fh.close();
  touch('big-1.bin');
  await writeFile(join(root, 'a/hl-one'), 'all three names see this'); // every hardlinked name changes
  touch('a/hl-one');
  await rm(join(root, candidates[2]));
  touched.add(dirname(candidates[2]) === '.' ? '' : dirname(candidates[2]));
  await rm(join(root, 'deep/er'), { recursive: true });
  touched.add('deep');
  await rm(join(root, 'dangling'));
  await mkdir(join(root, 'new-dir/inner'), { recursive: true });
  await writeFile(join(root, 'new-dir/inner/new file ✨'), bytesFor(rand, 1.5 * MiB));
  await writeFile(join(root, 'new-dir/--new'), '');
  for (const p of ['new-dir/inner/new file ✨', 'new-dir/--new', 'new-dir/inner', 'new-dir']) touch(p);
  await symlink('new-dir', join(root, 'new-link'));
  await lutimes(join(root, 'new-link'), 1_600_000_000, 1_600_000_000);
  // files first, then directories deepest first
  const order = [...touched].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : 1));
  for (const rel of order) {
    const t = fixedTime(rand);
    await utimes(join(root, rel), t, t);
  }
}
