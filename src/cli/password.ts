// Where the repository password comes from: --password-file, --password-command, or STRONGBOX_PASSWORD.
// Never from argv itself, so it cannot show up in `ps`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { StrongboxError } from '../errors.js';

export interface PasswordSource {
  passwordFile?: string;
  passwordCommand?: string;
}

export function resolvePassword(src: PasswordSource, env: NodeJS.ProcessEnv = process.env, envName = 'STRONGBOX_PASSWORD'): string {
  if (src.passwordFile) {
    try {
      return firstLine(readFileSync(src.passwordFile, 'utf8'));
    } catch (e) {
      throw new StrongboxError('NO_PASSWORD', `cannot read password file ${src.passwordFile}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (src.passwordCommand) {
    try {
      return firstLine(execFileSync('/bin/sh', ['-c', src.passwordCommand], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
    } catch (e) {
      throw new StrongboxError('NO_PASSWORD', `password command failed: ${(e as Error).message.split('\n')[0]}`, { cause: e });
    }
  }
  const v = env[envName];
  if (v !== undefined && v !== '') return v;
  throw new StrongboxError('NO_PASSWORD', `no password given: set ${envName}, or pass --password-file or --password-command`);
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/)[0];
  if (!line) throw new StrongboxError('NO_PASSWORD', 'the password source gave an empty password');
  return line;
}
