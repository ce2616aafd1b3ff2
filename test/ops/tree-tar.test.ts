// A file tree as a tar stream at the operations level: GNU tar extracts exactly the tree (a multi-blob file, an
// empty file, a UTF-8 name, a path past ustar's 100 characters, a symlink, modes and mtimes), and the manifest, the
// last member, holds every file's SHA-256.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readlink, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backupPaths } from '../../src/ops/backup.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import { TAR_MANIFEST, tarTree } from '../../src/ops/tree-tar.js';
import { filesComponents } from '../../src/repository/snapshot.js';
import { tempDir } from '../e2e/helpers.js';
import { randomBytesFor } from '../e2e/proc.js';

process.env.SB_TAR_PW = 'tree-tar';
let tmp: Awaited<ReturnType<typeof tempDir>>;
let src: string;
let spec: RepoSpec;
const deep = join('d'.repeat(60), 'e'.repeat(60), `${'f'.repeat(40)}.txt`);

beforeAll(async () => {
  tmp = await tempDir('sb-ops-tar-');
  src = join(tmp.path, 'src');
  await mkdir(join(src, 'd'.repeat(60), 'e'.repeat(60)), { recursive: true });
  await writeFile(join(src, 'big.bin'), randomBytesFor('tree-tar', 3 * 1024 * 1024 + 17));
  await writeFile(join(src, 'empty'), '');
  await writeFile(join(src, 'café-ünïcode.txt'), 'crème\n');
  await writeFile(join(src, deep), 'deep\n');
  await chmod(join(src, 'empty'), 0o600);
  await utimes(join(src, 'empty'), new Date('2020-02-02T02:02:02Z'), new Date('2020-02-02T02:02:02Z'));
  await symlink('big.bin', join(src, 'link'));
  spec = { location: join(tmp.path, 'repo'), password: { env: 'SB_TAR_PW' } };
  await initRepository(spec, newContext(), { packSizeMiB: 1 });
  await backupPaths(spec, { paths: [src] }, newContext());
}, 120_000);
afterAll(async () => tmp?.cleanup());

it('GNU tar extracts the tree as it was backed up, and the manifest has every SHA-256', async () => {
  const [snap] = (await listSnapshots(spec, {}, newContext())).snapshots;
  const comp = filesComponents(snap.snapshot)[0];
  const file = join(tmp.path, 'out.tar');
  const r = await tarTree(spec, { snapshot: snap.id, component: comp.name }, createWriteStream(file), newContext());
  expect(r.skipped).toEqual([]);
  const out = join(tmp.path, 'x');
  await mkdir(out);
  execFileSync('tar', ['-xf', file, '-C', out]);
  const root = join(out, comp.name);
  for (const name of ['big.bin', 'empty', 'café-ünïcode.txt', deep])
    expect((await readFile(join(root, name))).equals(await readFile(join(src, name))), name).toBe(true);
  expect(await readlink(join(root, 'link'))).toBe('big.bin');
  const st = await lstat(join(root, 'empty'));
  expect(st.mode & 0o777).toBe(0o600);
  expect(st.mtime.toISOString()).toBe('2020-02-02T02:02:02.000Z');
  const members = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
  expect(members.at(-1)).toBe(TAR_MANIFEST);
  const manifest = JSON.parse(await readFile(join(out, TAR_MANIFEST), 'utf8')) as {
    snapshot: string;
    entries: { path: string; type: string; size: number; sha256?: string }[];
  };
  expect(manifest.snapshot).toBe(snap.id);
  const files = manifest.entries.filter((e) => e.type === 'file');
  expect(files).toHaveLength(4);
  for (const e of files) {
    const data = await readFile(join(out, e.path));
    expect(data.length).toBe(e.size);
    expect(createHash('sha256').update(data).digest('hex')).toBe(e.sha256);
  }
});
