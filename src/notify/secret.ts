// Reading a notifier's secret (webhook signing key, SMTP password) from the environment or a file, as the
// config names it; a missing one is an error naming the variable or file, never showing a value.
import { readFile } from 'node:fs/promises';
import { StrongboxError } from '../errors.js';

export async function readSecret(
  what: string,
  env: NodeJS.ProcessEnv,
  fromEnv?: string,
  fromFile?: string,
): Promise<string | undefined> {
  if (fromEnv !== undefined) {
    const v = env[fromEnv];
    if (!v) throw new StrongboxError('CONFIG', `${what}: environment variable ${fromEnv} is not set`);
    return v;
  }
  if (fromFile !== undefined) {
    try {
      const line = (await readFile(fromFile, 'utf8')).split('\n')[0].trim();
      if (!line) throw new Error('it is empty');
      return line;
    } catch (e) {
      throw new StrongboxError('CONFIG', `${what}: cannot read ${fromFile}: ${(e as Error).message}`, { cause: e });
    }
  }
  return undefined;
}
