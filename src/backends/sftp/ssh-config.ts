// OpenSSH's client config (~/.ssh/config) for an sftp: location, read as ssh reads it: the host in the location may
// be an alias whose Host section gives HostName, Port, User, IdentityFile, UserKnownHostsFile and HostKeyAlias.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import { StrongboxError } from '../../errors.js';

/** What the config says about one host; only what strongbox uses. */
export interface SshHostConfig {
  hostName?: string;
  port?: number;
  user?: string;
  /** In the order ssh tries them; "~" and the %d %u %h %r %% tokens expanded. */
  identityFiles: string[];
  userKnownHostsFiles: string[];
  hostKeyAlias?: string;
}

/** ~/.ssh/config of the user running strongbox. */
export function defaultSshConfigFile(): string {
  return path.join(os.homedir(), '.ssh', 'config');
}

/**
 * The settings for `host` in `file`. A missing file is an empty config unless `required` (the user named it). `Match
 * exec` is never run, and `Include` is not followed (say so in the docs; the options can name what it would give).
 */
export function sshHostConfig(file: string, host: string, user: string | undefined, required: boolean): SshHostConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!required && (code === 'ENOENT' || code === 'ENOTDIR')) return { identityFiles: [], userKnownHostsFiles: [] };
    throw new StrongboxError('CONFIG', `cannot read the SSH config file ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let computed: Record<string, string | string[]>;
  try {
    computed = SSHConfig.parse(text).compute(
      { Host: host, ...(user !== undefined ? { User: user } : {}) },
      { ignoreCase: true, matchExec: false },
    );
  } catch (e) {
    throw new StrongboxError('CONFIG', `cannot parse the SSH config file ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const one = (key: string): string | undefined => {
    const v = computed[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const all = (key: string): string[] => {
    const v = computed[key];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  const hostName = one('hostname')?.replaceAll('%h', host);
  const port = one('port');
  if (port !== undefined && !/^\d{1,5}$/.test(port)) {
    throw new StrongboxError('CONFIG', `the SSH config file ${file} gives host ${host} an invalid Port ${port}`);
  }
  const found = one('user');
  const remoteUser = user ?? found ?? os.userInfo().username;
  const expand = (p: string) => expandTokens(p, { host: hostName ?? host, remoteUser });
  return {
    ...(hostName ? { hostName } : {}),
    ...(port !== undefined ? { port: Number(port) } : {}),
    ...(found !== undefined ? { user: found } : {}),
    identityFiles: all('identityfile').map(expand),
    // "none" turns the file off in OpenSSH; a known_hosts list that is empty then falls back to the default.
    userKnownHostsFiles: all('userknownhostsfile')
      .filter((f) => f.toLowerCase() !== 'none')
      .map(expand),
    ...(one('hostkeyalias') ? { hostKeyAlias: one('hostkeyalias') } : {}),
  };
}

/** "~/" and the tokens ssh_config(5) allows in IdentityFile and UserKnownHostsFile that strongbox can know. */
function expandTokens(p: string, t: { host: string; remoteUser: string }): string {
  const home = os.homedir();
  const expanded = p.replace(/%([%dhru])/g, (_, c: string) =>
    c === '%' ? '%' : c === 'd' ? home : c === 'h' ? t.host : c === 'r' ? t.remoteUser : os.userInfo().username,
  );
  return expanded === '~' || expanded.startsWith('~/') ? path.join(home, expanded.slice(1)) : expanded;
}
