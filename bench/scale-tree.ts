// Generators for the scale benchmark: a tree of many small files (each file's bytes distinct, cut from one
// keystream pool) and one large file streamed from the keystream, both deterministic and quick to write.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createKeystream, createRng } from './random.js';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface ManyFilesPlan {
  files: number;
  dirs: number;
  bytes: number;
}

/**
 * `files` files of 0-4 KiB spread over `dirs` directories (grouped 100 to a parent), synchronously: a small file's
 * write is a page-cache copy, and a promise per file would cost more than the write.
 */
export function generateManyFiles(root: string, files: number, dirs: number, seed = 'scale'): ManyFilesPlan {
  const rng = createRng(`${seed}:sizes`);
  const pool = createKeystream(`${seed}:pool`)(MiB);
  const perDir = Math.ceil(files / dirs);
  let bytes = 0;
  let made = 0;
  for (let d = 0; d < dirs && made < files; d++) {
    const dir = join(root, `group-${Math.floor(d / 100)}`, `dir-${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < perDir && made < files; f++, made++) {
      const size = rng.int(4 * KiB + 1);
      const off = rng.int(pool.length - size - 32);
      // A header makes every file distinct, so each is its own blob as in a real tree.
      const head = Buffer.from(`${d}/${f}\n`);
      const body =
        size <= head.length
          ? head.subarray(0, size)
          : Buffer.concat([head, pool.subarray(off, off + size - head.length)]);
      writeFileSync(join(dir, `file-${f}.dat`), body);
      bytes += body.length;
    }
  }
  return { files: made, dirs, bytes };
}

/** One file of `bytes` incompressible bytes, written in 1 MiB pieces from the keystream. */
export function generateLargeFile(path: string, bytes: number, seed = 'scale:large'): void {
  const next = createKeystream(seed);
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < bytes;) {
      const piece = next(Math.min(MiB, bytes - done));
      writeSync(fd, piece);
      done += piece.length;
    }
  } finally {
    closeSync(fd);
  }
}

// `node scale-tree.js DIR FILES [DIRS]` generates a tree by hand (for profiling).
if (process.argv[1]?.endsWith('scale-tree.js') && process.argv.length >= 4) {
  const t = performance.now();
  const plan = generateManyFiles(process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 1000));
  console.log(
    `${plan.files} files, ${plan.dirs} dirs, ${plan.bytes} bytes in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
}
