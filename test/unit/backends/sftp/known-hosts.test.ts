import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  blobKeyType,
  fingerprint,
  hostKeyAlgorithms,
  hostKeyMessage,
  keyTypeLabel,
  knownKeysFor,
  verifyHostKey,
} from '../../../../src/backends/sftp/known-hosts.js';
import { parseSftpLocation } from '../../../../src/backends/sftp/location.js';

/** A fake SSH public key blob: the type string, then some key bytes. */
function blob(type: string, fill: number): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.alloc(32, fill)]);
}

const A = blob('ssh-ed25519', 1);
const B = blob('ssh-ed25519', 2);
const R = blob('ssh-rsa', 3);
const b64 = (b: Buffer) => b.toString('base64');

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('knownKeysFor', () => {
  const text = [
    '# comment',
    '',
    `example.com,192.0.2.1 ssh-ed25519 ${b64(A)} root@example`,
    `[example.com]:2222 ssh-ed25519 ${b64(B)}`,
    `*.example.org,!bad.example.org ssh-rsa ${b64(R)}`,
    `${hashed('hashed.example.net')} ssh-ed25519 ${b64(A)}`,
    `@revoked example.com ssh-ed25519 ${b64(B)}`,
    `@cert-authority *.example.com ssh-ed25519 ${b64(B)}`,
  ].join('\n');

  it('finds plain, port-qualified, wildcard, hashed and revoked entries with their line numbers', () => {
    expect(knownKeysFor(text, 'kh', 'example.com').map((k) => [k.line, k.revoked])).toEqual([
      [3, false],
      [7, true],
    ]);
    expect(knownKeysFor(text, 'kh', 'EXAMPLE.com')).toHaveLength(2);
    expect(knownKeysFor(text, 'kh', '[example.com]:2222').map((k) => k.line)).toEqual([4]);
    expect(knownKeysFor(text, 'kh', 'a.example.org').map((k) => k.type)).toEqual(['ssh-rsa']);
    expect(knownKeysFor(text, 'kh', 'bad.example.org')).toEqual([]);
    expect(knownKeysFor(text, 'kh', 'hashed.example.net').map((k) => k.line)).toEqual([6]);
    expect(knownKeysFor(text, 'kh', 'other.example.net')).toEqual([]);
  });

  it('never lets a certificate authority line vouch for a key', () => {
    expect(knownKeysFor(text, 'kh', 'www.example.com')).toEqual([]);
  });
});

describe('verifyHostKey', () => {
  const known = (lines: string) => knownKeysFor(lines, 'kh', 'h');

  it('accepts a recorded key, and calls a host with no entry unknown (never trusted on first use)', () => {
    expect(verifyHostKey(A, known(`h ssh-ed25519 ${b64(A)}`))).toEqual({ status: 'known' });
    expect(verifyHostKey(A, [])).toEqual({ status: 'unknown' });
  });

  it('calls a different key for a recorded host changed, and a revoked key revoked', () => {
    expect(verifyHostKey(B, known(`h ssh-ed25519 ${b64(A)}`)).status).toBe('changed');
    expect(verifyHostKey(A, known(`h ssh-ed25519 ${b64(A)}\n@revoked h ssh-ed25519 ${b64(A)}`)).status).toBe('revoked');
  });
});

describe('key helpers', () => {
  it('reads the type inside a blob and labels it as ssh-keygen does', () => {
    expect(blobKeyType(A)).toBe('ssh-ed25519');
    expect(keyTypeLabel('ssh-ed25519')).toBe('ED25519');
    expect(keyTypeLabel('ecdsa-sha2-nistp256')).toBe('ECDSA');
    expect(keyTypeLabel('ssh-rsa')).toBe('RSA');
  });

  it('prints the SHA256 fingerprint without base64 padding', () => {
    expect(fingerprint(A)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('offers the host key algorithms of the recorded types, RSA with its SHA-2 signatures', () => {
    const supported = ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
    expect(hostKeyAlgorithms(['ssh-rsa', 'ssh-ed25519', 'sk-ssh-ed25519@openssh.com'], supported)).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
    ]);
  });
});

describe('hostKeyMessage', () => {
  const t = parseSftpLocation('sftp:backup@Backup.example.com:/srv/repo');

  it("shows an unknown key's fingerprint and the ssh-keyscan line that accepts it (no -p on port 22)", () => {
    const msg = hostKeyMessage(t, { status: 'unknown' }, A, '/home/u/.ssh/known_hosts');
    expect(msg).toContain(`the host key of backup.example.com is not known: it sent ED25519 key ${fingerprint(A)}`);
    expect(msg).toContain('ssh-keyscan -t ssh-ed25519 Backup.example.com >> /home/u/.ssh/known_hosts');
  });

  it('names the revoked entry and offers no way around it', () => {
    const [entry] = knownKeysFor(
      `@revoked backup.example.com ssh-ed25519 ${b64(A)}`,
      '/etc/ssh/ssh_known_hosts',
      'backup.example.com',
    );
    const msg = hostKeyMessage(t, { status: 'revoked', entry }, A, '/home/u/.ssh/known_hosts');
    expect(msg).toBe(
      `the host key of backup.example.com (ED25519 key ${fingerprint(A)}) is marked @revoked in /etc/ssh/ssh_known_hosts line 1; refusing to connect`,
    );
  });
});
