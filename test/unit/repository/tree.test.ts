// Tree validation with names as bytes: order and uniqueness by bytes, safe nameBytes, one spelling per name.
import { describe, expect, it } from 'vitest';
import { assertTreeNames, linkFields, linkTarget, type Tree, type TreeNode } from '../../../src/repository/tree.js';

const node = (name: string, nameBytes?: string): TreeNode => ({
  name,
  ...(nameBytes !== undefined ? { nameBytes } : {}),
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: '0',
  ctime: '0',
  size: 0,
  inode: '1',
  dev: '1',
  links: 1,
});
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const check = (nodes: TreeNode[]) => () => assertTreeNames({ nodes } as Tree, 'test tree');

describe('assertTreeNames with nameBytes', () => {
  it('accepts names sorted by their bytes, also when two have the same lossy form', () => {
    // "x" < "x\u00e9" (78 c3 a9) < "x\xfe" < "x\xff" < "y"
    expect(
      check([node('x'), node('xé'), node('x\uFFFD', b64('78fe')), node('x\uFFFD', b64('78ff')), node('y')]),
    ).not.toThrow();
  });

  it('refuses the same bytes twice and names out of byte order', () => {
    expect(check([node('x\uFFFD', b64('78ff')), node('x\uFFFD', b64('78ff'))])).toThrow(/duplicate or not sorted/);
    expect(check([node('x\uFFFD', b64('78ff')), node('xé')])).toThrow(/duplicate or not sorted/);
  });

  it('refuses nameBytes holding "/" or NUL, non-canonical base64, or bytes that are valid UTF-8', () => {
    expect(check([node('\uFFFD', b64('ff2f2e2e'))])).toThrow(/contain "\/" or NUL/);
    expect(check([node('\uFFFD', b64('ff00'))])).toThrow(/contain "\/" or NUL/);
    expect(check([node('\uFFFD', '/w==')])).not.toThrow(); // 0xff, canonical
    expect(check([node('\uFFFD', '/w')])).toThrow(/canonical base64/);
    expect(check([node('a', b64('61'))])).toThrow(/canonical base64/);
  });
});

describe('symlink targets', () => {
  it('records a UTF-8 target as it is and any other target with its exact bytes', () => {
    expect(linkFields(Buffer.from('../a'))).toEqual({ linktarget: '../a' });
    const odd = Buffer.from('74fe', 'hex');
    const f = linkFields(odd);
    expect(f.linktarget).toBe('t\uFFFD');
    expect(linkTarget({ ...node('l'), type: 'symlink', ...f })).toEqual(odd);
    expect(linkTarget({ ...node('l'), type: 'symlink', linktarget: 'old' })).toEqual(Buffer.from('old'));
  });
});
