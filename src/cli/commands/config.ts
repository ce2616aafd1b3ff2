// `strongbox config check` (validate and print the resolved config, secrets redacted) and
// `strongbox config schema` (print the JSON Schema of strongbox.yaml).
import type { Command } from 'commander';
import { configPath, loadConfig } from '../../config/load.js';
import { redactConfig } from '../../config/redact.js';
import { configJsonSchema } from '../../config/schema.js';
import { checkConfiguredRepositories } from '../../ops/target.js';
import { type GlobalOptions, type Io, printJson } from '../context.js';

export async function runConfigCheck(g: GlobalOptions, io: Io): Promise<void> {
  const { path, config } = await loadConfig(configPath(g.config));
  checkConfiguredRepositories(config);
  // Shown as written: bucket entries among the app's files (the loader keeps them apart as `buckets`).
  const shown = redactConfig({
    ...config,
    apps: config.apps.map(({ buckets, ...app }) => ({ ...app, files: [...app.files, ...buckets] })),
  } as typeof config);
  if (g.json) printJson(io, { path, valid: true, config: shown });
  else {
    if (!g.quiet)
      io.out(`${path}: valid (${Object.keys(config.repositories).length} repositories, ${config.apps.length} apps)\n`);
    io.out(JSON.stringify(shown, null, 2));
  }
  for (const app of config.apps) {
    for (const f of app.files) {
      for (const o of f.offloaded)
        io.err(`warning: app ${app.id}, files ${f.name}: ${o} is offloaded to a cloud bucket and is NOT in the backup`);
    }
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  const cmd = program.command('config').description('inspect the configuration file (strongbox.yaml)');
  cmd
    .command('check')
    .description('validate the config file and print it resolved, with secrets redacted')
    .action(() => runConfigCheck(globals(), io));
  cmd
    .command('schema')
    .description('print the JSON Schema of the config file')
    .action(() => io.out(JSON.stringify(configJsonSchema(), null, 2)));
}
