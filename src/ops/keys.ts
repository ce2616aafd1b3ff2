// The keys (passwords) that open a repository, and removing locks left by processes that are gone.
import { randomBytes } from 'node:crypto';
import { StrongboxError } from '../errors.js';
import { makeKeyFile, parseKeyFile } from '../repository/keys.js';
import { resolveIdPrefix } from '../repository/ids.js';
import { keptLockAdvice, unlockRepository } from '../repository/lock.js';
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
      keys.push({
        id: f.name,
        current: f.name === repo.keyName,
        host: k.host,
        username: k.username,
        created: k.created,
      });
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
    const id = resolveIdPrefix(
      'key',
      prefix,
      (await repo.listObjects('key')).map((f) => f.name),
      repo.location,
    );
    if (id === repo.keyName)
      throw new StrongboxError(
        'USAGE',
        `refusing to remove key ${prefix}: it is the key in use (open with another password to remove it)`,
      );
    await repo.remove({ type: 'key', name: id });
    return { id };
  });
}

/**
 * Removes stale locks (or, with `all`, every lock) and moves unreadable lock files to quarantine; `kept` says
 * why each remaining lock stays and what `all` would remove.
 */
export async function unlock(
  spec: RepoSpec,
  input: { all?: boolean },
  ctx: OpContext,
): Promise<{ removed: number; kept: number; advice: string[] }> {
  return withRepository(spec, ctx, { lock: 'none' }, async (repo) => {
    const r = await unlockRepository(repo, { all: input.all });
    for (const u of r.unreadable)
      ctx.emit({
        type: 'warning',
        message: `moved unreadable lock file ${u.name.slice(0, 8)} to quarantine (${u.message})`,
      });
    for (const l of r.removed) {
      ctx.emit({
        type: 'warning',
        message: `removed ${input.all ? '' : 'stale '}lock ${l.name.slice(0, 8)} of host ${l.info.host} pid ${l.info.pid} (last refreshed ${l.info.refreshed})`,
      });
    }
    return { removed: r.removed.length + r.unreadable.length, kept: r.kept.length, advice: keptLockAdvice(r.kept) };
  });
}
