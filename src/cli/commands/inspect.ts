// `strongbox cat config|snapshot ID|index ID|tree ID|key ID` (debugging) and `strongbox stats`.
import type { Command } from 'commander';
import { StrongboxError } from '../../errors.js';
import { decodeIndex } from '../../repository/index-file.js';
import { BLOB_DATA, BLOB_TREE } from '../../repository/index-memory.js';
import { resolveIdPrefix } from '../../repository/ids.js';
import type { Repository } from '../../repository/repository.js';
import { type GlobalOptions, type Io, openRepo, printJson } from '../context.js';
import { bytes } from '../output/format.js';

export async function runCat(g: GlobalOptions, kind: string, id: string | undefined, io: Io): Promise<unknown> {
  const repo = await openRepo(g, { index: kind === 'tree' });
  const need = () => {
    if (!id) throw new StrongboxError('USAGE', `cat ${kind} needs an ID`);
    return id;
  };
  let v: unknown;
  switch (kind) {
    case 'config': v = repo.config; break;
    case 'snapshot': { const s = await repo.resolveSnapshot(need()); v = { id: s.id, ...s.snapshot }; break; }
    case 'index': {
      const name = resolveIdPrefix('index', need(), await names(repo, 'index'), repo.backend.location);
      const idx = decodeIndex(await repo.loadObject('index', name), name);
      v = { supersedes: idx.supersedes, packs: idx.packs.map((p) => ({ id: p.packId, blobs: p.entries.map((e) => ({ ...e, id: e.id.toString('hex'), type: e.type === BLOB_DATA ? 'data' : 'tree' })) })) };
      break;
    }
    case 'tree': {
      const trees = [...repo.index.entries()].filter(([, l]) => l.type === BLOB_TREE).map(([b]) => b.toString('hex'));
      v = await repo.loadTree(resolveIdPrefix('tree', need(), trees, repo.backend.location));
      break;
    }
    case 'key': {
      const name = resolveIdPrefix('key', need(), await names(repo, 'key'), repo.backend.location);
      const k = JSON.parse((await repo.backend.load({ type: 'key', name })).toString('utf8'));
      delete k.data;
      v = k;
      break;
    }
    default: throw new StrongboxError('USAGE', `cat: unknown kind ${kind} (config, snapshot, index, tree, key)`);
  }
  printJson(io, v);
  return v;
}

async function names(repo: Repository, type: 'index' | 'key'): Promise<string[]> {
  const out: string[] = [];
  for await (const f of repo.backend.list(type)) out.push(f.name);
  return out;
}

export interface RepoStats {
  snapshots: number;
  packs: number;
  blobs: number;
  storedBytes: number;
  rawBytes: number;
  indexBytes: number;
}

export async function runStats(g: GlobalOptions, io: Io): Promise<RepoStats> {
  const repo = await openRepo(g);
  const s: RepoStats = { snapshots: 0, packs: 0, blobs: repo.index.size, storedBytes: 0, rawBytes: 0, indexBytes: repo.index.memoryBytes() };
  for await (const _ of repo.backend.list('snapshot')) s.snapshots++;
  for await (const f of repo.backend.list('data')) {
    s.packs++;
    s.storedBytes += f.size;
  }
  for (const [, loc] of repo.index.entries()) s.rawBytes += loc.rawLength;
  if (g.json) printJson(io, s);
  else io.out(`snapshots: ${s.snapshots}\npacks: ${s.packs} (${bytes(s.storedBytes)})\nblobs: ${s.blobs} (${bytes(s.rawBytes)} uncompressed, deduplicated)\ncompression ratio: ${s.storedBytes ? (s.rawBytes / s.storedBytes).toFixed(2) : '-'}x\nin-memory index: ${bytes(s.indexBytes)}`);
  return s;
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('cat').description('print a repository object as JSON (config, snapshot, index, tree, key)')
    .argument('<kind>').argument('[id]').action(async (kind: string, id?: string) => { await runCat(globals(), kind, id, io); });
  program.command('stats').description('repository size and deduplication figures').action(async () => { await runStats(globals(), io); });
}
