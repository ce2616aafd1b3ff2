// The index at scale: a repository whose index lists `blobs` synthetic blobs (random IDs, 1,000 to a pack, 64
// packs to an index object, as prune writes them) is opened and its index loaded in a fresh process, which reports
// the load time, the memory the index took (heap + array buffers, and RSS), and lookups per second.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openBackend } from '../src/backends/index.js';
import { encodeIndex, type IndexPack } from '../src/repository/index-file.js';
import { BLOB_DATA } from '../src/repository/index-memory.js';
import { Repository } from '../src/repository/repository.js';
import { newContext } from '../src/ops/context.js';
import { initRepository } from '../src/ops/repo.js';

const PER_PACK = 1000;
const PACKS_PER_INDEX = 64;
const PW_ENV = 'STRONGBOX_BENCH_INDEX_PW';

export interface IndexScaleResult {
  blobs: number;
  indexObjects: number;
  loadSeconds: number;
  /** (heapUsed + arrayBuffers) after the load minus before, per blob. */
  bytesPerBlob: number;
  /** The index's own arrays per blob (BlobIndex.memoryBytes). */
  indexBytesPerBlob: number;
  rssMiB: number;
  lookupsPerSecond: number;
}

/** Writes the synthetic repository at `repoPath` (index objects only: no pack is ever read). */
export async function buildIndexRepo(repoPath: string, blobs: number): Promise<number> {
  process.env[PW_ENV] ??= 'bench-index';
  await initRepository({ location: repoPath, password: { env: PW_ENV } }, newContext());
  const repo = await Repository.open(await openBackend(repoPath), process.env[PW_ENV]!);
  let objects = 0;
  try {
    for (let done = 0; done < blobs;) {
      const packs: IndexPack[] = [];
      for (let p = 0; p < PACKS_PER_INDEX && done < blobs; p++) {
        const n = Math.min(PER_PACK, blobs - done);
        const ids = randomBytes(32 * n);
        const entries = Array.from({ length: n }, (_, i) => ({
          type: BLOB_DATA as 0,
          compressed: true,
          id: ids.subarray(i * 32, i * 32 + 32),
          offset: i * 2048,
          length: 2048,
          rawLength: 4096,
        }));
        packs.push({ packId: randomBytes(32).toString('hex'), entries });
        done += n;
      }
      await repo.saveObject('index', encodeIndex({ supersedes: [], packs }));
      objects++;
    }
  } finally {
    await repo.close();
  }
  return objects;
}

/** In this process: open, load the index, measure. Run by the child that `indexScale` starts. */
export async function measureLoad(repoPath: string): Promise<Omit<IndexScaleResult, 'indexObjects'>> {
  const repo = await Repository.open(await openBackend(repoPath), process.env[PW_ENV]!);
  try {
    global.gc?.();
    const before = process.memoryUsage();
    const t = performance.now();
    await repo.loadIndex();
    const loadSeconds = (performance.now() - t) / 1000;
    global.gc?.();
    const after = process.memoryUsage();
    const n = repo.index.size;
    const step = Math.max(1, Math.floor(n / 200_000));
    const probes = Array.from({ length: Math.floor(n / step) }, (_, i) => repo.index.idAt(i * step));
    const t2 = performance.now();
    let found = 0;
    for (let k = 0; k < 5; k++) for (const id of probes) if (repo.index.get(id)) found++;
    const lookupsPerSecond = found / ((performance.now() - t2) / 1000);
    const used = (m: NodeJS.MemoryUsage) => m.heapUsed + m.arrayBuffers;
    return {
      blobs: n,
      loadSeconds,
      bytesPerBlob: (used(after) - used(before)) / n,
      indexBytesPerBlob: repo.index.memoryBytes() / n,
      rssMiB: after.rss / 2 ** 20,
      lookupsPerSecond,
    };
  } finally {
    await repo.close();
  }
}

/** Builds a repository of `blobs` synthetic blobs under `work` and measures loading it in a fresh process. */
export async function indexScale(work: string, blobs: number, log: (l: string) => void): Promise<IndexScaleResult> {
  const repoPath = join(work, 'index-scale-repo');
  rmSync(repoPath, { recursive: true, force: true });
  const t = performance.now();
  const indexObjects = await buildIndexRepo(repoPath, blobs);
  log(`wrote ${indexObjects} index objects for ${blobs} blobs in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', new URL(import.meta.url).pathname, '--measure', repoPath],
    {
      encoding: 'utf8',
      env: process.env,
    },
  );
  rmSync(repoPath, { recursive: true, force: true });
  return { indexObjects, ...JSON.parse(out) };
}

export function indexMarkdown(r: IndexScaleResult): string {
  return [
    '| blobs | index objects | load | memory per blob (heap + buffers) | index arrays per blob | RSS after load | lookups |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    `| ${r.blobs.toLocaleString('en')} | ${r.indexObjects} | ${r.loadSeconds.toFixed(1)} s | ${r.bytesPerBlob.toFixed(1)} B | ` +
      `${r.indexBytesPerBlob.toFixed(1)} B | ${r.rssMiB.toFixed(0)} MiB | ${(r.lookupsPerSecond / 1e6).toFixed(2)} M/s |`,
  ].join('\n');
}

if (process.argv[2] === '--measure') {
  measureLoad(process.argv[3]).then(
    (r) => process.stdout.write(JSON.stringify(r)),
    (e: Error) => {
      console.error(e.message);
      process.exitCode = 1;
    },
  );
}
