import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../../../src/errors.js';
import { joinRemote, parseSftpLocation } from '../../../../src/backends/sftp/location.js';

const me = os.userInfo().username;

/** What parsing `location` throws. */
function refusal(location: string): unknown {
  try {
    parseSftpLocation(location);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('parseSftpLocation', () => {
  it.each([
    [
      'sftp:backup@host:/srv/repo',
      { user: 'backup', host: 'host', port: 22, path: '/srv/repo', knownHostsName: 'host' },
    ],
    ['sftp:backup@host:repo', { user: 'backup', host: 'host', port: 22, path: 'repo', knownHostsName: 'host' }],
    [
      'sftp:Host.Example.com:/srv/a@b',
      { user: me, host: 'Host.Example.com', port: 22, path: '/srv/a@b', knownHostsName: 'host.example.com' },
    ],
    ['sftp:u@[::1]:/srv/repo', { user: 'u', host: '::1', port: 22, path: '/srv/repo', knownHostsName: '::1' }],
    [
      'sftp://u@host:2222//srv/repo',
      { user: 'u', host: 'host', port: 2222, path: '/srv/repo', knownHostsName: '[host]:2222' },
    ],
    ['sftp://u@host/repo', { user: 'u', host: 'host', port: 22, path: 'repo', knownHostsName: 'host' }],
    [
      'sftp://u@[::1]:2222//srv/my%20repo',
      { user: 'u', host: '::1', port: 2222, path: '/srv/my repo', knownHostsName: '[::1]:2222' },
    ],
    ['sftp://host:22//srv', { user: me, host: 'host', port: 22, path: '/srv', knownHostsName: 'host' }],
  ])('parses %s as restic does', (location, want) => {
    // Whether the user and port were written out: those win over ~/.ssh/config, as on ssh's command line.
    const given = { userGiven: /^sftp:(\/\/)?[^:/]*@/.test(location), portGiven: /:\d+\/\//.test(location) };
    expect(parseSftpLocation(location)).toEqual({ ...want, ...given });
  });

  it.each([
    ['sftp:host', /expected ":" and a path/],
    ['sftp:host:', /no repository path/],
    ['sftp://u@host:99999//srv', /invalid port/],
    ['sftp://u@host:2222', /no repository path/],
    ['sftp://@host//srv', /empty user name/],
    ['sftp:u@[::1:/srv', /unclosed "\["/],
    ['sftp:u@ho st:/srv', /invalid host name/],
  ])('refuses %s with a USAGE error that shows both forms', (location, why) => {
    const err = refusal(location);
    expect(isStrongboxError(err, 'USAGE')).toBe(true);
    expect(String(err)).toMatch(why);
    expect(String(err)).toContain('sftp://user@host:2222//srv/backups/repo');
  });

  it('refuses a password in the location without repeating it', () => {
    const err = refusal('sftp://u:hunter2@host//srv');
    expect(String(err)).toMatch(/passwords in the location are not supported/);
    expect(String(err)).not.toContain('hunter2');
  });
});

describe('joinRemote', () => {
  it('joins with "/" and keeps the root and relative paths as they are', () => {
    expect(joinRemote('/srv/repo/', 'data', 'ab')).toBe('/srv/repo/data/ab');
    expect(joinRemote('/', 'config')).toBe('/config');
    expect(joinRemote('repo', 'keys')).toBe('repo/keys');
  });
});
