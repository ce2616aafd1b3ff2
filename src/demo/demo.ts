// `npm start`: the embedded default job. Backs up the example application described by
// examples/strongbox.yaml (the webroot in examples/site and a SQLite database created from examples/app.sql)
// into a repository under .strongbox-demo/ (git-ignored), restores both elsewhere and proves them identical.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli/main.js';
import { diffTrees } from '../util/treediff.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const examples = join(root, 'examples');
const demoDir = join(root, '.strongbox-demo');
const config = join(examples, 'strongbox.yaml');
const site = join(examples, 'site');
const db = join(demoDir, 'app.db');

async function step(title: string, args: string[]): Promise<void> {
  console.log(`\n$ strongbox ${args.join(' ')}    # ${title}`);
  const code = await runCli(['-c', config, ...args]);
  if (code !== 0) throw new Error(`strongbox ${args[0]} failed with exit status ${code}`);
}

/** Asks how many posts the example application's database holds. */
const COUNT_POSTS = 'SELECT count(*) FROM posts;';

/** The database's contents as SQL text: equal dumps mean equal schemas and rows. */
const sqlDump = (path: string) => execFileSync('sqlite3', ['-batch', path, '.dump'], { encoding: 'utf8' });

async function main(): Promise<void> {
  if (!process.env.STRONGBOX_PASSWORD) {
    process.env.STRONGBOX_PASSWORD = 'demo-password-not-secret';
    console.log('STRONGBOX_PASSWORD not set: using the demo password (for this example repository only)');
  }
  process.env.STRONGBOX_EXAMPLE_ROOT = examples;
  await rm(demoDir, { recursive: true, force: true });
  mkdirSync(demoDir, { recursive: true });
  execFileSync('sqlite3', ['-batch', db], { input: readFileSync(join(examples, 'app.sql')) });
  console.log(`created the example application's database ${db} from examples/app.sql`);
  const target = await mkdtemp(join(tmpdir(), 'strongbox-demo-restore-'));
  try {
    await step('create the repository named in the config', ['-r', join(demoDir, 'repo'), 'init']);
    await step('back up the app: its SQLite database and its webroot, one snapshot', [
      'backup',
      '--app',
      'example-site',
      '--tag',
      'demo',
    ]);
    await step('a second backup: unchanged files are not re-read, the dump deduplicates', [
      'backup',
      '--app',
      'example-site',
      '--tag',
      'demo',
    ]);
    await step("list the app's snapshots and their components", ['snapshots', '--app', 'example-site']);
    await step('restore both elsewhere: files under the target, the database to another path', [
      'restore',
      'latest',
      '--app',
      'example-site',
      '--target',
      target,
      '--target-db',
      join(target, 'app.db'),
      '--verify',
    ]);
    const dumpFile = join(target, 'app-dump.sqlite3');
    await step('download the raw database dump (a plain SQLite file)', [
      'dump',
      'latest',
      'app',
      '--app',
      'example-site',
      '-o',
      dumpFile,
    ]);
    await step('verify the repository, reading all data', ['-r', join(demoDir, 'repo'), 'check', '--read-data']);
    const diffs = await diffTrees(site, join(target, 'webroot'));
    if (diffs.length) throw new Error(`restored webroot differs from the original:\n${diffs.join('\n')}`);
    const original = sqlDump(db);
    for (const copy of [join(target, 'app.db'), dumpFile]) {
      if (sqlDump(copy) !== original) throw new Error(`${copy} does not hold the same schema and rows as ${db}`);
    }
    const rows = execFileSync('sqlite3', ['-batch', db, COUNT_POSTS], { encoding: 'utf8' }).trim();
    console.log(`\nOK: the restored webroot is identical to ${site} (contents, modes, mtimes, symlinks),`);
    console.log(
      `and the restored database and the downloaded dump hold the same schema and rows as ${db} (${rows} posts;` +
        ` sha256 of the dump ${createHash('sha256').update(readFileSync(dumpFile)).digest('hex').slice(0, 16)}…).`,
    );
  } finally {
    await rm(target, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`demo failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
