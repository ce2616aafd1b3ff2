// Actions: back up now (with a note), restore (parts, components, another app as target, scratch targets; a live
// target needs the typed confirmation), forget, drill, prune and check. Each answers 202 with the run at once;
// its events stream from /api/runs/{id}/events.
import { randomUUID } from 'node:crypto';
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Config } from '../../config/schema.js';
import type { RepoOp } from '../../daemon/housekeeping.js';
import { StrongboxError } from '../../errors.js';
import { parseSubset } from '../../ops/check.js';
import { findApp } from '../../ops/target.js';
import { type ActionEnv, backupBody, housekeepingBody, restoreBody } from '../actions.js';
import type { ApiDeps } from '../deps.js';
import type { GuardEnv, Need } from '../guard.js';
import type { RunBody, RunKind } from '../runs.js';
import {
  AppParam,
  BackupRequestSchema,
  CheckRequestSchema,
  EmptySchema,
  RepoParam,
  RestoreRequestSchema,
  RunInfoSchema,
} from '../schemas.js';
import { knownApp } from './apps.js';
import { guarded, refusals } from './common.js';

const accepted = {
  202: {
    content: { 'application/json': { schema: z.object({ run: RunInfoSchema }) } },
    description: 'started: follow /api/runs/{id}/events',
  },
  ...refusals,
};

function action<P extends typeof AppParam | typeof RepoParam, B extends z.ZodType>(
  need: Need,
  path: string,
  summary: string,
  params: P,
  body: B,
) {
  return guarded(need, {
    method: 'post',
    path,
    tags: ['actions'],
    summary,
    request: { params, body: { content: { 'application/json': { schema: body } }, required: false } },
    responses: accepted,
  });
}

const backup = action('backup', '/api/apps/{app}/backup', 'back up the app now', AppParam, BackupRequestSchema);
const restore = action(
  'restore',
  '/api/apps/{app}/restore',
  'restore a snapshot of the app (into it, another app, or scratch targets)',
  AppParam,
  RestoreRequestSchema,
);
const forget = action('admin', '/api/apps/{app}/forget', "apply the app's retention policies", AppParam, EmptySchema);
const drill = action('admin', '/api/apps/{app}/drill', 'a restore drill of the app', AppParam, EmptySchema);
const prune = action('admin', '/api/repositories/{name}/prune', 'remove unreferenced data', RepoParam, EmptySchema);
const check = action('admin', '/api/repositories/{name}/check', 'verify the repository', RepoParam, CheckRequestSchema);

function knownRepository(cfg: Config, name: string): string {
  if (!(name in cfg.repositories)) throw new StrongboxError('NOT_FOUND', `no repository "${name}" in the config`);
  if (!cfg.apps.some((a) => a.repository === name))
    throw new StrongboxError(
      'USAGE',
      `repository "${name}" has no app in the config; maintain it from the command line`,
    );
  return name;
}

export function mountActions(app: OpenAPIHono<GuardEnv>, d: ApiDeps): void {
  const start = (
    c: Context<GuardEnv>,
    what: { kind: RunKind; app?: string; repository: string },
    body: (env: ActionEnv) => RunBody,
    opts: { recorded?: boolean } = {},
  ) => {
    const env: ActionEnv = {
      cfg: d.config(),
      choice: d.choice,
      clock: d.clock,
      id: randomUUID(),
      user: c.get('principal')!.label,
    };
    // Under the daemon, the run waits for its repository's turn in the daemon's queue.
    const queue = d.queueTask;
    const run = d.runs.start(
      { id: env.id, user: env.user, ...what },
      queue && !opts.recorded
        ? (emit, signal) => queue(`api:${env.id}`, what.repository, signal, (s) => body(env)(emit, s))
        : body(env),
      opts,
    );
    d.log.info(`${what.kind} of ${what.app ?? `repository ${what.repository}`} started by ${env.user}`, {
      run: run.id,
    });
    return c.json({ run }, 202);
  };

  app.openapi(backup, async (c) => {
    const cfg = d.config();
    const a = findApp(cfg, knownApp(cfg, c.req.valid('param').app));
    // Without a body the validator did not run: the defaults come from the same schema.
    const b = BackupRequestSchema.parse(c.req.valid('json') ?? {});
    const queue = d.queueBackup;
    if (!queue)
      return start(c, { kind: 'backup', app: a.id, repository: a.repository }, (env) =>
        backupBody(env, a, b.periodicity, b.note),
      );
    // Under the daemon: into its queue, which records the run itself.
    return start(
      c,
      { kind: 'backup', app: a.id, repository: a.repository },
      (env) => (emit) => {
        const queued = queue({ app: a, periodicity: b.periodicity, note: b.note, id: env.id, user: env.user, emit });
        if (!queued)
          throw new StrongboxError('LOCKED', `a ${b.periodicity} backup of app ${a.id} is already waiting or running`);
        return queued;
      },
      { recorded: true },
    );
  });

  app.openapi(restore, async (c) => {
    const cfg = d.config();
    const from = findApp(cfg, knownApp(cfg, c.req.valid('param').app));
    const b = RestoreRequestSchema.parse(c.req.valid('json') ?? {});
    const into = b.into !== undefined ? findApp(cfg, knownApp(cfg, b.into)) : from;
    if (into.repository !== from.repository)
      throw new StrongboxError('USAGE', `apps ${from.id} and ${into.id} keep their backups in different repositories`);
    const only = b.parts === 'all' ? undefined : b.parts;
    const wantsFiles = only !== 'db' && into.files.length > 0;
    const wantsDb = only !== 'files' && into.databases.length > 0;
    const live = (wantsFiles && !b.target?.dir) || (wantsDb && !b.target?.db);
    if (live && b.confirm !== into.id)
      throw new StrongboxError(
        'USAGE',
        `restoring into the live places of app ${into.id} replaces what they hold: ` +
          `type the app's ID in "confirm" (it must be "${into.id}")`,
      );
    return start(c, { kind: 'restore', app: into.id, repository: into.repository }, (env) =>
      restoreBody(env, {
        from,
        into,
        snapshot: b.snapshot,
        only,
        components: b.components,
        target: b.target,
        confirmed: b.confirm === into.id,
      }),
    );
  });

  const appUpkeep = (op: 'forget' | 'drill') => async (c: Context<GuardEnv>) => {
    const cfg = d.config();
    const a = findApp(cfg, knownApp(cfg, c.req.param('app')!));
    return start(c, { kind: op, app: a.id, repository: a.repository }, (env) =>
      housekeepingBody(env, a.repository, { op, app: a }),
    );
  };
  app.openapi(forget, appUpkeep('forget'));
  app.openapi(drill, appUpkeep('drill'));

  app.openapi(prune, async (c) => {
    const repository = knownRepository(d.config(), c.req.valid('param').name);
    return start(c, { kind: 'prune', repository }, (env) => housekeepingBody(env, repository, { op: 'prune' }));
  });

  app.openapi(check, async (c) => {
    const repository = knownRepository(d.config(), c.req.valid('param').name);
    const rd = c.req.valid('json')?.readData;
    const subset = rd !== undefined ? parseSubset(rd) : null;
    const what: RepoOp = {
      op: 'check',
      ...(subset?.kind === 'part' ? { part: { n: subset.n, m: subset.m } } : {}),
      ...(subset?.kind === 'percent' ? { percent: subset.percent } : {}),
    };
    return start(c, { kind: 'check', repository }, (env) => housekeepingBody(env, repository, what));
  });
}
