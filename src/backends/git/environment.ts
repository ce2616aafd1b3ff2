// What git runs with: the environment (no strongbox secrets, never a prompt, the commits' author, ssh with the
// configured key) and the -c settings that hand it an https token through a credential helper, never through argv.
import { StrongboxError } from '../../errors.js';
import { childEnv } from '../../util/child-env.js';
import { DEFAULT_USERNAME, type GitOptions } from './options.js';

/** shell-quotes one word for GIT_SSH_COMMAND (which git runs through the shell). */
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The environment and -c settings git runs with: no strongbox secrets, never a prompt, the commits' author, the
 * token (if any) in STRONGBOX_GIT_TOKEN with a credential helper that prints it, ssh with the configured key.
 */
/** True when strongbox itself builds the ssh command (the options name a key or known_hosts file). */
export const buildsSshCommand = (options: GitOptions): boolean =>
  options.identityFile !== undefined || options.knownHostsFile !== undefined;

/**
 * `controlPath`, with a command strongbox builds: one SSH connection is shared by every fetch and push of this
 * backend (OpenSSH multiplexing), instead of a handshake for each; close() ends it.
 */
export function gitEnvironment(
  options: GitOptions,
  env: NodeJS.ProcessEnv,
  location: string,
  controlPath?: string,
): { env: NodeJS.ProcessEnv; config: string[] } {
  const name = options.authorName ?? 'strongbox';
  const email = options.authorEmail ?? 'strongbox@localhost';
  const extra: Record<string, string | undefined> = {
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: undefined,
    SSH_ASKPASS: undefined,
    LC_ALL: 'C',
    LANGUAGE: undefined,
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
    GIT_DIR: undefined,
    GIT_WORK_TREE: undefined,
    GIT_INDEX_FILE: undefined,
    GIT_OBJECT_DIRECTORY: undefined,
    // HTTP traces could show the Authorization header on stderr, which messages quote.
    GIT_CURL_VERBOSE: undefined,
    GIT_TRACE_CURL: undefined,
    GIT_TRACE_REDACT: '1',
  };
  const config: string[] = [];
  if (options.tokenEnv !== undefined) {
    const token = env[options.tokenEnv];
    if (!token) {
      throw new StrongboxError(
        'CONFIG',
        `the option tokenEnv of ${location} names ${options.tokenEnv}, which is not set (or empty): export the access token in it`,
      );
    }
    extra[options.tokenEnv] = undefined;
    extra.STRONGBOX_GIT_TOKEN = token;
    extra.STRONGBOX_GIT_USERNAME = options.username ?? DEFAULT_USERNAME;
    // The helper's text names the variables, never the token; the empty helper first drops the user's own.
    config.push(
      'credential.helper=',
      'credential.helper=!f() { test "$1" = get && printf \'username=%s\\npassword=%s\\n\' "$STRONGBOX_GIT_USERNAME" "$STRONGBOX_GIT_TOKEN"; }; f',
    );
  }
  if (buildsSshCommand(options)) {
    const ssh = ['ssh', '-o', 'BatchMode=yes'];
    if (controlPath !== undefined)
      ssh.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${shq(controlPath)}`, '-o', 'ControlPersist=60');
    if (options.identityFile !== undefined) ssh.push('-o', 'IdentitiesOnly=yes', '-i', shq(options.identityFile));
    if (options.knownHostsFile !== undefined)
      ssh.push('-o', `UserKnownHostsFile=${shq(options.knownHostsFile)}`, '-o', 'StrictHostKeyChecking=yes');
    extra.GIT_SSH_COMMAND = ssh.join(' ');
  }
  return { env: childEnv(extra, env), config };
}
