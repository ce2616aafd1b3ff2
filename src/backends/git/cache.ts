// Keeping the cache repository from growing without end: the refs and index files of this host's processes that
// died without closing are removed when a process opens it, and after a history rewrite unreachable objects go.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../clock.js';
import type { GitRunner } from './run.js';

/** A commit is built in its index file within seconds; one this old was left by a killed process. */
const INDEX_MAX_AGE_MS = 60 * 60_000;

const OWN_REF = /^refs\/strongbox\/(\d+)-[0-9a-f]+$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes refs/strongbox/<pid>-… of processes that no longer exist (killed before they could close), and index
 * files (strongbox-index-…) older than an hour.
 */
export async function cleanCache(git: GitRunner, gitDir: string): Promise<void> {
  for (const name of await readdir(gitDir)) {
    if (!name.startsWith('strongbox-index-')) continue;
    const path = join(gitDir, name);
    const st = await stat(path).catch(() => undefined);
    if (st !== undefined && systemClock.now() - st.mtimeMs > INDEX_MAX_AGE_MS) await rm(path, { force: true });
  }
  const refs = (await git.run(['for-each-ref', '--format=%(refname)', 'refs/strongbox/'])).toString('utf8').split('\n');
  const dead = refs.filter((r) => {
    const m = OWN_REF.exec(r);
    return m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]));
  });
  if (dead.length > 0) await git.run(['update-ref', '--stdin'], { input: dead.map((r) => `delete ${r}\n`).join('') });
}

/**
 * Deletes this process's ref; after it rewrote history (a prune), drops the objects no ref reaches any more — the
 * removed packs. Objects younger than an hour stay: another process may be about to commit them.
 */
export async function dropOwnRef(git: GitRunner, ref: string, rewrote: boolean): Promise<void> {
  await git.run(['update-ref', '-d', ref]).catch(() => {});
  if (rewrote) await git.run(['prune', '--expire=1.hour.ago']).catch(() => {});
}
