import { execFileSync } from 'node:child_process';
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

  it('treats times within one microsecond as equal, even just below a millisecond boundary', async () => {
    // 458.999950 ms and 458.999500 ms: as millisecond doubles the first rounds up to 459, the second does not.
    touch(join(dir, 'a', 'f'), '1795508440.458999950');
    touch(join(dir, 'b', 'f'), '1795508440.458999500');
    expect(await diffTrees(join(dir, 'a'), join(dir, 'b'))).toEqual([]);
  });

  it('reports times one microsecond apart', async () => {
    touch(join(dir, 'a', 'f'), '1795508440.458999950');
    touch(join(dir, 'b', 'f'), '1795508440.459000050');
    const diffs = await diffTrees(join(dir, 'a'), join(dir, 'b'));
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatch(/^differs: f: .*"mtimeUs":"1795508440458999".* vs .*"mtimeUs":"1795508440459000"/);
  });
});
