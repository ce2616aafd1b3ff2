// Looking inside a repository: one object as JSON (debugging), and size and deduplication figures.
import { StrongboxError } from '../errors.js';
import { decodeIndex } from '../repository/index-file.js';
import { BLOB_DATA, BLOB_TREE } from '../repository/index-memory.js';
import { resolveIdPrefix } from '../repository/ids.js';
import type { OpContext } from './context.js';
import { type RepoSpec, withRepository } from './repo.js';

export type CatKind = 'config' | 'snapshot' | 'index' | 'tree' | 'key';
export const CAT_KINDS: CatKind[] = ['config', 'snapshot', 'index', 'tree', 'key'];

export async function catObject(
  spec: RepoSpec,
  kind: string,
  id: string | undefined,
  ctx: OpContext,
): Promise<unknown> {
  if (!(CAT_KINDS as string[]).includes(kind))
    throw new StrongboxError('USAGE', `cat: unknown kind ${kind} (${CAT_KINDS.join(', ')})`);
  const need = () => {
    if (!id) throw new StrongboxError('USAGE', `cat ${kind} needs an ID`);
    return id;
  };
  return withRepository(spec, ctx, { lock: 'none', index: kind === 'tree' }, async (repo) => {
    switch (kind as CatKind) {
      case 'config':
        return repo.config;
      case 'snapshot': {
        const s = await repo.snapshots.resolve(need());
        return { id: s.id, ...s.snapshot };
      }
      case 'index': {
        const name = resolveIdPrefix(
          'index',
          need(),
          (await repo.listObjects('index')).map((f) => f.name),
          repo.location,
        );
        const idx = decodeIndex(await repo.loadObject('index', name), name);
        return {
          supersedes: idx.supersedes,
          packs: idx.packs.map((p) => ({
            id: p.packId,
            blobs: p.entries.map((e) => ({
              ...e,
              id: e.id.toString('hex'),
              type: e.type === BLOB_DATA ? 'data' : 'tree',
            })),
          })),
        };
      }
      case 'tree': {
        const trees = [...repo.index.entries()].filter(([, l]) => l.type === BLOB_TREE).map(([b]) => b.toString('hex'));
        return repo.loadTree(resolveIdPrefix('tree', need(), trees, repo.location));
      }
      case 'key': {
        const name = resolveIdPrefix(
          'key',
          need(),
          (await repo.listObjects('key')).map((f) => f.name),
          repo.location,
        );
        const k = JSON.parse((await repo.load({ type: 'key', name })).toString('utf8'));
        delete k.data;
        return k;
      }
    }
  });
}

export interface RepoStats {
  snapshots: number;
  packs: number;
  blobs: number;
  storedBytes: number;
  rawBytes: number;
  indexBytes: number;
}

export async function repoStats(spec: RepoSpec, ctx: OpContext): Promise<RepoStats> {
  return withRepository(spec, ctx, { lock: 'none', index: true }, async (repo) => {
    const s: RepoStats = {
      snapshots: 0,
      packs: 0,
      blobs: repo.index.size,
      storedBytes: 0,
      rawBytes: 0,
      indexBytes: repo.index.memoryBytes(),
    };
    s.snapshots = (await repo.listObjects('snapshot')).length;
    for (const f of await repo.listObjects('data')) {
      s.packs++;
      s.storedBytes += f.size;
    }
    for (const [, loc] of repo.index.entries()) s.rawBytes += loc.rawLength;
    return s;
  });
}
