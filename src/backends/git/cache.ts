// Keeping the cache repository from growing without end: the refs of this host's processes that died without
// closing are removed when a process opens it, and after a history rewrite the objects no ref reaches are dropped.
import type { GitRunner } from './run.js';

const OWN_REF = /^refs\/strongbox\/(\d+)-[0-9a-f]+$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes refs/strongbox/<pid>-… of processes that no longer exist (killed before they could close). */
export async function cleanCache(git: GitRunner): Promise<void> {
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
