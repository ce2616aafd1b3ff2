// The webroot generator is deterministic: the same seed writes the same tree, byte for byte, and mutate likewise.
// Also checks the planned mix (a quarter text) and that text compresses like code while media does not.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { contentReader } from './file-content.js';
import { generateWebroot, mutateWebroot, planWebroot } from './generate-webroot.js';
import { hashTree } from './tree-hash.js';

const scratch = mkdtempSync(join(tmpdir(), 'webroot-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('generateWebroot', () => {
  it('writes identical trees for the same seed and a different tree for another seed', () => {
    const generated = (name: string, seed: string) => {
      generateWebroot(join(scratch, name), { seed, sizeMb: 3 });
      return hashTree(join(scratch, name));
    };
    const a = generated('a', 's1');
    const b = generated('b', 's1');
    const c = generated('c', 's2');
    expect(b.digestWithMtimes).toBe(a.digestWithMtimes);
    expect(a.bytes).toBeGreaterThanOrEqual(3 * 2 ** 20);
    expect(c.digest).not.toBe(a.digest);
  });

  it('mutates deterministically, touching about 1% of files', () => {
    const first = mutateWebroot(join(scratch, 'a'), { seed: 's1', generation: 1 });
    const second = mutateWebroot(join(scratch, 'b'), { seed: 's1', generation: 1 });
    expect(second).toEqual(first);
    expect(hashTree(join(scratch, 'b')).digestWithMtimes).toBe(hashTree(join(scratch, 'a')).digestWithMtimes);
    expect(first.modified.length).toBeGreaterThan(0);
    expect(first.added.length).toBeGreaterThanOrEqual(2);
  });
});

describe('planWebroot', () => {
  const plan = planWebroot('s1', 64 * 2 ** 20);
  const bytesOf = (type: string): number =>
    plan.files.filter((f) => f.content.type === type).reduce((n, f) => n + f.size, 0);

  it('spends a quarter of the bytes on text, in many small files, and the rest on media', () => {
    expect(bytesOf('text')).toBe(16 * 2 ** 20);
    expect(bytesOf('media')).toBe(48 * 2 ** 20);
    const text = plan.files
      .filter((f) => f.content.type === 'text')
      .map((f) => f.size)
      .sort((x, y) => x - y);
    expect(text[Math.floor(text.length / 2)]).toBeLessThan(8 * 1024);
  });

  it('makes text that compresses like code (4-6x with gzip) and media that does not compress', () => {
    const sample = (type: string): Buffer => {
      const f = plan.files.find((x) => x.content.type === type && x.size > 200_000);
      if (!f) throw new Error(`no ${type} file over 200 kB in the plan`);
      return contentReader(plan, f)(200_000);
    };
    const ratio = (b: Buffer): number => b.length / gzipSync(b).length;
    expect(ratio(sample('text'))).toBeGreaterThan(4);
    expect(ratio(sample('text'))).toBeLessThan(8);
    expect(ratio(sample('media'))).toBeLessThan(1.01);
  });
});
