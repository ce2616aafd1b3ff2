// The SFTP backend's options (a repository's `options` in strongbox.yaml) and how they are
// completed from the environment and OpenSSH's defaults. Nothing here holds a secret, only where to find one.

import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';

/** The repository's `options` for an sftp: location in strongbox.yaml (docs/usage/backends/sftp.md). */
export const sftpOptionsSchema = z.strictObject({
  identityFile: z
    .string()
    .min(1)
    .optional()
    .describe('private key to log in with (default: the SSH agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa)'),
  knownHostsFile: z
    .string()
    .min(1)
    .optional()
    .describe("known_hosts file holding the server's key (default ~/.ssh/known_hosts)"),
  sshConfigFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      "OpenSSH client config to read the host's HostName, Port, User, IdentityFile and UserKnownHostsFile from (default ~/.ssh/config)",
    ),
  passphraseEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .optional()
    .describe("variable holding the identity file's passphrase (default STRONGBOX_SFTP_PASSPHRASE)"),
  passphraseCommand: z.string().min(1).optional().describe("command that prints the identity file's passphrase"),
  connections: z
    .number()
    .int()
    .min(1)
    .max(64)
    .optional()
    .describe(
      'how many operations (object reads, writes, listings) run at once over the one SSH connection (default 5)',
    ),
  timeoutSeconds: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'how long one request may take before the connection is dropped and retried (default 60; the handshake gets at most 20)',
    ),
});

export interface SftpOptions {
  /** Private key file to log in with (default: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
  identityFile?: string;
  /** known_hosts file to check the server's key against (default ~/.ssh/known_hosts). */
  knownHostsFile?: string;
  /** OpenSSH client config to read the host's settings from (default ~/.ssh/config; a missing default is no error). */
  sshConfigFile?: string;
  /** Variable holding the identity file's passphrase (default STRONGBOX_SFTP_PASSPHRASE). */
  passphraseEnv?: string;
  /** Shell command printing the identity file's passphrase (first line). */
  passphraseCommand?: string;
  /** How many operations run at once over the one SSH connection, each with up to 16 requests in flight (default 5). */
  connections?: number;
  /** How long one remote call may take before the connection is dropped (default 60; a handshake 20 at most). */
  timeoutSeconds?: number;
}

export interface ResolvedSftpOptions {
  /** Explicitly chosen identity files (a missing one is an error), or the defaults (skipped if missing). */
  identityFiles: string[];
  identityExplicit: boolean;
  /** The agent's socket (SSH_AUTH_SOCK), if any. */
  agent?: string;
  /** known_hosts files in the order they are read: the user's (or configured) file, then the system's. */
  knownHostsFiles: string[];
  passphraseEnv: string;
  passphraseCommand?: string;
  connections: number;
  timeoutMs: number;
}

export const DEFAULT_CONNECTIONS = 5;
export const DEFAULT_TIMEOUT_SECONDS = 60;
export const PASSPHRASE_ENV = 'STRONGBOX_SFTP_PASSPHRASE';
const SYSTEM_KNOWN_HOSTS = '/etc/ssh/ssh_known_hosts';
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/**
 * Fill in the defaults. Without a config file, STRONGBOX_SFTP_IDENTITY_FILE and STRONGBOX_SFTP_KNOWN_HOSTS
 * stand in for `identityFile` and `knownHostsFile` (the config wins when both are given); after them come the
 * host's IdentityFile and UserKnownHostsFile in ~/.ssh/config (`fromSshConfig`), then OpenSSH's defaults.
 */
export function resolveSftpOptions(
  opts: SftpOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  fromSshConfig: { identityFiles: string[]; userKnownHostsFiles: string[] } = {
    identityFiles: [],
    userKnownHostsFiles: [],
  },
): ResolvedSftpOptions {
  const sshDir = path.join(os.homedir(), '.ssh');
  const identity = opts.identityFile ?? (env.STRONGBOX_SFTP_IDENTITY_FILE || undefined);
  const knownHosts = opts.knownHostsFile ?? (env.STRONGBOX_SFTP_KNOWN_HOSTS || undefined);
  const userKnownHosts =
    knownHosts !== undefined
      ? [expandHome(knownHosts)]
      : fromSshConfig.userKnownHostsFiles.length > 0
        ? fromSshConfig.userKnownHostsFiles
        : [path.join(sshDir, 'known_hosts')];
  const identities =
    fromSshConfig.identityFiles.length > 0
      ? fromSshConfig.identityFiles
      : DEFAULT_IDENTITIES.map((f) => path.join(sshDir, f));
  return {
    identityFiles: identity !== undefined ? [expandHome(identity)] : identities,
    identityExplicit: identity !== undefined,
    agent: env.SSH_AUTH_SOCK || undefined,
    knownHostsFiles: [...userKnownHosts, SYSTEM_KNOWN_HOSTS],
    passphraseEnv: opts.passphraseEnv ?? PASSPHRASE_ENV,
    passphraseCommand: opts.passphraseCommand,
    connections: opts.connections ?? DEFAULT_CONNECTIONS,
    timeoutMs: (opts.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
  };
}
