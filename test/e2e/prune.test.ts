// forget + prune on a repository of five snapshots of a changing tree (small packs, so there are many):
// the kept snapshots restore byte-exact, check --read-data passes, the space of the forgotten data is
// reclaimed, a dry run changes nothing, and a damaged repository is refused rather than pruned.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, lstat, mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTree, diffTrees } from '../../src/util/treediff.js';
import { prng, sb, sbOk, tempDir, jsonOut } from './helpers.js';
import { listRepoFiles, randomBytesFor } from './proc.js';

const SEED = 20260415;
const ROUNDS = 5;
const KEEP = 2;
const KiB = 1024;

interface PruneJson {
  dryRun: boolean;
  packsRemoved: number;
  packsRepacked: number;
  orphanPacks: number;
  packsWritten: number;
  bytesRemovable: number;
  bytesWritten: number;
  bytesReclaimed: number;
}

interface Round {
  id: string;
  /** A copy of the source as it was backed up (cp -a keeps modes and mtimes). */
  copy: string;
}

/** About 4 MB: 160 small text files in 8 directories, which share packs, and 3 random files of 0.6-1.4 MB. */
async function makeSource(dir: string, rand: () => number): Promise<void> {
  for (let d = 0; d < 8; d++) {
    await mkdir(join(dir, `dir-${d}`), { recursive: true });
    for (let f = 0; f < 20; f++)
      await writeFile(join(dir, `dir-${d}`, `page-${f}.txt`), text(rand, 2 * KiB + Math.floor(rand() * 30 * KiB)));
  }
  for (let b = 0; b < 3; b++)
    await writeFile(
      join(dir, `blob-${b}.bin`),
      randomBytesFor(`${SEED}:0:${b}`, 600 * KiB + Math.floor(rand() * 800 * KiB)),
    );
}

/** Between rounds: a quarter of the text files grow, one random file is replaced whole, one file goes and one comes. */
async function mutate(dir: string, rand: () => number, round: number): Promise<void> {
  for (let d = 0; d < 8; d++) {
    for (let f = 0; f < 20; f++)
      if (rand() < 0.25) await appendFile(join(dir, `dir-${d}`, `page-${f}.txt`), text(rand, 500));
  }
  const b = (round - 1) % 3;
  await writeFile(
    join(dir, `blob-${b}.bin`),
    randomBytesFor(`${SEED}:${round}:${b}`, 600 * KiB + Math.floor(rand() * 800 * KiB)),
  );
  await rm(join(dir, `dir-${round % 8}`, `page-${round}.txt`));
  await writeFile(join(dir, `dir-${(round + 3) % 8}`, `new-${round}.txt`), text(rand, 8 * KiB));
}

function text(rand: () => number, n: number): string {
  const words = ['order', 'invoice', 'the', 'of', 'customer', 'refund', 'cart', 'total', 'street', 'review'];
  let s = '';
  while (s.length < n)
    s += `${Math.floor(rand() * 1e6)} ${words[Math.floor(rand() * words.length)]} ${words[Math.floor(rand() * words.length)]}\n`;
  return s;
}

/** What `du -b` says: the bytes of every file in the repository. */
async function repoBytes(repo: string): Promise<number> {
  let n = 0;
  for (const f of await listRepoFiles(repo)) n += (await lstat(f.abs)).size;
  return n;
}

/** Every stored file with its size and mtime: two equal listings mean nothing was written or deleted. */
async function repoListing(repo: string): Promise<string[]> {
  return Promise.all(
    (await listRepoFiles(repo)).map(async (f) => {
      const st = await lstat(f.abs);
      return `${f.rel} ${st.size} ${st.mtimeMs}`;
    }),
  );
}

/** The oldest stored object of a type: the first backup's, which every later snapshot shares data with. */
async function oldest(repo: string, type: 'index' | 'data'): Promise<string> {
  const files = await Promise.all(
    (await listRepoFiles(repo))
      .filter((f) => f.type === type)
      .map(async (f) => ({ abs: f.abs, mtime: (await lstat(f.abs)).mtimeMs })),
  );
  return files.sort((a, b) => a.mtime - b.mtime)[0].abs;
}

describe('forget --prune', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repo: string;
  /** The repository after the backups, before any forget: the dry-run and damage tests start from copies. */
  let pristine: string;
  const rounds: Round[] = [];
  /** Bytes of the random files that only the forgotten snapshots held (incompressible, so stored about 1:1). */
  let forgottenRandomBytes = 0;
  let pruneReport: PruneJson;
  const r = (repoDir: string, args: string[], want = 0) => sbOk(['-r', repoDir, ...args], want);
  const clone = (name: string) => {
    const dir = join(tmp.path, name);
    execFileSync('cp', ['-a', pristine, dir]);
    return dir;
  };

  async function restoresExactly(repoDir: string, round: Round): Promise<void> {
    const target = join(tmp.path, `restore-${round.id.slice(0, 12)}`);
    await r(repoDir, ['restore', `${round.id}:${src}`, '--target', target, '--verify']);
    expect(await diffTrees(round.copy, target)).toEqual([]);
    await rm(target, { recursive: true, force: true });
  }

  async function checkPasses(repoDir: string): Promise<void> {
    const check = await r(repoDir, ['check', '--read-data']);
    expect(check.stderr).not.toMatch(/^error:/m);
  }

  beforeAll(async () => {
    tmp = await tempDir('sb-prune-');
    src = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    pristine = join(tmp.path, 'pristine');
    const rand = prng(SEED);
    await mkdir(src);
    await makeSource(src, rand);
    await r(repo, ['init', '--pack-size-mib', '1']);
    const contents: Map<string, { size: number; rounds: Set<number> }> = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) await mutate(src, rand, round);
      const copy = join(tmp.path, 'copies', `round-${round}`);
      await mkdir(join(tmp.path, 'copies'), { recursive: true });
      execFileSync('cp', ['-a', src, copy]);
      for (const [path, e] of await describeTree(src)) {
        if (!path.endsWith('.bin')) continue;
        const c = contents.get(e.hash!) ?? { size: e.size, rounds: new Set<number>() };
        c.rounds.add(round);
        contents.set(e.hash!, c);
      }
      const time = `2026-01-0${round + 1}T03:00:00Z`;
      const res = await r(repo, ['--json', 'backup', '--time', time, '--tag', `round-${round}`, src]);
      rounds.push({ id: (jsonOut(res.stdout) as { id: string }).id, copy });
    }
    for (const c of contents.values())
      if ([...c.rounds].every((n) => n < ROUNDS - KEEP)) forgottenRandomBytes += c.size;
    execFileSync('cp', ['-a', repo, pristine]);
  });
  afterAll(async () => {
    if (pruneReport) {
      console.log(
        `prune test: ${JSON.stringify(pruneReport)}; repository ${await repoBytes(pristine)} -> ${await repoBytes(repo)} bytes; ` +
          `random data only forgotten snapshots held: ${forgottenRandomBytes} bytes`,
      );
    }
    await tmp?.cleanup();
  });

  it(`forget --keep-last ${KEEP} --prune --repack-unused 10% keeps the newest snapshots, which restore byte-exact, and checks clean`, async () => {
    const res = await r(repo, ['--json', 'forget', '--keep-last', String(KEEP), '--prune', '--repack-unused', '10%']);
    const out = jsonOut(res.stdout) as { removed: string[]; prune: PruneJson };
    pruneReport = out.prune;
    expect(new Set(out.removed)).toEqual(new Set(rounds.slice(0, ROUNDS - KEEP).map((x) => x.id)));
    // Packs went whole, and partly used ones were repacked: both paths of the apply step ran.
    expect(out.prune.packsRemoved).toBeGreaterThan(0);
    expect(out.prune.packsRepacked).toBeGreaterThan(0);
    expect(out.prune.packsWritten).toBeGreaterThan(0);

    const left = jsonOut((await r(repo, ['--json', 'snapshots'])).stdout) as { id: string }[];
    expect(new Set(left.map((s) => s.id))).toEqual(new Set(rounds.slice(ROUNDS - KEEP).map((x) => x.id)));
    for (const round of rounds.slice(ROUNDS - KEEP)) await restoresExactly(repo, round);
    await checkPasses(repo);
  });

  it('reclaims at least the space of the random data only the forgotten snapshots held', async () => {
    const before = await repoBytes(pristine);
    const after = await repoBytes(repo);
    expect(forgottenRandomBytes).toBeGreaterThan(1024 * KiB);
    expect(before - after).toBeGreaterThanOrEqual(forgottenRandomBytes);
    expect(pruneReport.bytesReclaimed).toBeGreaterThanOrEqual(forgottenRandomBytes);
  });

  it('a second prune finds nothing more to remove or repack, and the repository still checks clean', async () => {
    const res = await r(repo, ['--json', 'prune', '--repack-unused', '10%']);
    const again = jsonOut(res.stdout) as PruneJson;
    expect([again.packsRemoved, again.packsRepacked, again.orphanPacks, again.packsWritten]).toEqual([0, 0, 0, 0]);
    await checkPasses(repo);
    for (const round of rounds.slice(ROUNDS - KEEP)) await restoresExactly(repo, round);
  });

  it('prune removes the partial uploads killed writers leave (temporary files no listing shows)', async () => {
    const dir = clone('leftovers');
    const shard = join(dir, 'data', 'ab');
    await mkdir(shard, { recursive: true });
    await writeFile(join(shard, '.tmp-0011223344556677'), Buffer.alloc(300_000, 1));
    await writeFile(join(dir, 'index', '.tmp-8899aabbccddeeff'), Buffer.alloc(1000, 2));
    const res = jsonOut((await r(dir, ['--json', 'prune'])).stdout) as PruneJson & { leftoverBytes: number };
    expect(res.leftoverBytes).toBe(301_000);
    expect(existsSync(join(shard, '.tmp-0011223344556677'))).toBe(false);
    expect(existsSync(join(dir, 'index', '.tmp-8899aabbccddeeff'))).toBe(false);
    await checkPasses(dir);
    const again = jsonOut((await r(dir, ['--json', 'prune'])).stdout) as PruneJson & {
      leftoverBytes: number;
      packsWritten: number;
    };
    expect(again.leftoverBytes).toBe(0);
  });

  it('prune --dry-run (and forget --dry-run --prune) report the same plan and change nothing in storage', async () => {
    const copy = clone('dry-run');
    const untouched = await repoListing(copy);
    const forgetDry = jsonOut(
      (
        await r(copy, [
          '--json',
          'forget',
          '--keep-last',
          String(KEEP),
          '--prune',
          '--repack-unused',
          '10%',
          '--dry-run',
        ])
      ).stdout,
    ) as { removed: string[]; prune: PruneJson };
    expect(await repoListing(copy)).toEqual(untouched);
    expect(forgetDry.removed).toEqual([]);

    await r(copy, ['forget', '--keep-last', String(KEEP)]);
    const forgotten = await repoListing(copy);
    expect(forgotten.length).toBe(untouched.length - (ROUNDS - KEEP));
    const dry = jsonOut(
      (await r(copy, ['--json', 'prune', '--dry-run', '--repack-unused', '10%'])).stdout,
    ) as PruneJson;
    expect(await repoListing(copy)).toEqual(forgotten);
    expect(dry.dryRun).toBe(true);
    const plan = (p: PruneJson) => [p.packsRemoved, p.packsRepacked, p.orphanPacks, p.bytesRemovable];
    expect(plan(dry)).toEqual(plan(pruneReport));
    // The forget dry run planned its prune as if the doomed snapshots were gone: the plan the real run carried out.
    expect(plan(forgetDry.prune)).toEqual(plan(pruneReport));
    expect([dry.packsWritten, dry.bytesWritten]).toEqual([0, 0]);
  });

  it.each([
    ['an index file was deleted by hand', 'index', /is not in the index: not pruning a damaged repository/],
    [
      'a pack was deleted by hand',
      'data',
      /is listed in the index but missing from storage: not pruning a damaged repository/,
    ],
  ] as const)('prune refuses when %s: exit 1, nothing deleted, nothing written', async (what, type, message) => {
    const copy = clone(`damaged-${type}`);
    await unlink(await oldest(copy, type));
    const damaged = await repoListing(copy);

    const res = await sb(['-r', copy, 'prune', '--repack-unused', '10%']);
    expect(res.code, `${what}: stdout ${res.stdout}`).toBe(1);
    expect(res.stderr).toMatch(message);
    expect(await repoListing(copy)).toEqual(damaged);
    // The damage stays visible to check, which prune tells the user to run.
    expect((await sb(['-r', copy, 'check'])).code).toBe(1);
  });

  it('forget --prune on a repository missing an index refuses before forgetting anything, and deletes no data', async () => {
    const copy = clone('damaged-forget');
    await unlink(await oldest(copy, 'index'));
    const data = async () => (await repoListing(copy)).filter((l) => /^(data|index)\//.test(l));
    const before = await data();

    const res = await sb(['-r', copy, 'forget', '--keep-last', String(KEEP), '--prune', '--repack-unused', '10%']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/not pruning a damaged repository/);
    expect(await data()).toEqual(before);
    expect(jsonOut((await r(copy, ['--json', 'snapshots'])).stdout)).toHaveLength(ROUNDS);
  });
});
