// The whole CLI on the setup mirrors are for: a git: primary (a local bare repository) with an S3 mirror (s3rver).
// Three backups; with 30% of the primary's packs removed from the remote's branch (a commit made with git plumbing),
// every snapshot restores byte-exact and each removed pack is named as read from the mirror; with the bare
// repository gone, snapshots and restore work from the mirror and a backup lands there, degraded; once it is back,
// sync copies what the primary lacks and check --read-data is clean on both stores.
import { execFileSync } from 'node:child_process';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTree, type TreeEntry } from '../../src/util/treediff.js';
import { haveGit } from '../support/git-remote.js';
import { s3ServerOrSkip } from '../support/s3-server.js';
import { jsonOut, sb, sbOk, tempDir } from './helpers.js';
import { randomBytesFor } from './proc.js';

const KiB = 1024;
const s3 = haveGit() ? await s3ServerOrSkip() : null;
afterAll(() => s3?.stop());

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@localhost',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@localhost',
};

/**
 * Commits on `branch` of the bare repository `bare` the removal of every path `drop` picks (as someone with push
 * access, or a provider's web editor, would): ls-tree into a fresh index, write-tree, commit-tree, update-ref.
 * Returns the removed paths.
 */
function removeFromBranch(bare: string, indexFile: string, drop: (paths: string[]) => string[], branch = 'main') {
  const env = { ...process.env, ...GIT_IDENTITY, GIT_DIR: bare, GIT_INDEX_FILE: indexFile };
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, { env, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
  const lines = git(['ls-tree', '-r', '--full-tree', branch]).split('\n');
  const gone = new Set(drop(lines.map((l) => l.slice(l.indexOf('\t') + 1))));
  git(['update-index', '--index-info'], lines.filter((l) => !gone.has(l.slice(l.indexOf('\t') + 1))).join('\n') + '\n');
  const tree = git(['write-tree']);
  const commit = git(['commit-tree', tree, '-p', branch, '-m', `remove ${gone.size} files`]);
  git(['update-ref', `refs/heads/${branch}`, commit]);
  return [...gone];
}

describe.skipIf(!s3)('a mirrored repository through the CLI (git primary, S3 mirror)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let bare: string;
  let mirror: string;
  let config: string;
  let env: NodeJS.ProcessEnv;
  /** The packs removed from the remote's branch. */
  let removed: string[] = [];
  /** The source tree (contents, modes, mtimes) as each backup saw it, by snapshot ID. */
  const asOf = new Map<string, Map<string, TreeEntry>>();
  const r = (args: string[], want = 0) => sbOk(['-c', config, ...args], want, { env });
  const backup = async () => {
    const b = jsonOut<{ id: string; degraded: { store: string }[] | null }>(
      (await r(['--json', 'backup', '--app', 'site'])).stdout,
    );
    asOf.set(b.id, await describeTree(src));
    return b;
  };
  /** Restores every snapshot and compares it with the tree its backup saw; what the restores printed on stderr. */
  const restoreEvery = async (tag: string) => {
    const listed = (JSON.parse((await r(['--json', 'snapshots'])).stdout) as { id: string }[]).map((s) => s.id);
    expect(listed.sort()).toEqual([...asOf.keys()].sort());
    let warnings = '';
    for (const [id, tree] of asOf) {
      const out = join(tmp.path, `${tag}-${id.slice(0, 8)}`);
      warnings += (await r(['restore', id, '--target', out])).stderr;
      expect(await describeTree(join(out, src)), id).toEqual(tree);
    }
    return warnings;
  };
  const outcomes = async () =>
    jsonOut<{ stores: { outcome: string }[] }>((await r(['--json', 'check', '--read-data'])).stdout).stores.map(
      (s) => s.outcome,
    );

  beforeAll(async () => {
    tmp = await tempDir('sb-e2e-mirror-git-');
    src = join(tmp.path, 'site');
    await mkdir(join(src, 'uploads'), { recursive: true });
    await writeFile(join(src, 'index.html'), '<h1>shop</h1>\n');
    for (let i = 0; i < 3; i++)
      await writeFile(join(src, 'uploads', `photo-${i}.jpg`), randomBytesFor(`mirror-git:${i}`, 700 * KiB));
    bare = join(tmp.path, 'remote.git');
    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    mirror = s3!.freshLocation('mirror');
    config = join(tmp.path, 'strongbox.yaml');
    await writeFile(
      config,
      [
        'repositories:',
        '  main:',
        `    location: git:${bare}`,
        '    mirrors:',
        `      - location: ${mirror}`,
        'apps:',
        '  - id: site',
        '    repository: main',
        `    files: [{ name: web, path: ${src} }]`,
        '',
      ].join('\n'),
    );
    env = { ...s3!.env, XDG_CACHE_HOME: join(tmp.path, 'cache') };
  });
  afterAll(async () => tmp?.cleanup());

  it('three backups reach both stores', async () => {
    await r(['init', '--pack-size-mib', '1']);
    expect((await backup()).degraded).toBeNull();
    // Each later backup adds a file and changes one: every snapshot needs packs the others do not.
    await writeFile(join(src, 'uploads', 'photo-3.jpg'), randomBytesFor('mirror-git:3', 1500 * KiB));
    await writeFile(join(src, 'index.html'), '<h1>shop</h1>\n<p>now with photo 3</p>\n');
    expect((await backup()).degraded).toBeNull();
    await writeFile(join(src, 'uploads', 'photo-4.jpg'), randomBytesFor('mirror-git:4', 1500 * KiB));
    await rm(join(src, 'uploads', 'photo-0.jpg'));
    expect((await backup()).degraded).toBeNull();
  }, 120_000);

  it("with 30% of the primary's packs removed from the git remote, every snapshot restores byte-exact and names each", async () => {
    removed = removeFromBranch(bare, join(tmp.path, 'index'), (paths) =>
      paths.filter((p) => p.startsWith('data/')).filter((_, i) => i % 10 < 3),
    );
    expect(removed.length).toBeGreaterThanOrEqual(2);
    const warnings = await restoreEvery('restore-removed');
    for (const p of removed) expect(warnings).toContain(`data ${p.split('/').pop()!} was read from ${mirror} (git:`);
  }, 120_000);

  it('with the bare repository gone, snapshots and restore work from the mirror and a backup lands there, degraded', async () => {
    await rename(bare, `${bare}.away`);
    await writeFile(join(src, 'uploads', 'photo-5.jpg'), randomBytesFor('mirror-git:5', 300 * KiB));
    const b = await backup();
    expect(b.degraded?.map((d) => d.store)).toEqual([`git:${bare}#main`]);
    const warnings = await restoreEvery('restore-primary-gone');
    expect(warnings).toMatch(
      /store git:\S+ of git:\S+ failed .*: \d+ write\(s\) or read\(s\) went to the other stores/,
    );
    const st = await sb(['-c', config, 'status'], { env });
    expect(st.code).toBe(6);
  }, 120_000);

  it('once the bare repository is back, sync copies what the primary lacks and check --read-data is clean on both', async () => {
    await rename(`${bare}.away`, bare);
    const before = jsonOut<{ stores: { outcome: string }[] }>((await r(['--json', 'check'], 1)).stdout);
    expect(before.stores.map((s) => s.outcome)).toEqual(['errors', 'ok']);
    const sync = jsonOut<{ stores: { copied: { data: number; snapshot: number } }[] }>(
      (await r(['--json', 'sync'])).stdout,
    );
    expect(sync.stores[0].copied.snapshot).toBe(1);
    expect(sync.stores[0].copied.data).toBeGreaterThan(removed.length);
    expect(sync.stores[1].copied).toMatchObject({ data: 0, snapshot: 0 });
    expect(await outcomes()).toEqual(['ok', 'ok']);
    await r(['status']);
  }, 120_000);
});
