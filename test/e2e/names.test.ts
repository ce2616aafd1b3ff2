// Whole-CLI tests of names as bytes: file, directory and symlink-target names that are not UTF-8 (and names
// with control characters) are backed up, restored byte for byte, listed escaped by `ls` and exactly by --json.
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/util/treediff.js';
import { sbOk, tempDir, jsonOut } from './helpers.js';

const b = (s: string) => Buffer.from(s, 'latin1'); // one byte per char: '\xff' is the byte 0xff
const cat = (...parts: (string | Buffer)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

/** Every entry under `root` by its raw relative path (hex, so the map keys are exact bytes), with what it holds. */
function rawTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: Buffer, rel: Buffer): void => {
    for (const name of readdirSync(dir, { encoding: 'buffer' })) {
      const p = cat(dir, '/', name);
      const r = rel.length ? cat(rel, '/', name) : name;
      const st = lstatSync(p);
      const what = st.isDirectory()
        ? 'dir'
        : st.isSymbolicLink()
          ? `link:${readlinkSync(p, { encoding: 'buffer' }).toString('hex')}`
          : `file:${readFileSync(p).toString('hex')}`;
      out.set(r.toString('hex'), what);
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(Buffer.from(root), Buffer.alloc(0));
  return out;
}

interface LsJson {
  path: string;
  pathBytes?: string;
  type: string;
  linktarget?: string;
  linktargetBytes?: string;
}

describe('names that are not UTF-8, and names with control characters', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repo: string;
  let first: { summary: { files: number; filesNew: number }; incomplete: unknown };
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want);

  beforeAll(async () => {
    tmp = await tempDir('sb-names-');
    src = join(tmp.path, 'src');
    repo = join(tmp.path, 'repo');
    mkdirSync(join(src, 'e'), { recursive: true });
    writeFileSync(cat(src, '/e/bad', b('\xff\xfe'), 'name.txt'), 'bad bytes\n');
    mkdirSync(cat(src, '/dir', b('\x80')));
    writeFileSync(cat(src, '/dir', b('\x80'), '/inner.txt'), 'inside a non-UTF-8 directory\n');
    writeFileSync(cat(src, '/dir', b('\x80'), '/also', b('\xff')), 'nested\n');
    // Two names whose lossy UTF-8 forms are the same ("x\uFFFD"): they must stay two entries.
    writeFileSync(cat(src, '/x', b('\xff')), 'x-ff\n');
    writeFileSync(cat(src, '/x', b('\xfe')), 'x-fe\n');
    writeFileSync(join(src, 'new\nline.txt'), 'newline\n');
    writeFileSync(join(src, 'back\\xff'), 'a literal backslash, x, f, f\n'); // must not list like the byte 0xff
    writeFileSync(join(src, 'café.txt'), 'valid UTF-8 stays as it is\n');
    symlinkSync(cat('target-', b('\xfe\xff')), join(src, 'link'));
    symlinkSync(Buffer.from('e'), cat(src, '/link', b('\xff')));
    await r(['init']);
    first = jsonOut((await r(['--json', 'backup', src])).stdout);
  });
  afterAll(async () => tmp?.cleanup());

  it('backs up every name, complete, and restores names, contents and symlink targets byte-exact', async () => {
    expect(first.incomplete).toBeNull();
    expect(first.summary.files).toBe(8);
    const target = join(tmp.path, 'restore');
    await r(['restore', 'latest', '--target', target]);
    const want = rawTree(src);
    expect(want.size).toBe(12);
    expect(rawTree(join(target, src))).toEqual(want);
    expect(await diffTrees(src, join(target, src))).toEqual([]); // modes and mtimes too, set through byte paths
  });

  it('a second backup finds every file unchanged (names compare as bytes against the parent)', async () => {
    const second = jsonOut((await r(['--json', 'backup', src])).stdout);
    expect(second.incomplete).toBeNull();
    expect(second.summary.filesUnmodified).toBe(8);
    expect(second.summary.filesNew + second.summary.filesChanged).toBe(0);
  });

  it('ls escapes control characters, invalid bytes and backslashes, so a listing cannot be spoofed', async () => {
    const out = (await r(['ls', 'latest'])).stdout;
    const lines = out.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/ \/.*\/src\/e\/bad\\xff\\xfename\.txt$/));
    expect(lines).toContainEqual(expect.stringMatching(/ \/.*\/src\/dir\\x80\/also\\xff$/));
    expect(lines).toContainEqual(expect.stringMatching(/ \/.*\/src\/new\\nline\.txt$/));
    expect(lines).toContainEqual(expect.stringMatching(/ \/.*\/src\/back\\\\xff$/));
    expect(lines).toContainEqual(expect.stringMatching(/ \/.*\/src\/café\.txt$/));
    expect(lines).toContainEqual(expect.stringMatching(/ \/.*\/src\/link -> target-\\xfe\\xff$/));
    expect(lines.filter((l) => l.endsWith('line.txt'))).toHaveLength(1); // the newline did not split the entry
  });

  it('ls --json gives the exact name: a lossy string, plus the raw bytes in base64 when not UTF-8', async () => {
    const list = jsonOut((await r(['--json', 'ls', 'latest'])).stdout) as LsJson[];
    const byBytes = (e: LsJson) => (e.pathBytes ? Buffer.from(e.pathBytes, 'base64') : Buffer.from(e.path));
    const bad = list.find((e) => byBytes(e).equals(cat(src, '/e/bad', b('\xff\xfe'), 'name.txt')));
    expect(bad).toBeDefined();
    expect(bad!.path).toBe(`${src}/e/bad\uFFFD\uFFFDname.txt`);
    const nl = list.find((e) => e.path === `${src}/new\nline.txt`);
    expect(nl).toBeDefined();
    expect(nl!.pathBytes).toBeUndefined();
    expect(
      list
        .filter((e) => e.path === `${src}/x\uFFFD`)
        .map((e) => Buffer.from(e.pathBytes!, 'base64').toString('hex'))
        .sort(),
    ).toEqual([cat(src, '/x', b('\xfe')).toString('hex'), cat(src, '/x', b('\xff')).toString('hex')]);
    const link = list.find((e) => e.path === `${src}/link`)!;
    expect(Buffer.from(link.linktargetBytes!, 'base64')).toEqual(cat('target-', b('\xfe\xff')));
    expect(list.find((e) => e.path === `${src}/café.txt`)?.pathBytes).toBeUndefined();
  });

  it('a subpath names a non-UTF-8 entry by its lossy form when that is unambiguous, and refuses when it is not', async () => {
    const one = jsonOut((await r(['--json', 'ls', `latest:${src}/e/bad\uFFFD\uFFFDname.txt`])).stdout) as LsJson[];
    expect(one.map((e) => Buffer.from(e.pathBytes!, 'base64'))).toEqual([
      cat(src, '/e/bad', b('\xff\xfe'), 'name.txt'),
    ]);
    const target = join(tmp.path, 'restore-sub');
    await r(['restore', `latest:${src}/dir\uFFFD`, '--target', target]);
    expect([...rawTree(target).keys()].sort()).toEqual(
      [cat('also', b('\xff')).toString('hex'), Buffer.from('inner.txt').toString('hex')].sort(),
    );
    const amb = await sbOk(
      ['-r', repo, 'restore', `latest:${src}/x\uFFFD`, '--target', join(tmp.path, 'restore-amb')],
      2,
    );
    expect(amb.stderr).toMatch(/matches 2 entries whose names are not UTF-8/);
  });

  it('excludes match a non-UTF-8 name by its lossy UTF-8 form (each invalid byte is U+FFFD)', async () => {
    await r(['backup', '--exclude', 'bad*name.txt', '--exclude', 'x\uFFFD', src]);
    const list = jsonOut((await r(['--json', 'ls', 'latest'])).stdout) as LsJson[];
    expect(list.some((e) => e.path.startsWith(`${src}/e/bad`))).toBe(false);
    expect(list.some((e) => e.path.startsWith(`${src}/x`))).toBe(false);
    expect(list.some((e) => e.path === `${src}/dir\uFFFD/also\uFFFD`)).toBe(true);
  });
});
