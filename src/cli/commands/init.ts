// `strongbox init`: create a repository at the location.
import type { Command } from 'commander';
import { openBackend } from '../../backends/index.js';
import { Repository } from '../../repository/repository.js';
import { type GlobalOptions, type Io, printJson, repoLocation } from '../context.js';
import { resolvePassword } from '../password.js';

export interface InitOptions {
  packSizeMib?: number;
}

export async function runInit(g: GlobalOptions, o: InitOptions, io: Io): Promise<Repository> {
  const backend = openBackend(repoLocation(g));
  const repo = await Repository.init(backend, resolvePassword(g), {
    packSize: o.packSizeMib ? Math.round(o.packSizeMib * 1024 * 1024) : undefined,
  });
  if (g.json) printJson(io, { id: repo.config.id, location: backend.location, version: repo.config.version });
  else if (!g.quiet) io.out(`created strongbox repository ${repo.config.id.slice(0, 10)} at ${backend.location}\n\nKeep the password safe: without it the data cannot be read.`);
  return repo;
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program.command('init')
    .description('create a new repository')
    .option('--pack-size-mib <n>', 'target pack size in MiB (default 16)', Number)
    .action(async (o: InitOptions) => { await runInit(globals(), o, io); });
}
