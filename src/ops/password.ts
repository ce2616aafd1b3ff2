// Where a repository password comes from: a file, a command's output, or an environment variable. Never argv,
// so it cannot show up in `ps`; a failing command is reported without its text (it may hold a secret).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { StrongboxError } from '../errors.js';
import { childEnv } from '../sources/tool.js';

export interface PasswordSource {
  /** First line of this file. */
  file?: string;
  /** First line of this shell command's output. */
  command?: string;
  /** The variable holding it (default STRONGBOX_PASSWORD). */
  env?: string;
  /** How long the command may run (default 60 s). */
  commandTimeoutMs?: number;
}

export const PASSWORD_COMMAND_TIMEOUT_MS = 60_000;

export async function resolvePassword(
  src: PasswordSource,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): Promise<string> {
  if (src.file) {
    try {
      return firstLine(await readFile(src.file, 'utf8'));
    } catch (e) {
      if (e instanceof StrongboxError) throw e;
      throw new StrongboxError('NO_PASSWORD', `cannot read password file ${src.file}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  if (src.command)
    return firstLine(
      await runPasswordCommand(src.command, src.commandTimeoutMs ?? PASSWORD_COMMAND_TIMEOUT_MS, signal),
    );
  const name = src.env ?? 'STRONGBOX_PASSWORD';
  const v = env[name];
  if (v !== undefined && v !== '') return v;
  throw new StrongboxError(
    'NO_PASSWORD',
    `no password given: set ${name}, or pass --password-file or --password-command`,
  );
}

/** The command's standard output; its standard error passes through (it may prompt or explain). */
function runPasswordCommand(command: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    let out = '';
    let why = '';
    const kill = (reason: string) => {
      why = reason;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(
      () => kill(`did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`),
      timeoutMs,
    );
    const onAbort = () => kill('was cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
    });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e) => {
      done();
      reject(new StrongboxError('NO_PASSWORD', `the password command could not start: ${e.message}`, { cause: e }));
    });
    // The command's text is never repeated: it may hold a secret of its own.
    child.on('exit', (code, sig) => {
      done();
      if (why) return reject(new StrongboxError('NO_PASSWORD', `the password command ${why}`));
      if (code !== 0)
        return reject(
          new StrongboxError(
            'NO_PASSWORD',
            `the password command ${sig ? `was killed by ${sig}` : `exited with status ${code}`}`,
          ),
        );
      // Its output may still be in the pipe; a background child holding the pipe does not keep us waiting.
      const finish = () => {
        child.stdout.destroy();
        resolve(out);
      };
      if (child.stdout.readableEnded) finish();
      else {
        const t = setTimeout(finish, 200);
        child.stdout.once('end', () => {
          clearTimeout(t);
          finish();
        });
      }
    });
  });
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/)[0];
  if (!line) throw new StrongboxError('NO_PASSWORD', 'the password source gave an empty password');
  return line;
}
