// The branch's tree as this process knows it (path → blob and size, from `git ls-tree -r -l`), and building the
// tree of a new commit from a base commit and a batch of changes in a private index file.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitRunner } from './run.js';

export interface Entry {
  oid: string;
  size: number;
}

/** Path → its blob, for every blob in the tree (`git ls-tree -r -l -z --full-tree`). */
export function parseLsTree(out: Buffer): Map<string, Entry> {
  const files = new Map<string, Entry>();
  for (const rec of out.toString('utf8').split('\0')) {
    if (rec === '') continue;
    const tab = rec.indexOf('\t');
    const [, type, oid, size] = rec.slice(0, tab).split(/ +/);
    if (type !== 'blob') continue; // a submodule (commit) someone added by hand is not ours
    files.set(rec.slice(tab + 1), { oid, size: Number(size) });
  }
  return files;
}

/** The blobs of a commit's tree. */
export async function readTree(git: GitRunner, commit: string): Promise<Map<string, Entry>> {
  return parseLsTree(await git.run(['ls-tree', '-r', '-l', '-z', '--full-tree', commit]));
}

const ZERO = '0'.repeat(40);

/**
 * The tree of `base` (or an empty tree) with `changes` applied (a blob to store, or null to remove), built in an
 * index file of this call's own, so that processes sharing the cache never touch each other's.
 */
export async function buildTree(
  git: GitRunner,
  gitDir: string,
  base: string | null,
  changes: [string, Entry | null][],
): Promise<string> {
  const index = join(gitDir, `strongbox-index-${randomBytes(8).toString('hex')}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await git.run(base === null ? ['read-tree', '--empty'] : ['read-tree', base], { env });
    const info = changes
      .map(([path, e]) => (e === null ? `0 ${ZERO}\t${path}` : `100644 ${e.oid}\t${path}`))
      .join('\n');
    await git.run(['update-index', '--index-info'], { env, input: `${info}\n` });
    return (await git.run(['write-tree'], { env })).toString('utf8').trim();
  } finally {
    await rm(index, { force: true });
  }
}
