// The CLI surface of excludes: --exclude and --exclude-file reach the backup together, an exclude file's comments,
// blank lines and CRLF endings are read as such, and an unreadable one exits 2 before any snapshot is written.
// What the patterns match (directories at any depth, anchoring, negation) is tested at the operations level in
// test/ops/excludes.test.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sbOk, tempDir, jsonOut } from './helpers.js';

const TREE = ['keep.txt', 'notes.md', 'app.log', 'important.log', 'tmp/scratch.txt', 'secret/key.pem'];

describe('excludes on the command line', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repo: string;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);
  const snapshotCount = async () => (jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[]).length;

  beforeAll(async () => {
    tmp = await tempDir('sb-excludes-');
    src = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    for (const rel of TREE) {
      await mkdir(join(src, rel, '..'), { recursive: true });
      await writeFile(join(src, rel), `content of ${rel}\n`);
    }
    await r(['init']);
  });
  afterAll(async () => tmp?.cleanup());

  it('--exclude and --exclude-file combine; the file skips comments and blank lines, accepts CRLF and negation', async () => {
    const file = join(tmp.path, 'excludes.txt');
    await writeFile(file, '# scratch space\r\ntmp/\r\n\r\n*.log\r\n!important.log\r\n');
    await r(['backup', '--exclude', 'notes.md', '--exclude', 'secret/', '--exclude-file', file, src]);
    const ls = jsonOut((await r(['--json', 'ls', `latest:${src}`])).stdout) as { path: string }[];
    expect(ls.map((e) => e.path.slice(src.length + 1)).sort()).toEqual(['important.log', 'keep.txt']);
  });

  it('an unreadable --exclude-file is a usage error (exit 2) and no snapshot is written', async () => {
    const before = await snapshotCount();
    const res = await r(['backup', '--exclude-file', join(tmp.path, 'missing.txt'), src], 2);
    expect(res.stderr).toMatch(/exclude file/);
    expect(await snapshotCount()).toBe(before);
  });
});
