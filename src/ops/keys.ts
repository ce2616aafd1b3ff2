// The keys (passwords) that open a repository, and removing locks left by processes that are gone.
import { randomBytes } from 'node:crypto';
import { StrongboxError } from '../errors.js';
import { makeKeyFile, parseKeyFile } from '../repository/keys.js';
import { removeStaleLocks, STALE_AFTER_MS } from '../repository/lock.js';
import type { OpContext } from './context.js';
import { type PasswordSource, resolvePassword } from './password.js';
import { type RepoSpec, withRepository } from './repo.js';

export interface KeyInfo {
  id: string;
  current: boolean;
  host: string;
  username: string;
  created: string;
}

export async function listKeys(spec: RepoSpec, ctx: OpContext): Promise<{ keys: KeyInfo[] }> {
  return withRepository(spec, ctx, { lock: 'none' }, async (repo) => {
    const keys: KeyInfo[] = [];
    for (const f of await repo.listObjects('key')) {
      const k = parseKeyFile(await repo.load({ type: 'key', name: f.name }), f.name);
      keys.push({ id: f.name, current: f.name === repo.keyName, host: k.host, username: k.username, created: k.created });
    }
    return { keys };
  });
}

/** Adds a key that opens the repository with the password `newPassword` gives. */
export async function addKey(spec: RepoSpec, newPassword: PasswordSource, ctx: OpContext): Promise<{ id: string }> {
  return withRepository(spec, ctx, { lock: 'none' }, async (repo) => {
    const pw = await resolvePassword(newPassword, process.env, ctx.signal);
    const id = randomBytes(32).toString('hex');
    const kf = await makeKeyFile(repo.key, pw, ctx.clock);
    await repo.save({ type: 'key', name: id }, Buffer.from(JSON.stringify(kf, null, 2)), true);
    return { id };
  });
}

/** Removes the key with this ID prefix (not the one in use). */
export async function removeKey(spec: RepoSpec, prefix: string, ctx: OpContext): Promise<{ id: string }> {
  return withRepository(spec, ctx, { lock: 'exclusive', index: false }, async (repo) => {
    const hits = (await repo.listObjects('key')).map((f) => f.name).filter((n) => n.startsWith(prefix));
    if (hits.length !== 1) throw new StrongboxError(hits.length ? 'USAGE' : 'NOT_FOUND', hits.length ? `key prefix ${prefix} is ambiguous` : `no key ${prefix}`);
    if (hits[0] === repo.keyName) throw new StrongboxError('USAGE', `refusing to remove key ${prefix}: it is the key in use (open with another password to remove it)`);
    await repo.remove({ type: 'key', name: hits[0] });
    return { id: hits[0] };
  });
}

/** Removes stale locks (or, with `all`, every lock); returns how many. */
export async function unlock(spec: RepoSpec, input: { all?: boolean }, ctx: OpContext): Promise<{ removed: number }> {
  return withRepository(spec, ctx, { lock: 'none' }, async (repo) => {
    const removed = await removeStaleLocks(repo, STALE_AFTER_MS, (message) => ctx.emit({ type: 'warning', message }), !!input.all);
    return { removed };
  });
}
