// What a failed git command means for the engine: a BackendError of the right kind, with a reason people can act
// on. Nothing here can leak a credential: URLs with credentials are refused, and git's output is redacted.
import { BackendError } from '../backend.js';
import { GitFailure } from './run.js';

/** What git says when retrying cannot help: no such repository, refused login, unknown host key, no access. */
const PERMANENT = [
  [
    /does not appear to be a git repository|Repository not found|repository '.*' not found|not a git repository/i,
    'no git repository there: create it first (an empty repository at the provider, or git init --bare)',
  ],
  [
    /Authentication failed|could not read (Username|Password)|terminal prompts disabled|Invalid username or password|HTTP Basic: Access denied/i,
    'the server refused the login: give a token through the option tokenEnv, or configure a git credential helper',
  ],
  [
    /Host key verification failed/i,
    "the ssh server's host key is not known or has changed: check it, then add it to known_hosts",
  ],
  [/Permission denied|returned error: 403|access denied|not allowed to (push|upload)/i, 'permission denied'],
] as const;

/**
 * The rejection of a push by the server itself, not by a stale lease: a branch protected against force pushes
 * (prune rewrites history), or a hook (a provider's size limit); git's last lines carry the server's reason.
 */
function refusal(text: string): string | undefined {
  if (
    /protected branch|force.push|denying non-fast-forward|non-fast-forward updates? (were|was) rejected/i.test(text)
  ) {
    return (
      'the server refuses to rewrite the branch (a protected branch?): strongbox rewrites it when it prunes; ' +
      'allow force pushes to this branch (see docs/usage/backends/git.md)'
    );
  }
  if (/\[remote rejected\]|pre-receive hook declined/i.test(text)) return 'the server refused the push';
  return undefined;
}

/** Turns any error from running git into a BackendError that says what failed on what, and why. */
export function gitError(err: unknown, op: string, location: string): BackendError {
  if (err instanceof BackendError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' && e.syscall?.startsWith('spawn')) {
    return new BackendError(
      'permanent',
      `cannot ${op} at ${location}: git is not installed or not on PATH (Debian: apt-get install git)`,
      { cause: err },
    );
  }
  if (!(err instanceof GitFailure)) {
    return new BackendError('transient', `cannot ${op} at ${location}: ${e?.message ?? String(err)}`, { cause: err });
  }
  // Cancelled (or closed): retrying would only be refused again.
  if (err.cancelled)
    return new BackendError('permanent', `cannot ${op} at ${location}: ${err.message}`, { cause: err });
  const text = `${err.stderr}\n${err.stdout}`;
  const refused = refusal(text);
  if (refused)
    return new BackendError('permanent', `cannot ${op} at ${location}: ${refused} (${err.message})`, {
      cause: err,
      detail: refused,
    });
  for (const [re, why] of PERMANENT) {
    if (re.test(text))
      return new BackendError('permanent', `cannot ${op} at ${location}: ${why} (${err.message})`, {
        cause: err,
        detail: why,
      });
  }
  return new BackendError('transient', `cannot ${op} at ${location}: ${err.message}`, { cause: err });
}
