// A repository degrades, never locks up, at the operations level: junk (random bytes or an empty file) in
// snapshots/, index/, locks/ or data/ is skipped with a warning event naming it; intact snapshots still list and
// restore; check reports it; unlock and repair index|snapshots move it into quarantine/, never deleting.
// test/e2e/junk.test.ts keeps what the CLI adds: exit statuses and the text on stdout/stderr.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupPaths } from '../../src/ops/backup.js';
import { checkRepo } from '../../src/ops/check.js';
import { newContext, type OpContext } from '../../src/ops/context.js';
import { catObject } from '../../src/ops/inspect.js';
import { unlock } from '../../src/ops/keys.js';
import { repairIndex, repairSnapshots } from '../../src/ops/repair.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { restorePaths } from '../../src/ops/restore.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import { tempDir } from '../e2e/helpers.js';
import { randomBytesFor } from '../e2e/proc.js';

process.env.SB_OPS_JUNK_PW = 'junk in the repository';
const KiB = 1024;
const ALL = { kind: 'all' as const };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Files are compared by digest: a deep toEqual of two 300 KiB buffers costs about a second each. */
const digestOf = async (path: string) => sha(await readFile(path));
const JUNK: [string, Buffer][] = [
  ['random bytes', randomBytes(700)],
  ['an empty file', Buffer.alloc(0)],
];
/** A message naming object NAME of KIND the way every report does ("snapshot 1a2b3c4d…"). */
const naming = (kind: string, name: string) => expect.stringMatching(new RegExp(`${kind} ${name.slice(0, 8)}`));

/** Runs an operation in a fresh context; returns its result and the warning events it reported. */
async function withWarnings<T>(fn: (ctx: OpContext) => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const ctx = newContext({ emit: (e) => e.type === 'warning' && void warnings.push(e.message) });
  try {
    return { result: await fn(ctx), warnings };
  } finally {
    ctx.scope.close();
  }
}
const run = async <T>(fn: (ctx: OpContext) => Promise<T>): Promise<T> => (await withWarnings(fn)).result;

describe('junk objects in a repository (operations)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let pristine: string;
  let ids: string[] = [];
  /** The second backup's snapshot: the one holding b.bin. */
  let newest: string;
  let copies = 0;

  const specOf = (location: string): RepoSpec => ({ location, password: { env: 'SB_OPS_JUNK_PW' } });
  function copyRepo(): RepoSpec {
    const dir = join(tmp.path, `copy-${copies++}`);
    execFileSync('cp', ['-a', pristine, dir]);
    return specOf(dir);
  }
  /** Put `bytes` into DIR of the repository under the SHA-256 of the bytes (as a real object would be named). */
  async function plant(spec: RepoSpec, dir: string, bytes: Buffer, name = sha(bytes)): Promise<string> {
    const where = dir === 'data' ? join(spec.location, 'data', name.slice(0, 2)) : join(spec.location, dir);
    await mkdir(where, { recursive: true });
    await writeFile(join(where, name), bytes);
    return name;
  }
  /** Restores REF; expects an 'ok' outcome and b.bin (in the second snapshot only) exact. Returns the warnings. */
  async function restoreOk(spec: RepoSpec, ref: string): Promise<string[]> {
    const target = join(tmp.path, `out-${copies++}`);
    const { result, warnings } = await withWarnings((ctx) => restorePaths(spec, { snapshot: ref, target }, ctx));
    expect(result.outcome).toBe('ok');
    expect(await digestOf(join(target, src, 'b.bin'))).toBe(await digestOf(join(src, 'b.bin')));
    return warnings;
  }
  const listed = async (spec: RepoSpec) =>
    withWarnings(async (ctx) => (await listSnapshots(spec, {}, ctx)).snapshots.map((s) => s.id).sort());
  const check = (spec: RepoSpec, readData: typeof ALL | null = null) =>
    run((ctx) => checkRepo(spec, { readData }, ctx));
  const ls = (spec: RepoSpec, dir: string) => readdir(join(spec.location, dir)).catch(() => [] as string[]);
  const quarantined = (spec: RepoSpec) => ls(spec, 'quarantine');

  beforeAll(async () => {
    tmp = await tempDir('sb-ops-junk-');
    src = join(tmp.path, 'src');
    pristine = join(tmp.path, 'pristine');
    await mkdir(src);
    const spec = specOf(pristine);
    await writeFile(join(src, 'a.bin'), randomBytesFor('junk:a', 300 * KiB));
    await run((ctx) => initRepository(spec, ctx, { packSizeMiB: 1 }));
    await run((ctx) => backupPaths(spec, { paths: [src] }, ctx));
    await writeFile(join(src, 'b.bin'), randomBytesFor('junk:b', 300 * KiB));
    await run((ctx) => backupPaths(spec, { paths: [src] }, ctx));
    const { snapshots } = await run((ctx) => listSnapshots(spec, {}, ctx));
    expect(snapshots).toHaveLength(2);
    newest = snapshots[0].id; // newest written first
    ids = snapshots.map((s) => s.id).sort();
  });
  afterAll(async () => tmp?.cleanup());

  describe.each(JUNK)('%s in snapshots/', (_what, bytes) => {
    let spec: RepoSpec;
    let junk: string;
    beforeAll(async () => {
      spec = copyRepo();
      junk = await plant(spec, 'snapshots', bytes);
    });

    it('listing gives the intact ones and warns naming the junk', async () => {
      const { result, warnings } = await listed(spec);
      expect(result).toEqual(ids);
      expect(warnings).toContainEqual(naming('snapshot', junk));
    });

    it('restore of an intact snapshot works, by ID and as latest', async () => {
      await restoreOk(spec, newest.slice(0, 8));
      await restoreOk(spec, 'latest');
    });

    it('check reports errors naming it', async () => {
      const r = await check(spec);
      expect(r.outcome).toBe('errors');
      expect(r.errors).toContainEqual(naming('snapshot', junk));
    });

    it('repair snapshots as a dry run changes nothing; then moves it to quarantine/ unchanged, and check passes', async () => {
      const dry = await run((ctx) => repairSnapshots(spec, { dryRun: true }, ctx));
      expect(dry.plan.unreadable.map((d) => d.name)).toEqual([junk]);
      expect(dry.plan.intact).toBe(2);
      expect(dry.done).toBeNull();
      expect(await ls(spec, 'snapshots')).toContain(junk);
      const { done } = await run((ctx) => repairSnapshots(spec, {}, ctx));
      expect(await ls(spec, 'snapshots')).not.toContain(junk);
      const q = (await quarantined(spec)).filter((n) => n.startsWith(`snapshot-${junk}`));
      expect(q).toHaveLength(1);
      expect(done?.quarantined).toEqual(q);
      expect(await readFile(join(spec.location, 'quarantine', q[0]))).toEqual(bytes);
      expect((await check(spec)).errors).toEqual([]);
    });
  });

  describe.each(JUNK)('%s in index/', (_what, bytes) => {
    let spec: RepoSpec;
    let junk: string;
    beforeAll(async () => {
      spec = copyRepo();
      junk = await plant(spec, 'index', bytes);
    });

    it('listing works; restore, which reads the index, works and warns naming the index', async () => {
      expect((await listed(spec)).result).toEqual(ids);
      expect(await restoreOk(spec, newest.slice(0, 8))).toContainEqual(naming('index', junk));
    });

    it('check reports it; repair index as a dry run changes nothing, then moves it to quarantine/; check passes', async () => {
      const r = await check(spec);
      expect(r.outcome).toBe('errors');
      expect(r.errors).toContainEqual(naming('index', junk));
      const dry = await run((ctx) => repairIndex(spec, { dryRun: true }, ctx));
      expect(dry.plan.damagedIndexes.map((d) => d.name)).toEqual([junk]);
      expect(dry.done).toBeNull();
      expect(await ls(spec, 'index')).toContain(junk);
      await run((ctx) => repairIndex(spec, {}, ctx));
      expect(await ls(spec, 'index')).not.toContain(junk);
      expect((await quarantined(spec)).some((n) => n.startsWith(`index-${junk}`))).toBe(true);
      const full = await check(spec, ALL);
      expect(full.errors).toEqual([]);
      expect(full.packsRead).toBeGreaterThan(0);
      await restoreOk(spec, 'latest');
    });
  });

  describe.each(JUNK)('%s in locks/', (_what, bytes) => {
    let spec: RepoSpec;
    let junk: string;
    beforeAll(async () => {
      spec = copyRepo();
      junk = await plant(spec, 'locks', bytes, randomBytes(32).toString('hex'));
    });

    it('listing works; restore works and warns naming the lock', async () => {
      expect((await listed(spec)).result).toEqual(ids);
      expect(await restoreOk(spec, newest.slice(0, 8))).toContainEqual(naming('lock', junk));
    });

    it('check reports errors naming the lock', async () => {
      const r = await check(spec);
      expect(r.outcome).toBe('errors');
      expect(r.errors).toContainEqual(naming('lock', junk));
    });

    it('unlock moves it to quarantine/ with a warning, and check then passes', async () => {
      const { result, warnings } = await withWarnings((ctx) => unlock(spec, {}, ctx));
      expect(result).toEqual({ removed: 1, kept: 0, advice: [] });
      expect(warnings).toContainEqual(expect.stringMatching(`unreadable lock file ${junk.slice(0, 8)}`));
      expect(await ls(spec, 'locks')).toEqual([]);
      const q = (await quarantined(spec)).filter((n) => n.startsWith(`lock-${junk}`));
      expect(q).toHaveLength(1);
      expect(await readFile(join(spec.location, 'quarantine', q[0]))).toEqual(bytes);
      expect((await check(spec)).errors).toEqual([]);
    });

    it('unlock with all works with a junk lock present', async () => {
      const again = copyRepo();
      await plant(again, 'locks', bytes, randomBytes(32).toString('hex'));
      expect((await run((ctx) => unlock(again, { all: true }, ctx))).removed).toBe(1);
      expect(await ls(again, 'locks')).toEqual([]);
    });
  });

  describe.each(JUNK)('%s in data/', (_what, bytes) => {
    it('an unindexed junk pack: listing, restore and check work; repair index moves it to quarantine/, warning', async () => {
      const spec = copyRepo();
      const junk = await plant(spec, 'data', bytes);
      expect((await listed(spec)).result).toEqual(ids);
      await restoreOk(spec, 'latest');
      expect((await check(spec)).errors).toEqual([]);
      const { result, warnings } = await withWarnings((ctx) => repairIndex(spec, {}, ctx));
      expect(warnings).toContainEqual(naming('pack', junk));
      expect(result.plan.damagedPacks.map((d) => d.name)).toEqual([junk]);
      expect((await quarantined(spec)).some((n) => n.startsWith(`data-${junk}`))).toBe(true);
      expect((await check(spec, ALL)).errors).toEqual([]);
    });
  });

  it('an indexed pack replaced by junk: repair index, then repair snapshots rewrites the damaged snapshot; check passes', async () => {
    const spec = copyRepo();
    // The pack holding b.bin's data: the one data pack the first snapshot's index does not list.
    // Oldest first (the first backup wrote its index first): the order of hashed names says nothing.
    const indexes = await Promise.all(
      (await ls(spec, 'index')).map(async (n) => ({ n, t: (await stat(join(spec.location, 'index', n))).mtimeMs })),
    );
    const names = indexes.sort((x, y) => x.t - y.t).map((x) => x.n);
    type Packs = { packs: { id: string; blobs: { type: string }[] }[] };
    const packsOf = async (name: string) => ((await run((ctx) => catObject(spec, 'index', name, ctx))) as Packs).packs;
    const all = (await Promise.all(names.map(packsOf))).flat();
    const first = (await packsOf(names[0])).map((p) => p.id);
    const dataOnly = all.filter((p) => p.blobs.every((b) => b.type === 'data'));
    const second = dataOnly.filter((p) => !first.includes(p.id));
    const victim = (second.length ? second : dataOnly.slice(-1))[0].id;
    await writeFile(join(spec.location, 'data', victim.slice(0, 2), victim), randomBytes(500));
    expect((await check(spec, ALL)).outcome).toBe('errors');

    const ri = await withWarnings((ctx) => repairIndex(spec, {}, ctx));
    expect(ri.warnings).toContainEqual(naming('pack', victim));
    expect((await quarantined(spec)).some((n) => n.startsWith(`data-${victim}`))).toBe(true);
    expect((await check(spec)).outcome).toBe('errors'); // a snapshot still references the lost blobs

    const dry = await run((ctx) => repairSnapshots(spec, { dryRun: true }, ctx));
    expect(dry.plan.rewrite.flatMap((w) => w.removed)).toContainEqual(expect.stringMatching(/\/b\.bin$/));
    expect(dry.done).toBeNull();
    const { plan, done } = await run((ctx) => repairSnapshots(spec, {}, ctx));
    const rewritten = plan.rewrite.map((w) => w.id).sort();
    expect(rewritten.length).toBeGreaterThanOrEqual(1);
    expect(plan.rewrite.flatMap((w) => w.removed).some((p) => p.endsWith('/b.bin'))).toBe(true);
    expect((await check(spec, ALL)).errors).toEqual([]);

    const snaps = (await run((ctx) => listSnapshots(spec, {}, ctx))).snapshots;
    const repaired = snaps.filter((s) => s.snapshot.tags?.includes('repaired'));
    expect(repaired.map((s) => s.snapshot.repaired?.original).sort()).toEqual(rewritten);
    expect(repaired.map((s) => s.id).sort()).toEqual([...done!.written.values()].sort());
    // The repaired snapshot restores what is left; the original is in quarantine/.
    const target = join(tmp.path, `out-${copies++}`);
    const r = await run((ctx) => restorePaths(spec, { snapshot: repaired[0].id.slice(0, 8), target }, ctx));
    expect(r.outcome).toBe('ok');
    expect(await digestOf(join(target, src, 'a.bin'))).toBe(await digestOf(join(src, 'a.bin')));
    await expect(readFile(join(target, src, 'b.bin'))).rejects.toThrow(/ENOENT/);
    expect((await quarantined(spec)).some((n) => n.startsWith(`snapshot-${rewritten[0]}`))).toBe(true);
  });
});
