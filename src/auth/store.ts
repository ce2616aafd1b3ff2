// The users and API tokens of the HTTP API: strongbox-auth.json in the config file's directory (mode 0600, written
// atomically). Passwords are scrypt hashes, tokens SHA-256 digests; the file never holds a usable secret.
// Format: docs/design/http-api.md#principals-and-scopes.
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StrongboxError } from '../errors.js';
import type { Scope } from './scopes.js';

export const AUTH_FILE = 'strongbox-auth.json';

export interface UserEntry {
  name: string;
  hash: string;
  scopes: Scope[];
  createdAt: string;
}

export interface TokenEntry {
  name: string;
  sha256: string;
  scopes: Scope[];
  createdAt: string;
  createdBy?: string;
}

export interface AuthFile {
  v: 1;
  users: UserEntry[];
  tokens: TokenEntry[];
}

/** The auth file of a config file: beside it. */
export function authPathFor(configPath: string): string {
  return join(dirname(configPath), AUTH_FILE);
}

export async function readAuth(path: string): Promise<AuthFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { v: 1, users: [], tokens: [] };
    throw new StrongboxError('IO', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const a = JSON.parse(text) as AuthFile;
    if (a.v !== 1 || !Array.isArray(a.users) || !Array.isArray(a.tokens)) throw new Error('not version 1');
    return a;
  } catch (e) {
    throw new StrongboxError('CONFIG', `${path} is not a strongbox auth file: ${(e as Error).message}`, { cause: e });
  }
}

/** Writes the whole file under a temporary name (0600), syncs it and renames it over the old one. */
export async function writeAuth(path: string, a: AuthFile): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const f = await open(tmp, 'wx', 0o600);
    try {
      await f.writeFile(`${JSON.stringify(a, null, 2)}\n`);
      await f.sync();
    } finally {
      await f.close();
    }
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new StrongboxError('IO', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads, changes and writes back the file (one writer at a time is the administrator's business). */
export async function updateAuth<T>(path: string, fn: (a: AuthFile) => T): Promise<T> {
  const a = await readAuth(path);
  const r = fn(a);
  await writeAuth(path, a);
  return r;
}
