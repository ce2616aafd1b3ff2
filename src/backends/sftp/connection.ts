// One SSH connection with its SFTP channel: ssh2 loaded on first use, the server's key checked against
// known_hosts before anything is sent, login by agent or identity files, and failures turned into clear errors.

import { readFile } from 'node:fs/promises';
import type { Client, SFTPWrapper } from 'ssh2';
import { BackendError } from '../backend.js';
import { loginPlan, type LoginPlan } from './auth.js';
import { hostKeyAlgorithms, hostKeyMessage, knownKeysFor, verifyHostKey, type KnownKey } from './known-hosts.js';
import type { SftpTarget } from './location.js';
import type { ResolvedSftpOptions } from './options.js';

type Ssh2 = typeof import('ssh2');

export interface Session {
  client: Client;
  sftp: SFTPWrapper;
}

/** The server host key algorithms ssh2 1.x can verify. */
const SUPPORTED_HOST_KEYS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
  'ssh-dss',
];
/**
 * The handshake's timeout, at most: a host that drops packets is retried several times, and each attempt should
 * not wait a whole request timeout (60 s) for a TCP connection that never comes.
 */
const HANDSHAKE_TIMEOUT_MS = 20_000;
/** DNS answers that will not change on a retry. */
const PERMANENT_NET_CODES = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);

let ssh2Module: Promise<Ssh2> | undefined;

/** ssh2 is loaded only when an sftp: location is used. */
function loadSsh2(): Promise<Ssh2> {
  ssh2Module ??= import('ssh2').then((m) => ((m as { default?: Ssh2 }).default ?? m) as Ssh2);
  return ssh2Module;
}

async function readKnownHosts(files: string[], name: string): Promise<KnownKey[]> {
  const keys: KnownKey[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      const why = (e as Error).message;
      throw new BackendError('permanent', `cannot read known_hosts file ${file}: ${why}`, { cause: e });
    }
    keys.push(...knownKeysFor(text, file, name));
  }
  return keys;
}

/** What ssh2 emits: a `level` (client-authentication, client-timeout, …) and a network or SSH code. */
type SshError = Error & { level?: string; code?: string | number };

/** Turn an ssh2 connection failure into a BackendError that says what to do. */
function connectError(
  t: SftpTarget,
  err: SshError,
  plan: LoginPlan | undefined,
  refusal: string | undefined,
): BackendError {
  if (err instanceof BackendError) return err;
  const at = `${t.user}@${t.host} port ${t.port}`;
  if (refusal) return new BackendError('permanent', refusal, { cause: err });
  if (err.level === 'client-authentication') {
    const tried = plan && plan.tried.length > 0 ? plan.tried.join(', ') : 'nothing (no SSH agent, no identity file)';
    const notes = plan && plan.notes.length > 0 ? `; ${plan.notes.join('; ')}` : '';
    return new BackendError(
      'permanent',
      `cannot log in to ${at}: permission denied (tried ${tried}${notes}); ` +
        "put the public key in the server's ~/.ssh/authorized_keys for that user, or set the sftp identityFile option",
      { cause: err },
    );
  }
  const code = typeof err.code === 'string' ? err.code : undefined;
  const fails = (kind: 'permanent' | 'transient', why: string) =>
    new BackendError(kind, `cannot connect to ${at}: ${why}`, { cause: err });
  if (code && PERMANENT_NET_CODES.has(code)) {
    return fails('permanent', `host name ${t.host} does not resolve (${code})`);
  }
  if (code === 'ECONNREFUSED') return fails('transient', 'connection refused (is sshd running?)');
  if (err.level === 'client-timeout') return fails('transient', 'no SSH handshake within the timeout');
  return fails('transient', err.message);
}

/** Open a connection and its SFTP channel; `onClose` is called once when the connection ends later. */
export async function openSession(
  t: SftpTarget,
  opts: ResolvedSftpOptions,
  env: NodeJS.ProcessEnv,
  onClose: () => void,
): Promise<Session> {
  const ssh2 = await loadSsh2();
  const known = await readKnownHosts(opts.knownHostsFiles, t.knownHostsName);
  const plan = await loginPlan(t.user, opts, (d, p) => ssh2.utils.parseKey(d, p), env);
  const recordedTypes = [...new Set(known.filter((k) => !k.revoked).map((k) => k.type))];
  const algos = hostKeyAlgorithms(recordedTypes, SUPPORTED_HOST_KEYS);
  const client = new ssh2.Client();
  let refusal: string | undefined;
  const methods = [...plan.methods];
  return new Promise<Session>((resolve, reject) => {
    let ready = false;
    const fail = (err: Error) => {
      if (ready) return;
      ready = true;
      client.end();
      reject(connectError(t, err, plan, refusal));
    };
    client.on('error', (err) => fail(err));
    client.on('close', () => (ready ? onClose() : fail(new Error('the connection closed during the handshake'))));
    // Requests are small packets, each waiting for its reply: with Nagle's algorithm on, every one waited for the
    // delayed ACK of the one before (~40 ms on Linux), which made a 1 KB save take 200 ms and a handshake 1 s.
    client.on('connect', () => client.setNoDelay(true));
    client.on('ready', () => {
      // The handshake had its timeout (readyTimeout); opening the SFTP channel gets one of its own.
      const late = new BackendError('transient', `the SFTP channel did not open within ${opts.timeoutMs / 1000} s`);
      const timer = setTimeout(() => fail(late), opts.timeoutMs);
      client.sftp((err, sftp) => {
        clearTimeout(timer);
        if (err) return fail(new BackendError('permanent', `the server has no SFTP subsystem: ${err.message}`));
        if (ready) return sftp.end();
        ready = true;
        // A channel that ends while the connection lives (the server's sftp process died) ends the connection too,
        // so that the next request opens a fresh one.
        sftp.on('close', () => client.end());
        resolve({ client, sftp });
      });
    });
    client.connect({
      host: t.host,
      port: t.port,
      username: t.user,
      readyTimeout: Math.min(opts.timeoutMs, HANDSHAKE_TIMEOUT_MS),
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      ...(algos.length > 0 ? { algorithms: { serverHostKey: algos as never } } : {}),
      hostVerifier: (blob: Buffer) => {
        const verdict = verifyHostKey(blob, known);
        if (verdict.status === 'known') return true;
        refusal = hostKeyMessage(t, verdict, blob, opts.knownHostsFiles[0]);
        return false;
      },
      authHandler: (_left, _partial, next) => {
        const m = methods.shift();
        return m === undefined ? next(false as never) : next(m);
      },
    });
  });
}
