// The repository config object: plaintext JSON carrying the format version (readable before any
// password is known) and the chunker/pack parameters, authenticated by an HMAC under the master key.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { StrongboxError } from '../errors.js';
import type { MasterKey } from './crypto.js';

export const FORMAT_VERSION = 1;

export interface RepoConfig {
  format: 'strongbox';
  version: number;
  id: string;
  chunker: { min: number; avg: number; max: number };
  packSize: number;
  created: string;
  mac?: string;
}

export function newConfig(clock: Clock, opts: { packSize?: number; chunker?: RepoConfig['chunker'] } = {}): RepoConfig {
  return {
    format: 'strongbox',
    version: FORMAT_VERSION,
    id: randomBytes(32).toString('hex'),
    chunker: opts.chunker ?? { min: 256 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 },
    packSize: opts.packSize ?? 16 * 1024 * 1024,
    created: new Date(clock.now()).toISOString(),
  };
}

function macOf(cfg: RepoConfig, key: MasterKey): Buffer {
  const { mac: _mac, ...rest } = cfg;
  return createHmac('sha256', key.idKey).update(canonicalJson(rest)).digest();
}

/** JSON with object keys sorted at every level, so the MAC does not depend on key order. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function signConfig(cfg: RepoConfig, key: MasterKey): RepoConfig {
  return { ...cfg, mac: macOf(cfg, key).toString('hex') };
}

/** Parse the config bytes and refuse versions newer than ours, before any key is known. */
export function parseConfig(bytes: Buffer, location: string): RepoConfig {
  let cfg: RepoConfig;
  try {
    cfg = JSON.parse(bytes.toString('utf8')) as RepoConfig;
  } catch (e) {
    throw new StrongboxError('INTEGRITY', `repository at ${location}: config is not valid JSON`, { cause: e });
  }
  if (cfg.format !== 'strongbox' || typeof cfg.version !== 'number') {
    throw new StrongboxError('INTEGRITY', `repository at ${location}: config is not a strongbox repository config`);
  }
  if (cfg.version > FORMAT_VERSION) {
    throw new StrongboxError(
      'REPO_VERSION',
      `repository at ${location} uses format version ${cfg.version}, newer than this strongbox supports (${FORMAT_VERSION}); upgrade strongbox`,
    );
  }
  return cfg;
}

export function verifyConfig(cfg: RepoConfig, key: MasterKey, location: string): void {
  const want = macOf(cfg, key);
  const got = Buffer.from(cfg.mac ?? '', 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    throw new StrongboxError(
      'INTEGRITY',
      `repository at ${location}: config authentication failed (tampered or corrupt config)`,
    );
  }
}
