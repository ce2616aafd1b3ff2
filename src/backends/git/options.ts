// The git backend's options (a repository's `options` in strongbox.yaml, docs/usage/backends/git.md). Nothing here
// holds a secret, only where to find one (the name of the variable holding a token).
import * as z from 'zod';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

export const gitOptionsSchema = z.strictObject({
  branch: z
    .string()
    .min(1)
    .optional()
    .describe('branch holding the repository (default main; or #branch in the location)'),
  cacheDir: z
    .string()
    .min(1)
    .optional()
    .describe('local cache repository (default $XDG_CACHE_HOME/strongbox/git/<hash of the location>)'),
  tokenEnv: envName.optional().describe('variable holding the https token (GitHub, GitLab, Bitbucket access token)'),
  username: z.string().min(1).optional().describe('user name sent with the token (default x-access-token)'),
  identityFile: z.string().min(1).optional().describe('ssh private key (default: your ssh configuration)'),
  knownHostsFile: z.string().min(1).optional().describe("known_hosts file holding the ssh server's key"),
  maxFileMiB: z
    .number()
    .int()
    .min(10)
    .max(4096)
    .optional()
    .describe('largest object the provider takes (default 50: GitHub warns above 50 MB, refuses above 100 MB)'),
  warnSizeMiB: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('status warns when the repository holds more than this (default 1024: GitHub advises under 1 GB)'),
  authorName: z.string().min(1).optional().describe('author and committer of the commits (default strongbox)'),
  authorEmail: z.string().min(1).optional().describe('their e-mail address (default strongbox@localhost)'),
  timeoutSeconds: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('how long one fetch or push may take before it is killed and retried (default 600)'),
  staleRefLockSeconds: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'how old a lock file a killed git left in the remote repository (refs/heads/main.lock) must be before ' +
        'strongbox removes it (remote on this machine) or fails naming it (elsewhere); default 60',
    ),
});

export type GitOptions = z.output<typeof gitOptionsSchema>;

export const DEFAULT_MAX_FILE_MIB = 50;
export const DEFAULT_WARN_SIZE_MIB = 1024;
export const DEFAULT_TIMEOUT_SECONDS = 600;
export const DEFAULT_STALE_REF_LOCK_SECONDS = 60;
export const DEFAULT_USERNAME = 'x-access-token';
