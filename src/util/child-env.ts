// The environment every child process strongbox starts gets (dump tools, hooks, password commands, git): ours
// without strongbox's own secrets, so that a tool or a hook never sees the repository password.

/** strongbox's own secrets, never passed on to a tool, hook or git. */
export const OWN_SECRETS = [
  'STRONGBOX_PASSWORD',
  'STRONGBOX_NEW_PASSWORD',
  'STRONGBOX_TARGET_DB_PASSWORD',
  'STRONGBOX_USER_PASSWORD',
];

/** The environment for a child process: `base` (default ours) without strongbox's secrets, plus `extra` (undefined removes). */
export function childEnv(
  extra: Record<string, string | undefined> = {},
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of OWN_SECRETS) delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}
