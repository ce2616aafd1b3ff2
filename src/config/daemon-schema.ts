// The daemon's part of strongbox.yaml: each app's `schedule`, and the top-level `daemon:` section (concurrency,
// random delay, shutdown deadline, run history, notifications, metrics listener). See docs/usage/daemon.md.
import { Cron } from 'croner';
import * as z from 'zod';
import { duration, envName, name, timeZone } from './fields.js';

/** A five-field cron expression (minute hour day-of-month month day-of-week), checked by the library that runs it. */
const cronExpr = z
  .string()
  .min(1)
  .superRefine((expr, ctx) => {
    try {
      new Cron(expr, { paused: true, mode: '5-part' });
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        message: `not a cron expression (minute hour day month weekday, e.g. "30 2 * * *"): ${(e as Error).message}`,
      });
    }
  });
const cronSpec = z
  .union([
    cronExpr,
    z.strictObject({ cron: cronExpr, timeZone: timeZone.optional().describe('default: schedule.timeZone') }),
  ])
  .describe('a cron expression, or { cron, timeZone }');

/** When the daemon takes each periodicity; unset ones keep the defaults of docs/usage/daemon.md. */
export const scheduleSchema = z.strictObject({
  timeZone: timeZone.optional().describe('the time zone of the schedule times (default: retention.timeZone)'),
  randomDelay: duration(false)
    .optional()
    .describe('start each scheduled backup up to this much later, chosen at random (default: daemon.randomDelay)'),
  hourly: cronSpec.optional().describe('default "2 * * * *" (minute 2 of every hour)'),
  daily: cronSpec.optional().describe('default "30 2 * * *" (02:30)'),
  weekly: cronSpec.optional().describe('default "30 3 * * 0" (Sunday 03:30)'),
  monthly: cronSpec.optional().describe('default "30 4 1 * *" (the 1st at 04:30)'),
  bimonthly: cronSpec.optional().describe('default "30 5 1 1,3,5,7,9,11 *" (the 1st of odd months at 05:30)'),
});

const httpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });
/** A secret for a notifier: from the environment or a file, never written in the config. */
const secretRef = {
  secretEnv: envName.optional().describe('environment variable holding the secret'),
  secretFile: z
    .string()
    .startsWith('/', 'must be an absolute path')
    .optional()
    .describe('file holding the secret (first line)'),
};
const onlyFor = {
  apps: z.array(name).optional().describe('only for these apps (default all)'),
};

export const NOTIFY_EVENTS = ['failure', 'recovery', 'overdue', 'success'] as const;

export const notifySchema = z.strictObject({
  on: z
    .array(z.enum(NOTIFY_EVENTS))
    .default(['failure', 'recovery', 'overdue'])
    .describe(
      'what is notified: a failed run, the first good run after a failure, an overdue periodicity, every good run',
    ),
  webhooks: z
    .array(
      z.strictObject({
        url: httpUrl,
        ...secretRef,
        retries: z
          .number()
          .int()
          .min(0)
          .max(10)
          .default(3)
          .describe('tries after the first on a network error, 429 or 5xx (1 s, 2 s, 4 s …)'),
        timeout: duration(true).default('10s'),
        ...onlyFor,
      }),
    )
    .default([])
    .describe(
      'POST a JSON body, signed with HMAC-SHA256 of the body under the secret (X-Strongbox-Signature: sha256=HEX)',
    ),
  email: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(587),
      tls: z
        .enum(['starttls', 'implicit', 'none'])
        .default('starttls')
        .describe(
          'starttls (required; port 587), implicit (TLS from the start; port 465) or none (a trusted local relay only)',
        ),
      rejectUnauthorized: z.boolean().default(true).describe('refuse a server certificate that does not verify'),
      user: z.string().min(1).optional(),
      passwordEnv: envName.optional(),
      passwordFile: z.string().startsWith('/', 'must be an absolute path').optional(),
      from: z.string().min(3),
      to: z.array(z.string().min(3)).min(1),
      timeout: duration(true).default('30s'),
      ...onlyFor,
    })
    .optional()
    .describe('e-mail over SMTP'),
  pings: z
    .array(
      z.strictObject({
        url: httpUrl.describe(
          'Healthchecks-style check URL: URL/start when a run starts, URL on success, URL/fail on failure',
        ),
        app: name.optional().describe('only runs of this app'),
        periodicity: z
          .enum(['hourly', 'daily', 'weekly', 'monthly', 'bimonthly', 'shutdown'])
          .optional()
          .describe('only runs of this periodicity'),
      }),
    )
    .default([]),
  commands: z
    .array(
      z.strictObject({
        run: z
          .string()
          .min(1)
          .describe(
            'a shell command; the notification as JSON on its stdin, ' +
              'STRONGBOX_EVENT, STRONGBOX_APP, STRONGBOX_PERIODICITY in its environment',
          ),
        timeout: duration(true).default('30s'),
        ...onlyFor,
      }),
    )
    .default([]),
});

export const metricsSchema = z.strictObject({
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'HOST:PORT, e.g. 127.0.0.1:9180')
    .default('127.0.0.1:9180')
    .describe(
      'where /healthz and /metrics listen ' +
        '(loopback by default; the endpoints carry no secret, but keep them off public networks)',
    ),
});

const pemFile = z.string().startsWith('/', 'must be an absolute path');

/** The HTTP API's listener (`strongbox serve`, and the daemon's when set: docs/usage/http-api.md). */
export const httpSchema = z.strictObject({
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'HOST:PORT, e.g. 127.0.0.1:8480')
    .default('127.0.0.1:8480')
    .describe('where the API listens (loopback by default; elsewhere use tls or a reverse proxy)'),
  tls: z
    .strictObject({
      cert: pemFile.describe('the certificate chain (PEM)'),
      key: pemFile.describe('its private key (PEM)'),
    })
    .optional()
    .describe('serve HTTPS with these files (session cookies are then Secure)'),
  trustProxy: z
    .boolean()
    .default(false)
    .describe(
      'behind a reverse proxy: take the client address (for the login rate limit and the log) from the last ' +
        'X-Forwarded-For entry, which the proxy appends; never set it when clients reach the API directly',
    ),
});

const cronOrOff = z.union([cronExpr, z.literal(false)]);

/** Repository upkeep the daemon schedules (docs/usage/daemon.md#housekeeping); absent: none. */
export const housekeepingSchema = z.strictObject({
  forget: z
    .boolean()
    .default(true)
    .describe(
      'after each scheduled or catch-up backup of an app, forget the snapshots its retention policies no longer keep',
    ),
  sync: z
    .boolean()
    .default(true)
    .describe('after each backup into a repository with mirrors, bring every mirror up to date (strongbox sync)'),
  prune: cronOrOff.default('0 6 * * 0').describe('when to prune each repository (default Sunday 06:00; false: never)'),
  check: cronOrOff
    .default('0 7 * * *')
    .describe("when to check each repository's structure (default daily 07:00; false: never)"),
  readData: z
    .union([
      z.literal(false),
      z.strictObject({
        cron: cronExpr.default('30 7 * * 6'),
        parts: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(4)
          .describe(
            'each run reads the next of this many parts of the packs, ' +
              'so the whole repository is read over that many runs',
          ),
      }),
    ])
    .default({ cron: '30 7 * * 6', parts: 4 })
    .describe('check --read-data-subset n/parts, rotating (default Saturday 07:30, 4 parts)'),
  drill: cronOrOff
    .default(false)
    .describe('when to run a restore drill of each app (strongbox drill; default never, e.g. "0 8 * * 0")'),
  timeZone: timeZone.default('UTC').describe('the time zone of these times'),
});

/** How `strongbox daemon` runs (docs/usage/daemon.md). */
export const daemonSchema = z.strictObject({
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(2)
    .describe('backups running at once, over all repositories (one repository runs one at a time)'),
  randomDelay: duration(false)
    .optional()
    .describe('start each scheduled backup up to this much later, chosen at random'),
  shutdownDeadline: duration(true)
    .default('5min')
    .describe("how long the shutdown backups may take after SIGTERM (match systemd's TimeoutStopSec)"),
  history: z
    .string()
    .startsWith('/', 'must be an absolute path')
    .optional()
    .describe(
      'the run history file (JSON lines); ' +
        'default $STATE_DIRECTORY/runs.jsonl, else ~/.local/state/strongbox/runs.jsonl',
    ),
  overdueCheck: duration(true)
    .default('5min')
    .describe('how often the daemon looks for overdue periodicities (notifications, metrics)'),
  housekeeping: housekeepingSchema
    .optional()
    .describe('forget after backups, prune, check and read-data checks on schedules'),
  notify: notifySchema.optional(),
  metrics: metricsSchema
    .optional()
    .describe('Prometheus /metrics and /healthz: on their own listener, or on the http listener when http is set'),
  http: httpSchema
    .optional()
    .describe(
      "the HTTP API (as strongbox serve) on the daemon's one listener, with /healthz and /metrics; " +
        'strongbox serve reads its listen and tls too',
    ),
});

export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type DaemonConfig = z.infer<typeof daemonSchema>;
export type NotifyConfig = z.infer<typeof notifySchema>;
export type HousekeepingConfig = z.infer<typeof housekeepingSchema>;
export type HttpConfig = z.infer<typeof httpSchema>;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
