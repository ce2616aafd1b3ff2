// Parsing a git: location ("git:URL[#branch]") into the URL git is given and the branch, refusing what would put
// a credential in argv (a user or password in an http(s) URL) or is ambiguous (a relative path).
import { isAbsolute } from 'node:path';
import { StrongboxError } from '../../errors.js';

export interface GitTarget {
  /** What `git fetch` and `git push` are given: a path, file://, ssh://, user@host:path or http(s)://. */
  url: string;
  branch: string;
  /** The bare repository's directory when it is on this machine (a path or file://), else undefined. */
  localPath?: string;
  /** "git:URL#branch", for messages (holds no secret: URLs with credentials are refused). */
  display: string;
}

export const DEFAULT_BRANCH = 'main';
export const GIT_SYNTAX =
  'git:/path/to/bare.git, git:file:///path, git:ssh://user@host[:port]/path, git:user@host:path ' +
  'or git:https://host/path, each with an optional #branch';

/** A branch name git accepts for refs/heads/<name> (the usual subset; git check-ref-format has the last word). */
function validBranch(b: string): boolean {
  return /^[A-Za-z0-9._/-]+$/.test(b) && !/(^|\/)\.|\.\.|\/\/|\.lock$|\/$|^-|^\//.test(b);
}

function usage(rest: string, why: string): StrongboxError {
  return new StrongboxError('USAGE', `git location "git:${rest}": ${why} (${GIT_SYNTAX})`);
}

/** `rest` is the location after "git:"; `branchOption` is the `branch` option, if given. */
export function parseGitLocation(rest: string, branchOption?: string): GitTarget {
  const hash = rest.lastIndexOf('#');
  const url = hash >= 0 ? rest.slice(0, hash) : rest;
  const fromLocation = hash >= 0 ? rest.slice(hash + 1) : undefined;
  if (url === '') throw usage(rest, 'no repository URL');
  if (fromLocation !== undefined && branchOption !== undefined && fromLocation !== branchOption) {
    throw usage(rest, `the location names branch "${fromLocation}" but the option branch is "${branchOption}"`);
  }
  const branch = fromLocation ?? branchOption ?? DEFAULT_BRANCH;
  if (!validBranch(branch)) throw usage(rest, `"${branch}" is not a valid branch name`);
  let localPath: string | undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw usage(rest, 'the URL does not parse');
    }
    if (!['file', 'ssh', 'git+ssh', 'ssh+git', 'http', 'https', 'git'].includes(scheme)) {
      throw usage(rest, `git cannot push to a ${scheme}:// URL`);
    }
    if ((scheme === 'http' || scheme === 'https') && (parsed.username !== '' || parsed.password !== '')) {
      throw usage(
        rest.replace(/\/\/[^/@]*@/, '//…@'),
        'a user name or token in an http(s) URL would be visible to ' +
          'other users and in logs; give the token through an environment variable named by the option tokenEnv ' +
          '(and the user name with the option username)',
      );
    }
    if (parsed.password !== '')
      throw usage(rest.replace(/\/\/[^/@]*@/, '//…@'), 'a password in the URL is refused; log in with a key');
    if (scheme === 'file') localPath = decodeURIComponent(parsed.pathname);
  } else if (url.startsWith('/')) {
    localPath = url;
  } else if (!/^[^/:]+:/.test(url)) {
    throw usage(rest, 'a local repository needs an absolute path');
  }
  if (localPath !== undefined && !isAbsolute(localPath)) throw usage(rest, 'a local repository needs an absolute path');
  return { url, branch, localPath, display: `git:${url}#${branch}` };
}
