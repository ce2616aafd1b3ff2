// `npm start`: the embedded default job. Creates a repository under .strongbox-demo/ (git-ignored), backs
// up examples/site, lists the snapshot, restores it to a temporary folder and proves it identical.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli/main.js';
import { diffTrees } from '../util/treediff.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const repo = join(root, '.strongbox-demo', 'repo');
const site = join(root, 'examples', 'site');

async function step(title: string, args: string[]): Promise<void> {
  console.log(`\n$ strongbox ${args.join(' ')}    # ${title}`);
  const code = await runCli(['-r', repo, ...args]);
  if (code !== 0) throw new Error(`strongbox ${args[0]} failed with exit status ${code}`);
}

async function main(): Promise<void> {
  if (!process.env.STRONGBOX_PASSWORD) {
    process.env.STRONGBOX_PASSWORD = 'demo-password-not-secret';
    console.log('STRONGBOX_PASSWORD not set: using the demo password (for this example repository only)');
  }
  await rm(join(root, '.strongbox-demo'), { recursive: true, force: true });
  const target = await mkdtemp(join(tmpdir(), 'strongbox-demo-restore-'));
  try {
    await step('create a repository', ['init']);
    await step('back up the example site', ['backup', site, '--tag', 'demo']);
    await step('a second backup: nothing changed, nothing re-read', ['backup', site, '--tag', 'demo']);
    await step('list snapshots', ['snapshots']);
    await step('list the files of the latest snapshot', ['ls', `latest:${site}`]);
    await step('restore it', ['restore', `latest:${site}`, '--target', target, '--verify']);
    await step('verify the repository, reading all data', ['check', '--read-data']);
    const diffs = await diffTrees(site, target);
    if (diffs.length) throw new Error(`restored tree differs from the original:\n${diffs.join('\n')}`);
    console.log(`\nOK: the restore in ${target} is identical to ${site} (contents, modes, mtimes, symlinks).`);
  } finally {
    await rm(target, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`demo failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
