import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffTrees } from '../../../src/util/treediff.js';

// touch takes nanoseconds; node's utimes cannot set them.
const touch = (file: string, at: string) => execFileSync('touch', ['-m', '-d', `@${at}`, file]);

describe('diffTrees mtimes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-treediff-'));
    await Promise.all(['a', 'b'].map((d) => mkdir(join(dir, d))));
    await writeFile(join(dir, 'a', 'f'), 'same');
    await writeFile(join(dir, 'b', 'f'), 'same');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('treats the same nanosecond as equal', async () => {
    touch(join(dir, 'a', 'f'), '1795508440.458999950');
    touch(join(dir, 'b', 'f'), '1795508440.458999950');
    expect(await diffTrees(join(dir, 'a'), join(dir, 'b'))).toEqual([]);
  });

  it('reports times one nanosecond apart, even within one microsecond', async () => {
    touch(join(dir, 'a', 'f'), '1795508440.458999950');
    touch(join(dir, 'b', 'f'), '1795508440.458999951');
    const diffs = await diffTrees(join(dir, 'a'), join(dir, 'b'));
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatch(/^differs: f: .*"mtimeNs":"1795508440458999950".* vs .*"mtimeNs":"1795508440458999951"/);
  });

  it('compares the mtimes of symbolic links themselves', async () => {
    // The two files were written a moment apart: given one time, only the links differ.
    touch(join(dir, 'a', 'f'), '1795508440.458999950');
    touch(join(dir, 'b', 'f'), '1795508440.458999950');
    symlinkSync('f', join(dir, 'a', 'l'));
    symlinkSync('f', join(dir, 'b', 'l'));
    execFileSync('touch', ['-h', '-m', '-d', '@1700000000.000000001', join(dir, 'a', 'l')]);
    execFileSync('touch', ['-h', '-m', '-d', '@1700000000.000000002', join(dir, 'b', 'l')]);
    const diffs = await diffTrees(join(dir, 'a'), join(dir, 'b'));
    expect(diffs).toEqual([expect.stringMatching(/^differs: l: /)]);
  });
});
