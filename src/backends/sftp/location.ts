// Parses SFTP locations as restic writes them: "sftp:user@host:/path" (scp style) and
// "sftp://user@host:port//path" (URL style, where "//" starts an absolute path and "/" a home-relative one).

import os from 'node:os';
import { StrongboxError } from '../../errors.js';

export interface SftpTarget {
  user: string;
  host: string;
  port: number;
  /** The repository directory: absolute, or relative to the login directory. */
  path: string;
  /** The name known_hosts records the host under: "host", or "[host]:port" on another port than 22. */
  knownHostsName: string;
  /** Whether the location named the user and the port (they win over ~/.ssh/config, as on ssh's command line). */
  userGiven: boolean;
  portGiven: boolean;
}

const EXAMPLES = 'sftp:user@host:/srv/backups/repo or sftp://user@host:2222//srv/backups/repo';

function usage(location: string, why: string): StrongboxError {
  const shown = JSON.stringify(redactLocation(location));
  return new StrongboxError('USAGE', `invalid SFTP location ${shown}: ${why} (e.g. ${EXAMPLES})`);
}

/** The location with a password in a URL user part replaced, so that it can appear in messages. */
export function redactLocation(location: string): string {
  return location.replace(/^(sftp:\/\/[^:/@]*):[^@/]*@/, '$1:<redacted>@');
}

/**
 * Split "user@rest"; the user defaults to the local user, as ssh does. In the scp form a path may hold "@", so an
 * "@" counts only if no ":" or "/" comes before it; in a URL's authority a ":" before "@" is a password.
 */
function splitUser(location: string, s: string, url: boolean): { user: string; rest: string; given: boolean } {
  const at = s.indexOf('@');
  const user = at < 0 ? '' : s.slice(0, at);
  if (at < 0 || (!url && /[:/[]/.test(user))) return { user: os.userInfo().username, rest: s, given: false };
  if (user.includes(':')) {
    throw usage(location, 'passwords in the location are not supported; log in with a key or the SSH agent');
  }
  if (user === '') throw usage(location, 'empty user name before "@"');
  return { user, rest: s.slice(at + 1), given: true };
}

/** Split "host:rest" or "[v6]:rest" at the colon after the host. */
function splitHost(location: string, s: string): { host: string; rest: string } {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw usage(location, 'unclosed "[" in the host');
    return { host: s.slice(1, end), rest: s.slice(end + 1) };
  }
  const colon = s.indexOf(':');
  return colon < 0 ? { host: s, rest: '' } : { host: s.slice(0, colon), rest: s.slice(colon) };
}

function target(
  location: string,
  u: { user: string; given: boolean },
  host: string,
  port: number | undefined,
  path: string,
): SftpTarget {
  if (host === '') throw usage(location, 'no host');
  if (!/^[A-Za-z0-9._:%-]+$/.test(host)) throw usage(location, `invalid host name ${JSON.stringify(host)}`);
  if (path === '') throw usage(location, 'no repository path');
  return { ...withHost(host, port ?? 22), user: u.user, path, userGiven: u.given, portGiven: port !== undefined };
}

/** The host and port to connect to, and the name known_hosts records them under (`alias`: HostKeyAlias). */
export function withHost(
  host: string,
  port: number,
  alias?: string,
): Pick<SftpTarget, 'host' | 'port' | 'knownHostsName'> {
  const name = (alias ?? host).toLowerCase();
  return { host, port, knownHostsName: port === 22 || alias !== undefined ? name : `[${name}]:${port}` };
}

function parseUrl(location: string): SftpTarget {
  const s = location.slice('sftp://'.length);
  const slash = s.indexOf('/');
  const authority = slash < 0 ? s : s.slice(0, slash);
  const { rest, ...user } = splitUser(location, decodeURIComponent(authority), true);
  const { host, rest: after } = splitHost(location, rest);
  let port: number | undefined;
  if (after !== '') {
    if (!/^:\d{1,5}$/.test(after) || Number(after.slice(1)) < 1 || Number(after.slice(1)) > 65535) {
      throw usage(location, `invalid port ${JSON.stringify(after.slice(1))}`);
    }
    port = Number(after.slice(1));
  }
  // "/path" after the authority is relative to the login directory; "//path" is absolute.
  const path = slash < 0 ? '' : decodeURIComponent(s.slice(slash + 1));
  return target(location, user, host, port, path);
}

function parseScp(location: string): SftpTarget {
  const { rest, ...user } = splitUser(location, location.slice('sftp:'.length), false);
  const { host, rest: after } = splitHost(location, rest);
  if (!after.startsWith(':')) throw usage(location, 'expected ":" and a path after the host');
  return target(location, user, host, undefined, after.slice(1));
}

/** Parse an "sftp:" location; throws a USAGE error that says what is wrong and shows both forms. */
export function parseSftpLocation(location: string): SftpTarget {
  if (location.startsWith('sftp://')) return parseUrl(location);
  if (location.startsWith('sftp:')) return parseScp(location);
  throw usage(location, 'not an sftp: location');
}

/** Join the repository path and a relative object path (SFTP paths always use "/"). */
export function joinRemote(base: string, ...parts: string[]): string {
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  return [b, ...parts].join('/');
}
