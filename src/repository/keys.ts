// Key files: the master key wrapped under a password-derived key (scrypt → AES-256-GCM). A repository
// can hold several; opening tries each. Layout in docs/design/repository-format.md, "Keys".
import { createHash, randomBytes, scrypt as scryptCb } from 'node:crypto';
import { hostname } from 'node:os';
import { safeUser } from '../util/user.js';
import { promisify } from 'node:util';
import type { Clock } from '../clock.js';
import { StrongboxError } from '../errors.js';
import { AAD, type MasterKey, open, seal } from './crypto.js';

const scrypt = promisify(scryptCb) as (pw: string | Buffer, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

/** Default scrypt cost: 32 MiB of memory, ~100 ms on a server core. */
export const DEFAULT_KDF: KdfParams = { N: 32768, r: 8, p: 1 };

/**
 * A cheap scrypt cost for test suites only (as borg's BORG_TESTONLY_WEAKEN_KDF): with
 * STRONGBOX_TESTONLY_WEAKEN_KDF=1, new keys are made at N=1024 (1 MiB, ~1 ms), so the thousands of repositories
 * and CLI runs of `npm test` do not spend ~0.1-0.3 s each in scrypt. A key made so is weak for good: never set it
 * outside tests. Opening a key always uses the cost recorded in its file.
 */
export const TESTONLY_WEAK_KDF: KdfParams = { N: 1024, r: 8, p: 1 };

export function defaultKdf(env: NodeJS.ProcessEnv = process.env): KdfParams {
  return env.STRONGBOX_TESTONLY_WEAKEN_KDF === '1' ? TESTONLY_WEAK_KDF : DEFAULT_KDF;
}

export interface KeyFile {
  version: 1;
  created: string;
  host: string;
  username: string;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  data: string;
}

let derivations = 0;
/** How many scrypt derivations this process ran (for tests of the cache below). */
export function kdfDerivations(): number {
  return derivations;
}

async function deriveWrapKey(password: string, salt: Buffer, k: KdfParams): Promise<Buffer> {
  derivations++;
  return scrypt(password, salt, 32, { N: k.N, r: k.r, p: k.p, maxmem: 256 * k.N * k.r + 1024 * 1024 });
}

export async function makeKeyFile(
  master: MasterKey,
  password: string,
  clock: Clock,
  kdf: KdfParams = defaultKdf(),
): Promise<KeyFile> {
  const salt = randomBytes(32);
  const wrap = await deriveWrapKey(password, salt, kdf);
  const plain = Buffer.from(
    JSON.stringify({
      encKey: master.encKey.toString('base64'),
      idKey: master.idKey.toString('base64'),
      chunkerSeed: master.chunkerSeed.toString('base64'),
    }),
  );
  return {
    version: 1,
    created: new Date(clock.now()).toISOString(),
    host: hostname(),
    username: safeUser(),
    kdf: 'scrypt',
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    salt: salt.toString('base64'),
    data: seal(wrap, plain, AAD.key).toString('base64'),
  };
}

/**
 * Wrapping keys this process derived and that opened their key file, by a digest of (password, salt, cost). A
 * long-running process (the daemon, `strongbox serve`) opens the same repositories again and again: an overview of
 * ten apps would otherwise cost ten scrypt derivations (~0.1-0.3 s each) per page. The process holds the
 * passwords anyway; only successful derivations are kept, at most WRAP_CACHE_MAX.
 */
const WRAP_CACHE_MAX = 32;
const wrapCache = new Map<string, Buffer>();

function wrapCacheKey(password: string, kf: KeyFile): string {
  return createHash('sha256').update(`${kf.N}:${kf.r}:${kf.p}:${kf.salt}\0`).update(password).digest('base64');
}

/** Returns the master key, or null when the password does not open this key file. */
export async function openKeyFile(kf: KeyFile, password: string, name: string): Promise<MasterKey | null> {
  const posInt = (v: unknown, max: number) => Number.isInteger(v) && (v as number) > 0 && (v as number) <= max;
  if (
    kf.kdf !== 'scrypt' ||
    !posInt(kf.N, 1 << 22) ||
    (kf.N & (kf.N - 1)) !== 0 ||
    kf.N < 2 ||
    !posInt(kf.r, 64) ||
    !posInt(kf.p, 16)
  ) {
    throw new StrongboxError(
      'INTEGRITY',
      `key ${name}: damaged key file (unsupported or implausible key derivation parameters)`,
    );
  }
  const cacheKey = wrapCacheKey(password, kf);
  let wrap: Buffer | undefined = wrapCache.get(cacheKey);
  try {
    wrap ??= await deriveWrapKey(password, Buffer.from(kf.salt, 'base64'), kf);
  } catch (e) {
    throw new StrongboxError(
      'INTEGRITY',
      `key ${name}: damaged key file (key derivation failed: ${(e as Error).message})`,
      { cause: e },
    );
  }
  let plain: Buffer;
  try {
    plain = open(wrap, Buffer.from(kf.data, 'base64'), AAD.key, `key ${name}`);
  } catch {
    return null;
  }
  let mk: MasterKey;
  try {
    const j = JSON.parse(plain.toString('utf8')) as Record<string, string>;
    mk = {
      encKey: Buffer.from(j.encKey, 'base64'),
      idKey: Buffer.from(j.idKey, 'base64'),
      chunkerSeed: Buffer.from(j.chunkerSeed, 'base64'),
    };
  } catch (e) {
    throw new StrongboxError('INTEGRITY', `key ${name}: the wrapped master key is not valid`, { cause: e });
  }
  if (mk.encKey.length !== 32 || mk.idKey.length !== 32 || mk.chunkerSeed.length !== 32) {
    throw new StrongboxError('INTEGRITY', `key ${name}: wrapped master key has the wrong length`);
  }
  wrapCache.delete(cacheKey);
  wrapCache.set(cacheKey, wrap);
  if (wrapCache.size > WRAP_CACHE_MAX) wrapCache.delete(wrapCache.keys().next().value!);
  return mk;
}

export function parseKeyFile(bytes: Buffer, name: string): KeyFile {
  try {
    const kf = JSON.parse(bytes.toString('utf8')) as KeyFile;
    if (kf.version !== 1 || typeof kf.data !== 'string' || typeof kf.salt !== 'string')
      throw new Error('missing fields');
    return kf;
  } catch (e) {
    throw new StrongboxError('INTEGRITY', `key ${name}: not a valid key file (${(e as Error).message})`, { cause: e });
  }
}
