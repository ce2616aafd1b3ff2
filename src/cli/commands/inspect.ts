// `strongbox cat config|snapshot ID|index ID|tree ID|key ID` (debugging) and `strongbox stats`.
import type { Command } from 'commander';
import { catObject, repoStats } from '../../ops/inspect.js';
import { plainRepo } from '../../ops/target.js';
import { choice, type GlobalOptions, type Io, printJson, runOp } from '../context.js';
import { bytes } from '../output/format.js';

export async function runCat(g: GlobalOptions, kind: string, id: string | undefined, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  printJson(io, await runOp(g, io, (ctx) => catObject(spec, kind, id, ctx)));
}

export async function runStats(g: GlobalOptions, io: Io): Promise<void> {
  const spec = await plainRepo(choice(g));
  const s = await runOp(g, io, (ctx) => repoStats(spec, ctx));
  if (g.json) printJson(io, s);
  else
    io.out(
      `snapshots: ${s.snapshots}\npacks: ${s.packs} (${bytes(s.storedBytes)})\nblobs: ${s.blobs} (${bytes(s.rawBytes)} uncompressed, deduplicated)\ncompression ratio: ${s.storedBytes ? (s.rawBytes / s.storedBytes).toFixed(2) : '-'}x\nin-memory index: ${bytes(s.indexBytes)}`,
    );
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('cat')
    .description('print a repository object as JSON (config, snapshot, index, tree, key)')
    .argument('<kind>')
    .argument('[id]')
    .action(async (kind: string, id?: string) => {
      await runCat(globals(), kind, id, io);
    });
  program
    .command('stats')
    .description('repository size and deduplication figures')
    .action(async () => {
      await runStats(globals(), io);
    });
}
