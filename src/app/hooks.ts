// Hooks around an app backup: shell commands run before (a failure aborts the backup) and after (always,
// told the outcome). Their output is kept (bounded) for the error message, not streamed into ours.
import { spawn } from 'node:child_process';
import { StrongboxError } from '../errors.js';
import { childEnv } from '../sources/tool.js';
import { killChild, type Scope } from '../util/scope.js';

/** The most an after hook gets when the backup was cancelled and must end soon (a service stop waits only so long). */
export const INTERRUPT_HOOK_SECONDS = 30;

/**
 * How long output is still collected once the shell has exited: a background process the hook started
 * (`sleep 25 &`) may hold the pipes open for as long as it runs, and the hook is done when its shell is.
 */
const OUTPUT_GRACE_MS = 200;

export interface HookEnv {
  app: string;
  phase: 'before' | 'after';
  /** For `after` hooks: whether the backup succeeded. */
  outcome?: 'success' | 'failure';
  /** A hook still running after this long is killed (with everything it started) and fails. */
  timeoutSeconds: number;
  /** Variables removed from the hook's environment (the app's database passwords, unless the hook asks for them). */
  withhold?: string[];
  /** The operation the hook runs for (its processes are killed when the operation ends). */
  scope: Scope;
}

/** Runs one hook command with /bin/sh; resolves with its output, rejects with a HOOK error naming it. */
export function runHook(command: string, h: HookEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = childEnv({
      ...Object.fromEntries((h.withhold ?? []).map((k) => [k, undefined])),
      STRONGBOX_APP: h.app,
      STRONGBOX_HOOK: h.phase,
      STRONGBOX_OUTCOME: h.outcome,
    });
    // Its own process group, so a timeout kills what the shell started too.
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    h.scope.track(child, true);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killChild(child);
    }, h.timeoutSeconds * 1000);
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + d.toString('utf8')).slice(-4096);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        new StrongboxError('HOOK', `app ${h.app}: ${h.phase} hook "${command}" could not start: ${e.message}`, {
          cause: e,
        }),
      );
    });
    // 'exit', not 'close': close waits for every holder of the pipes, background children included.
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const finish = () => {
        child.stdout.destroy();
        child.stderr.destroy();
        if (timedOut)
          return reject(
            new StrongboxError(
              'HOOK',
              `app ${h.app}: ${h.phase} hook "${command}" did not finish within ${h.timeoutSeconds} s and was killed`,
            ),
          );
        if (code === 0) return resolve(out);
        const said = out.trim().split('\n').slice(-5).join(' | ');
        reject(
          new StrongboxError(
            'HOOK',
            `app ${h.app}: ${h.phase} hook "${command}" ${signal ? `was killed by ${signal}` : `exited with status ${code}`}${said ? `: ${said}` : ''}`,
          ),
        );
      };
      if (child.stdout.readableEnded && child.stderr.readableEnded) finish();
      else setTimeout(finish, OUTPUT_GRACE_MS);
    });
  });
}

/** Runs hooks in order, stopping at the first failure (before hooks: a failure aborts the backup). */
export async function runHooks(commands: string[], h: HookEnv): Promise<void> {
  for (const c of commands) await runHook(c, h);
}

/**
 * Runs every hook in order, whatever the others did (after hooks: one failing, say a notification, must not
 * keep the next from taking the site out of maintenance mode). Throws one HOOK error naming every failure.
 */
export async function runAllHooks(commands: string[], h: HookEnv): Promise<void> {
  const failed: string[] = [];
  for (const c of commands) {
    try {
      await runHook(c, h);
    } catch (e) {
      failed.push((e as Error).message);
    }
  }
  if (failed.length === 1) throw new StrongboxError('HOOK', failed[0]);
  if (failed.length) throw new StrongboxError('HOOK', `${failed.length} ${h.phase} hooks failed: ${failed.join('; ')}`);
}
