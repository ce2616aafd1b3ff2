// Who may use the HTTP API: adding and removing users (scrypt-hashed passwords) and API tokens (shown once, kept
// as digests), and checking a password or a token. The CLI's `user` and `token` commands and the server call these.
import { DUMMY_HASH, hashPassword, newToken, sameSecret, tokenDigest, verifyPassword } from '../auth/secrets.js';
import { principalName, type Scope, scopesSchema } from '../auth/scopes.js';
import { readAuth, type TokenEntry, updateAuth, type UserEntry } from '../auth/store.js';
import type { Clock } from '../clock.js';
import { StrongboxError } from '../errors.js';

export type { Scope };

/** Who made a request: a user with a session, or a token. `label` is what the audit trail records. */
export interface Principal {
  kind: 'user' | 'token';
  name: string;
  scopes: Scope[];
  label: string;
}

export const DEFAULT_USER_SCOPES: Scope[] = ['read', 'backup', 'restore'];
const MIN_PASSWORD = 10;

function checkName(what: string, name: string): string {
  const r = principalName.safeParse(name);
  if (!r.success) throw new StrongboxError('USAGE', `${what} name "${name}": ${r.error.issues[0].message}`);
  return r.data;
}

function checkScopes(scopes: Scope[]): Scope[] {
  const r = scopesSchema.safeParse(scopes);
  if (!r.success) throw new StrongboxError('USAGE', `scopes: ${r.error.issues[0].message}`);
  return [...new Set(r.data)];
}

export async function addUser(
  path: string,
  input: { name: string; password: string; scopes?: Scope[]; replace?: boolean },
  clock: Clock,
): Promise<Omit<UserEntry, 'hash'>> {
  const name = checkName('user', input.name);
  const scopes = checkScopes(input.scopes ?? DEFAULT_USER_SCOPES);
  if (input.password.length < MIN_PASSWORD)
    throw new StrongboxError(
      'USAGE',
      `the password of user ${name} is too short: use at least ${MIN_PASSWORD} characters`,
    );
  const hash = await hashPassword(input.password);
  const entry: UserEntry = { name, hash, scopes, createdAt: new Date(clock.now()).toISOString() };
  await updateAuth(path, (a) => {
    const i = a.users.findIndex((u) => u.name === name);
    if (i >= 0 && !input.replace)
      throw new StrongboxError('USAGE', `user ${name} exists already (pass --replace to set a new password)`);
    if (i >= 0) a.users[i] = entry;
    else a.users.push(entry);
  });
  return { name, scopes, createdAt: entry.createdAt };
}

export async function removeUser(path: string, name: string): Promise<void> {
  await updateAuth(path, (a) => {
    const before = a.users.length;
    a.users = a.users.filter((u) => u.name !== name);
    if (a.users.length === before) throw new StrongboxError('NOT_FOUND', `no user ${name} in ${path}`);
  });
}

/** A new token: the secret is returned here once and never stored. */
export async function addToken(
  path: string,
  input: { name: string; scopes: Scope[]; createdBy?: string },
  clock: Clock,
): Promise<{ token: string; entry: Omit<TokenEntry, 'sha256'> }> {
  const name = checkName('token', input.name);
  const scopes = checkScopes(input.scopes);
  const token = newToken();
  const entry: TokenEntry = {
    name,
    sha256: tokenDigest(token),
    scopes,
    createdAt: new Date(clock.now()).toISOString(),
    ...(input.createdBy ? { createdBy: input.createdBy } : {}),
  };
  await updateAuth(path, (a) => {
    if (a.tokens.some((t) => t.name === name))
      throw new StrongboxError('USAGE', `a token named ${name} exists already: remove it first or choose another name`);
    a.tokens.push(entry);
  });
  const { sha256: _digest, ...shown } = entry;
  return { token, entry: shown };
}

export async function removeToken(path: string, name: string): Promise<void> {
  await updateAuth(path, (a) => {
    const before = a.tokens.length;
    a.tokens = a.tokens.filter((t) => t.name !== name);
    if (a.tokens.length === before) throw new StrongboxError('NOT_FOUND', `no token named ${name}`);
  });
}

export async function listAccess(
  path: string,
): Promise<{ users: Omit<UserEntry, 'hash'>[]; tokens: Omit<TokenEntry, 'sha256'>[] }> {
  const a = await readAuth(path);
  return {
    users: a.users.map(({ hash: _h, ...u }) => u),
    tokens: a.tokens.map(({ sha256: _d, ...t }) => t),
  };
}

/** The user whose password this is, or null (an unknown user costs as much time as a wrong password). */
export async function checkPassword(path: string, name: string, password: string): Promise<Principal | null> {
  const a = await readAuth(path);
  const u = a.users.find((x) => x.name === name);
  const ok = await verifyPassword(password, u?.hash ?? DUMMY_HASH);
  return u && ok ? { kind: 'user', name: u.name, scopes: u.scopes, label: u.name } : null;
}

/** The token's principal, or null. */
export async function checkToken(path: string, token: string): Promise<Principal | null> {
  const a = await readAuth(path);
  const digest = tokenDigest(token);
  const t = a.tokens.find((x) => sameSecret(x.sha256, digest));
  return t ? { kind: 'token', name: t.name, scopes: t.scopes, label: `token:${t.name}` } : null;
}

/** A user's current scopes (a session re-reads them, so a removed user's session ends). */
export async function userScopes(path: string, name: string): Promise<Scope[] | null> {
  const a = await readAuth(path);
  return a.users.find((x) => x.name === name)?.scopes ?? null;
}
