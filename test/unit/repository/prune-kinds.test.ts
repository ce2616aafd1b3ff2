// What prune counts as used, whatever the component kind: a component's `tree` and `content` reference data, so a
// bucket component's objects and those of a kind this version does not know survive a prune (format doc, "Snapshots").
import { describe, expect, it } from 'vitest';
import { BLOB_DATA, BLOB_TREE } from '../../../src/repository/index-memory.js';
import { createRepository } from '../../../src/repository/open.js';
import { Packer } from '../../../src/repository/packer.js';
import { usedBlobs } from '../../../src/repository/prune.js';
import type { Snapshot } from '../../../src/repository/snapshot.js';
import { encodeTree } from '../../../src/repository/tree.js';

describe('usedBlobs', () => {
  it('keeps the trees and blob lists of bucket components and of kinds it does not know', async () => {
    const repo = await createRepository(`memory:prune-kinds-${process.pid}`, async () => 'pw', {
      kdf: { N: 1024, r: 8, p: 1 },
    });
    try {
      const packer = new Packer(repo);
      const hex = async (type: typeof BLOB_DATA | typeof BLOB_TREE, b: Buffer) =>
        (await packer.addPlain(type, b)).toString('hex');
      const object = await hex(BLOB_DATA, Buffer.from('object bytes'));
      const tree = await hex(
        BLOB_TREE,
        encodeTree({
          nodes: [
            {
              name: 'a.jpg',
              type: 'file',
              mode: 0o644,
              uid: 0,
              gid: 0,
              mtime: '0',
              ctime: '0',
              size: 12,
              inode: '0',
              dev: '0',
              links: 1,
              content: [object],
              object: { key: 'a.jpg', etag: 'e', lastModified: '1970-01-01T00:00:00.000Z' },
            },
          ],
        }),
      );
      const futureTree = await hex(BLOB_TREE, encodeTree({ nodes: [] }));
      const futureBlob = await hex(BLOB_DATA, Buffer.from('a later kind of data'));
      const unused = await hex(BLOB_DATA, Buffer.from('nobody refers to this'));
      await packer.flush();
      const snapshot = {
        version: 1,
        time: '2026-12-01T00:00:00Z',
        host: 'h',
        username: 'u',
        paths: [],
        tags: [],
        parent: null,
        program: 't',
        components: [
          { name: 'media', kind: 'bucket', tree, location: 's3:bucket', objects: 1, size: 12 },
          { name: 'later', kind: 'some-future-kind', tree: futureTree, content: [futureBlob] },
        ],
      } as unknown as Snapshot;
      await repo.snapshots.save(snapshot);
      const used = await usedBlobs(repo);
      expect([tree, object, futureTree, futureBlob].every((id) => used.has(id))).toBe(true);
      expect(used.has(unused)).toBe(false);
    } finally {
      await repo.close();
    }
  });
});
