// Apps and their snapshots: health per periodicity (the status operation), the next scheduled runs, sizes; an
// app's snapshots with labels, triggers, notes, components and sizes.
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppConfig, Config } from '../../config/schema.js';
import { StrongboxError } from '../../errors.js';
import { newContext } from '../../ops/context.js';
import { listSnapshots } from '../../ops/snapshots.js';
import { status } from '../../ops/status.js';
import { appRepo, findApp } from '../../ops/target.js';
import type { ApiDeps } from '../deps.js';
import type { GuardEnv } from '../guard.js';
import { AppParam, AppSchema, SnapshotQuerySchema, SnapshotSchema } from '../schemas.js';
import { appView, snapshotViews } from '../views.js';
import { guarded, refusals } from './common.js';

const { 401: r401, 403: r403, 404: r404 } = refusals;

const listApps = guarded('read', {
  method: 'get',
  path: '/api/apps',
  tags: ['apps'],
  summary: 'every app with its health per periodicity, next runs and sizes',
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ apps: z.array(AppSchema) }) } },
      description: 'the apps',
    },
    401: r401,
    403: r403,
  },
});

const getApp = guarded('read', {
  method: 'get',
  path: '/api/apps/{app}',
  tags: ['apps'],
  summary: 'one app',
  request: { params: AppParam },
  responses: {
    200: { content: { 'application/json': { schema: AppSchema } }, description: 'the app' },
    401: r401,
    403: r403,
    404: r404,
  },
});

const listAppSnapshots = guarded('read', {
  method: 'get',
  path: '/api/apps/{app}/snapshots',
  tags: ['snapshots'],
  summary: "an app's snapshots, newest first",
  request: { params: AppParam, query: SnapshotQuerySchema },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ snapshots: z.array(SnapshotSchema) }) } },
      description: 'the snapshots',
    },
    401: r401,
    403: r403,
    404: r404,
  },
});

/**
 * The apps' views: the status operation once per repository (apps that share one read its snapshot list once); a
 * repository that cannot be read marks its apps unhealthy with the reason, and the other apps are still shown.
 */
async function viewsOf(d: ApiDeps, cfg: Config, ids: string[], signal: AbortSignal) {
  const apps = ids.map((id) => findApp(cfg, id));
  const groups = new Map<string, AppConfig[]>();
  for (const a of apps) groups.set(a.repository, [...(groups.get(a.repository) ?? []), a]);
  const views = new Map<string, ReturnType<typeof appView>>();
  for (const [repository, group] of groups) {
    const ctx = newContext({ signal, clock: d.clock });
    try {
      const st = await status(d.choice, cfg, group, ctx);
      group.forEach((a, i) =>
        views.set(
          a.id,
          appView(a, st.apps[i], (p) => d.nextRun(a.id, p)),
        ),
      );
    } catch (e) {
      if (signal.aborted) throw e;
      const reason = `cannot read repository ${repository}: ${(e as Error).message}`;
      for (const a of group)
        views.set(
          a.id,
          appView(a, { app: a.id, healthy: false, periodicities: [], problems: [reason] }, () => null),
        );
    } finally {
      ctx.scope.close();
    }
  }
  return apps.map((a) => views.get(a.id)!);
}

export function mountApps(app: OpenAPIHono<GuardEnv>, d: ApiDeps): void {
  app.openapi(listApps, async (c) => {
    const cfg = d.config();
    return c.json(
      {
        apps: await viewsOf(
          d,
          cfg,
          cfg.apps.map((a) => a.id),
          c.req.raw.signal,
        ),
      },
      200,
    );
  });

  app.openapi(getApp, async (c) => {
    const cfg = d.config();
    const id = c.req.valid('param').app;
    const [view] = await viewsOf(d, cfg, [knownApp(cfg, id)], c.req.raw.signal);
    return c.json(view, 200);
  });

  app.openapi(listAppSnapshots, async (c) => {
    const cfg = d.config();
    const a = findApp(cfg, knownApp(cfg, c.req.valid('param').app));
    const q = c.req.valid('query');
    const ctx = newContext({ signal: c.req.raw.signal, clock: d.clock });
    try {
      const { snapshots } = await listSnapshots(appRepo(d.choice, cfg, a), { app: a.id }, ctx);
      const views = snapshotViews(a, snapshots, d.clock.now()).filter(
        (s) => (!q.periodicity || s.periodicity === q.periodicity) && (!q.trigger || s.trigger === q.trigger),
      );
      return c.json({ snapshots: views }, 200);
    } finally {
      ctx.scope.close();
    }
  });
}

/** The app's ID when the config has it; else NOT_FOUND (404), not the CLI's usage error. */
export function knownApp(cfg: Config, id: string): string {
  if (!cfg.apps.some((a) => a.id === id)) throw new StrongboxError('NOT_FOUND', `no app "${id}" in the config`);
  return id;
}
