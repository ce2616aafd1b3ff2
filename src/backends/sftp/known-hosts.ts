// OpenSSH known_hosts files: which keys are recorded for a host (plain, wildcard and hashed entries,
// @revoked), and the verdict on the key a server presents. Never trusts an unknown key.

import { createHash, createHmac } from 'node:crypto';
import type { SftpTarget } from './location.js';

export interface KnownKey {
  file: string;
  line: number;
  /** The key type as written, e.g. "ssh-ed25519". */
  type: string;
  /** The public key blob, base64 as in the file. */
  key: string;
  revoked: boolean;
}

export type HostKeyVerdict =
  | { status: 'known' }
  | { status: 'unknown' }
  | { status: 'revoked'; entry: KnownKey }
  | { status: 'changed'; recorded: KnownKey[] };

/** Match one OpenSSH host pattern ("*" and "?" wildcards) against a lowercase name. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}

/** A hashed entry "|1|salt|hash": HMAC-SHA1 of the name keyed with the salt. */
function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const mac = createHmac('sha1', Buffer.from(parts[2], 'base64')).update(name).digest('base64');
  return mac === parts[3];
}

/** Whether a comma-separated pattern list names the host; a matching negated pattern ("!x") excludes it. */
function hostsMatch(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatch(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/**
 * The entries of a known_hosts file's text that apply to `name` ("host" or "[host]:port"). Certificate
 * authority lines are skipped: strongbox does not verify host certificates, so they cannot vouch for a key.
 */
export function knownKeysFor(text: string, file: string, name: string): KnownKey[] {
  const out: KnownKey[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) return;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    if (marker === '@cert-authority' || fields.length < 3) return;
    if (!hostsMatch(fields[0], name.toLowerCase())) return;
    out.push({ file, line: i + 1, type: fields[1], key: fields[2], revoked: marker === '@revoked' });
  });
  return out;
}

/** The verdict on the key blob a server presented, given the entries recorded for it. */
export function verifyHostKey(blob: Buffer, known: KnownKey[]): HostKeyVerdict {
  const presented = blob.toString('base64');
  const revoked = known.find((k) => k.revoked && k.key === presented);
  if (revoked) return { status: 'revoked', entry: revoked };
  const recorded = known.filter((k) => !k.revoked);
  if (recorded.some((k) => k.key === presented)) return { status: 'known' };
  return recorded.length === 0 ? { status: 'unknown' } : { status: 'changed', recorded };
}

/** The key type written inside an SSH public key blob (its first string), e.g. "ssh-ed25519". */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return len > 0 && len < 64 && blob.length >= 4 + len ? blob.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

/** OpenSSH's fingerprint: "SHA256:" and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The short name ssh-keygen and ssh-keyscan use for a key type: ED25519, ECDSA, RSA, DSA. */
export function keyTypeLabel(type: string): string {
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type.startsWith('ecdsa-')) return 'ECDSA';
  if (type === 'ssh-rsa' || type.startsWith('rsa-')) return 'RSA';
  if (type === 'ssh-dss') return 'DSA';
  return type;
}

/** The host key algorithms to offer for recorded key types, so the server presents a key we can check. */
export function hostKeyAlgorithms(types: string[], supported: readonly string[]): string[] {
  const algos: string[] = [];
  for (const t of types) {
    const candidates = t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t];
    for (const a of candidates) if (supported.includes(a) && !algos.includes(a)) algos.push(a);
  }
  return algos;
}

/**
 * Why a host key was refused, with its fingerprint and what to do: how to check and accept an unknown key, how to
 * replace a changed one (`file` is the known_hosts file new keys go to).
 */
export function hostKeyMessage(
  t: SftpTarget,
  verdict: Exclude<HostKeyVerdict, { status: 'known' }>,
  blob: Buffer,
  file: string,
): string {
  const type = blobKeyType(blob);
  const label = keyTypeLabel(type);
  const shown = `${label} key ${fingerprint(blob)}`;
  const serverFile = `/etc/ssh/ssh_host_${label.toLowerCase()}_key.pub`;
  const check = `against the server's own (on the server: ssh-keygen -lf ${serverFile})`;
  const accept = `ssh-keyscan${t.port === 22 ? '' : ` -p ${t.port}`} -t ${type} ${t.host} >> ${file}`;
  switch (verdict.status) {
    case 'unknown':
      return (
        `the host key of ${t.knownHostsName} is not known: it sent ${shown}, which no known_hosts file lists; ` +
        `check it ${check}, then accept it with: ${accept}`
      );
    case 'revoked':
      return (
        `the host key of ${t.knownHostsName} (${shown}) is marked @revoked in ${verdict.entry.file} ` +
        `line ${verdict.entry.line}; refusing to connect`
      );
    case 'changed': {
      const where = verdict.recorded.map((k) => `${k.file} line ${k.line}`).join(', ');
      return (
        `the host key of ${t.knownHostsName} has CHANGED: it sent ${shown}, not the key recorded in ${where}. ` +
        'Someone may be intercepting the connection, or the server was reinstalled. ' +
        'Only if you are sure the new key is right, ' +
        `remove the old one with: ssh-keygen -R '${t.knownHostsName}' -f ${verdict.recorded[0].file}; ` +
        `then check the new key ${check} and accept it with: ${accept}`
      );
    }
  }
}
