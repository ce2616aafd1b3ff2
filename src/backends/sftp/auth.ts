// The ways the SFTP backend logs in: the SSH agent, then identity files, an encrypted one unlocked with a
// passphrase from a variable or a command. Secrets never reach messages; what was tried does.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import { BackendError } from '../backend.js';
import type { ResolvedSftpOptions } from './options.js';

type ParseKey = (data: Buffer, passphrase?: string) => ParsedKey | ParsedKey[] | Error;

export interface LoginPlan {
  methods: AnyAuthMethod[];
  /** What each method is, for messages: "the SSH agent", "/home/u/.ssh/id_ed25519". */
  tried: string[];
  /** Keys that could not be used, and why (never the passphrase). */
  notes: string[];
}

const PASSPHRASE_COMMAND_TIMEOUT_MS = 60_000;

function runPassphraseCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const opts = { timeout: PASSPHRASE_COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024 };
    execFile('/bin/sh', ['-c', command], opts, (err, stdout) => {
      // The command's text is not repeated: it may hold a secret of its own.
      const why = err?.killed ? 'timed out' : `status ${err?.code}`;
      if (err) reject(new BackendError('permanent', `the SFTP passphrase command failed (${why})`));
      else resolve(stdout.split(/\r?\n/)[0]);
    });
  });
}

async function passphrase(opts: ResolvedSftpOptions, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (opts.passphraseCommand) return runPassphraseCommand(opts.passphraseCommand);
  const v = env[opts.passphraseEnv];
  return v === undefined || v === '' ? undefined : v;
}

/** Parse one identity file; an encrypted key is unlocked with the passphrase, asked for only then. */
async function loadKey(
  file: string,
  parseKey: ParseKey,
  ask: () => Promise<string | undefined>,
): Promise<ParsedKey | string> {
  const data = await readFile(file);
  let key = parseKey(data);
  if (key instanceof Error && /encrypted/i.test(key.message) && /no passphrase/i.test(key.message)) {
    const pass = await ask();
    if (pass === undefined) return 'it is encrypted and no passphrase was given';
    key = parseKey(data, pass);
    if (key instanceof Error) return 'it does not open with the given passphrase';
  }
  if (key instanceof Error) return `it is not a private key strongbox can read (${key.message})`;
  return Array.isArray(key) ? key[0] : key;
}

/**
 * The login methods to try in order: the agent (SSH_AUTH_SOCK), then each identity file. A default identity
 * file that is missing is skipped; a configured one that is missing or unreadable is an error.
 */
export async function loginPlan(
  user: string,
  opts: ResolvedSftpOptions,
  parseKey: ParseKey,
  env: NodeJS.ProcessEnv,
): Promise<LoginPlan> {
  const plan: LoginPlan = { methods: [], tried: [], notes: [] };
  if (opts.agent) {
    plan.methods.push({ type: 'agent', username: user, agent: opts.agent });
    plan.tried.push('the SSH agent');
  }
  let cached: Promise<string | undefined> | undefined;
  const ask = () => (cached ??= passphrase(opts, env));
  for (const file of opts.identityFiles) {
    let key: ParsedKey | string;
    try {
      key = await loadKey(file, parseKey, ask);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !opts.identityExplicit) continue;
      key = `it cannot be read (${code ?? (e as Error).message})`;
    }
    if (typeof key === 'string') {
      const note = `identity file ${file} was not used: ${key}`;
      if (opts.identityExplicit) {
        throw new BackendError('permanent', `${note}${/passphrase/.test(key) ? hint(opts) : ''}`);
      }
      plan.notes.push(note);
      continue;
    }
    plan.methods.push({ type: 'publickey', username: user, key });
    plan.tried.push(`identity file ${file}`);
  }
  return plan;
}

function hint(opts: ResolvedSftpOptions): string {
  return opts.passphraseCommand
    ? ' (from the sftp passphraseCommand option)'
    : ` (the passphrase comes from ${opts.passphraseEnv} or the sftp passphraseCommand option)`;
}
