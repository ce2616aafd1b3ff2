// Writing a replacement set of index objects (prune and `repair index`): the packs in objects of at most
// 64 packs each, then one object that supersedes the old indexes (format doc, "Prune", steps 2-3).
import { encodeIndex, type IndexPack } from './index-file.js';
import type { Repository } from './repository.js';

const PACKS_PER_INDEX = 64;

/** Save index objects for `packs`, then one superseding `old`; returns the names written. */
export async function writeIndexSet(repo: Repository, packs: IndexPack[], old: string[]): Promise<string[]> {
  const written: string[] = [];
  for (let i = 0; i < packs.length; i += PACKS_PER_INDEX) {
    written.push(
      await repo.saveObject('index', encodeIndex({ supersedes: [], packs: packs.slice(i, i + PACKS_PER_INDEX) })),
    );
  }
  written.push(await repo.saveObject('index', encodeIndex({ supersedes: old, packs: [] })));
  return written;
}
