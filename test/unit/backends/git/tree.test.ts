// parseLsTree: `git ls-tree -r -l -z` output to path → blob and size; paths with spaces and tabs survive, and
// entries that are not blobs (a submodule someone added by hand) are left out.
import { expect, it } from 'vitest';
import { parseLsTree } from '../../../../src/backends/git/tree.js';

it('parses blobs with sizes, keeps odd paths whole and skips commits', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  const c = 'c'.repeat(40);
  const out = Buffer.from(
    [
      `100644 blob ${a}      12\tconfig`,
      `100644 blob ${b} 1048576\tdata/ab/name with\ttab`,
      `160000 commit ${c}       -\tvendor/sub`,
      '',
    ].join('\0'),
  );
  expect([...parseLsTree(out)]).toEqual([
    ['config', { oid: a, size: 12 }],
    ['data/ab/name with\ttab', { oid: b, size: 1048576 }],
  ]);
});
