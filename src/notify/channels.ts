// The ways a notification goes out: a signed webhook, an e-mail over SMTP (nodemailer, loaded on first use), a
// command with the notification on its stdin. Each throws on failure; the notifier logs it and goes on.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import type { NotifyConfig } from '../config/daemon-schema.js';
import { StrongboxError } from '../errors.js';
import { childEnv } from '../sources/tool.js';
import { parseDuration } from '../util/duration.js';
import { deliver } from './http.js';
import { type Notification, notificationText } from './message.js';
import { readSecret } from './secret.js';

export const SIGNATURE_HEADER = 'x-strongbox-signature';

export type WebhookConfig = NotifyConfig['webhooks'][number];
export type EmailConfig = NonNullable<NotifyConfig['email']>;
export type CommandConfig = NotifyConfig['commands'][number];

const ms = (d: string, what: string) => parseDuration(d, what, { code: 'CONFIG' });

/** The signature header's value: "sha256=" and the HMAC-SHA256 of the exact body under the secret, in hex. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function sendWebhook(
  w: WebhookConfig,
  n: Notification,
  env: NodeJS.ProcessEnv,
  backoffMs: number,
): Promise<number> {
  const secret = await readSecret('webhook secret', env, w.secretEnv, w.secretFile);
  const body = JSON.stringify(n);
  return deliver({
    url: w.url,
    method: 'POST',
    body,
    timeoutMs: ms(w.timeout, 'webhook timeout'),
    retries: w.retries,
    backoffMs,
    headers: {
      'content-type': 'application/json',
      'x-strongbox-event': n.event,
      ...(secret ? { [SIGNATURE_HEADER]: signature(secret, body) } : {}),
    },
  });
}

export async function sendEmail(e: EmailConfig, n: Notification, env: NodeJS.ProcessEnv): Promise<void> {
  const pass = await readSecret('SMTP password', env, e.passwordEnv, e.passwordFile);
  const { createTransport } = await import('nodemailer');
  const timeout = ms(e.timeout, 'email timeout');
  const transport = createTransport({
    host: e.host,
    port: e.port,
    secure: e.tls === 'implicit',
    requireTLS: e.tls === 'starttls',
    ignoreTLS: e.tls === 'none',
    tls: { rejectUnauthorized: e.rejectUnauthorized },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    ...(e.user ? { auth: { user: e.user, pass: pass ?? '' } } : {}),
  });
  const { subject, body } = notificationText(n);
  try {
    await transport.sendMail({
      from: e.from,
      to: e.to,
      subject,
      text: body,
      headers: { 'X-Strongbox-Event': n.event },
    });
  } catch (err) {
    throw new StrongboxError('BACKEND', `e-mail via ${e.host}:${e.port} failed: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    transport.close();
  }
}

/** Runs the command with /bin/sh; the notification as JSON on stdin; secrets of strongbox kept from its environment. */
export function runCommand(c: CommandConfig, n: Notification, withhold: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = childEnv({
      ...Object.fromEntries(withhold.map((k) => [k, undefined])),
      STRONGBOX_EVENT: n.event,
      STRONGBOX_APP: n.app ?? undefined,
      STRONGBOX_REPOSITORY: n.repository,
      STRONGBOX_PERIODICITY: n.periodicity,
      STRONGBOX_SUMMARY: n.summary,
    });
    const child = spawn('/bin/sh', ['-c', c.run], { env, stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    const timer = setTimeout(
      () => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      },
      ms(c.timeout, 'command timeout'),
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-1024);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(n));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new StrongboxError('HOOK', `notify command could not start: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new StrongboxError(
            'HOOK',
            `notify command ${signal ? `killed by ${signal}` : `exited ${code}`}` +
              (err.trim() ? `: ${err.trim().split('\n').at(-1)}` : ''),
          ),
        );
    });
  });
}
