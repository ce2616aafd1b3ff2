// parseGitLocation: every URL form git pushes to, the branch from "#" or the option, and refusals that name what is
// wrong (a credential in an http(s) URL, never echoed; a relative path; a bad branch; two branches that disagree).
import { describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../../../src/errors.js';
import { parseGitLocation } from '../../../../src/backends/git/location.js';

describe('parseGitLocation', () => {
  it.each([
    ['/srv/b.git', { url: '/srv/b.git', branch: 'main', localPath: '/srv/b.git' }],
    ['/srv/b.git#shop', { url: '/srv/b.git', branch: 'shop', localPath: '/srv/b.git' }],
    ['file:///srv/my%20b.git', { url: 'file:///srv/my%20b.git', branch: 'main', localPath: '/srv/my b.git' }],
    ['git@github.com:acme/b.git', { url: 'git@github.com:acme/b.git', branch: 'main', localPath: undefined }],
    [
      'ssh://backup@host:2222/srv/b.git#backups/web-1',
      { url: 'ssh://backup@host:2222/srv/b.git', branch: 'backups/web-1', localPath: undefined },
    ],
    ['https://gitlab.com/acme/b.git', { url: 'https://gitlab.com/acme/b.git', branch: 'main', localPath: undefined }],
  ])('%s', (rest, want) => {
    const t = parseGitLocation(rest);
    expect({ url: t.url, branch: t.branch, localPath: t.localPath }).toEqual(want);
    expect(t.display).toBe(`git:${want.url}#${want.branch}`);
  });

  it('takes the branch option when the location names none, and refuses two that disagree', () => {
    expect(parseGitLocation('/r.git', 'b1').branch).toBe('b1');
    expect(parseGitLocation('/r.git#b1', 'b1').branch).toBe('b1');
    expect(() => parseGitLocation('/r.git#b1', 'b2')).toThrow(/names branch "b1" but the option branch is "b2"/);
  });

  it.each([
    ['https://me:ghp_secret@github.com/a/b.git', /tokenEnv/],
    ['https://ghp_secret@github.com/a/b.git', /tokenEnv/],
    ['ssh://me:secret@host/r.git', /password in the URL/],
    ['relative/repo.git', /absolute path/],
    ['', /no repository URL/],
    ['/r.git#', /not a valid branch name/],
    ['/r.git#a..b', /not a valid branch name/],
    ['/r.git#-x', /not a valid branch name/],
    ['/r.git#x.lock', /not a valid branch name/],
    ['s3://bucket/x', /cannot push to a s3:\/\/ URL/],
  ])('refuses %s', (rest, why) => {
    let err: unknown;
    try {
      parseGitLocation(rest);
    } catch (e) {
      err = e;
    }
    expect(isStrongboxError(err, 'USAGE')).toBe(true);
    expect(String(err)).toMatch(why);
    expect(String(err)).not.toContain('secret');
  });
});
