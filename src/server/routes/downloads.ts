// Downloads: a file tree as a tar with a manifest, a database component's native dump as the dump tool wrote it
// (pg_restore, mysql/mariadb or sqlite3 read it directly), and a whole snapshot's portable export as one tar, all
// verified as they stream. They carry the app's data, so they need the restore scope; each is logged and recorded
// in the run history with the user.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { PassThrough, Readable } from 'node:stream';
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { monotonicMs } from '../../clock.js';
import { isStrongboxError, StrongboxError } from '../../errors.js';
import { appendRun, HISTORY_VERSION, type HousekeepingRecord } from '../../history/journal.js';
import { newContext, type OpContext } from '../../ops/context.js';
import { dumpComponent } from '../../ops/dump.js';
import { dumpExtension, EXPORT_MANIFEST, EXPORT_SUMS, exportSnapshotTar } from '../../ops/export.js';
import { TAR_MANIFEST, tarTree } from '../../ops/tree-tar.js';
import { listSnapshots } from '../../ops/snapshots.js';
import { appRepo, findApp } from '../../ops/target.js';
import { databaseComponents } from '../../repository/snapshot.js';
import { sortNewestWritten } from '../../repository/write-order.js';
import type { ApiDeps } from '../deps.js';
import type { GuardEnv } from '../guard.js';
import { AppParam } from '../schemas.js';
import { knownApp } from './apps.js';
import { guarded, refusals } from './common.js';

const { 401: r401, 403: r403, 404: r404 } = refusals;

const DumpParams = AppParam.extend({
  snapshot: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'snapshot', in: 'path' }, description: "an ID (prefix) or 'latest'" }),
  component: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'component', in: 'path' } }),
});

const dumpRoute = guarded('restore', {
  method: 'get',
  path: '/api/apps/{app}/snapshots/{snapshot}/dumps/{component}',
  tags: ['downloads'],
  summary: "a database component's native dump (pg_restore custom format, SQL, or an SQLite database file)",
  request: { params: DumpParams },
  responses: {
    200: { content: { 'application/octet-stream': { schema: z.string() } }, description: 'the dump' },
    401: r401,
    403: r403,
    404: r404,
  },
});

const treeRoute = guarded('restore', {
  method: 'get',
  path: '/api/apps/{app}/snapshots/{snapshot}/trees/{component}',
  tags: ['downloads'],
  summary: `a file tree as a POSIX tar, its manifest (${TAR_MANIFEST}: every entry with its SHA-256) last`,
  request: { params: DumpParams },
  responses: {
    200: { content: { 'application/x-tar': { schema: z.string() } }, description: 'the tar' },
    401: r401,
    403: r403,
    404: r404,
  },
});

const ExportParams = AppParam.extend({
  snapshot: DumpParams.shape.snapshot,
});

const exportRoute = guarded('restore', {
  method: 'get',
  path: '/api/apps/{app}/snapshots/{snapshot}/export',
  tags: ['downloads'],
  summary:
    `a snapshot's portable export as one tar: each database's native dump, each file tree as a POSIX tar, ` +
    `${EXPORT_MANIFEST} and ${EXPORT_SUMS} last (sha256sum -c verifies the members)`,
  request: { params: ExportParams },
  responses: {
    200: { content: { 'application/x-tar': { schema: z.string() } }, description: 'the export' },
    401: r401,
    403: r403,
    404: r404,
  },
});

export function mountDownloads(app: OpenAPIHono<GuardEnv>, d: ApiDeps): void {
  /**
   * Answers with what `send` writes into the stream as an attachment, and records the download in the run history
   * with the user, however it ends. `send` need not end the stream: this does.
   */
  function attachment(
    c: Context<GuardEnv>,
    what: { app: string; repository: string; snapshot: string; component: string; kind: 'dump' | 'tree' | 'export' },
    ctx: OpContext,
    headers: Record<string, string>,
    send: (out: PassThrough) => Promise<unknown>,
  ): Response {
    const out = new PassThrough();
    const user = c.get('principal')!.label;
    const started = d.clock.now();
    const t0 = monotonicMs();
    const label =
      what.kind === 'export'
        ? `export of snapshot ${what.snapshot.slice(0, 8)}`
        : `${what.kind === 'dump' ? 'dump' : 'file tree'} ${what.component} of snapshot ${what.snapshot.slice(0, 8)}`;
    d.log.info(`${label} (app ${what.app}) downloaded by ${user}`);
    const record = (outcome: HousekeepingRecord['outcome'], error?: { code: string; message: string }) =>
      appendRun(d.history(), {
        v: HISTORY_VERSION,
        id: randomUUID(),
        op: 'download',
        repository: what.repository,
        app: what.app,
        trigger: 'api',
        host: hostname(),
        startedAt: new Date(started).toISOString(),
        endedAt: new Date(d.clock.now()).toISOString(),
        durationMs: Math.round(monotonicMs() - t0),
        outcome,
        detail: { snapshot: what.snapshot, component: what.component, kind: what.kind },
        ...(error ? { error } : {}),
        user,
      }).catch((e: Error) => d.log.error(e.message));
    send(out)
      .then(
        () => {
          out.end();
          return record('ok');
        },
        (e: Error) => {
          d.log.error(`download of ${label} failed: ${e.message}`);
          out.destroy(e);
          const code = isStrongboxError(e) ? e.code : 'INTERNAL';
          return record(ctx.signal.aborted ? 'cancelled' : 'failed', { code, message: e.message });
        },
      )
      .finally(() => ctx.scope.close());
    return new Response(Readable.toWeb(out) as ReadableStream, { status: 200, headers });
  }

  /** The app, path parameters, repository and snapshot a download names, in a context of its own. */
  async function start(c: Context<GuardEnv>, kind: 'database' | 'files' | null) {
    const ctx = newContext({ signal: c.req.raw.signal, clock: d.clock });
    const found = await resolve(c, kind, ctx).catch((e: unknown) => {
      ctx.scope.close();
      throw e;
    });
    return { ...found, ctx };
  }

  /**
   * The snapshot a download names, resolved before the answer starts (a wrong name is a 404, not a cut-off file):
   * one holding the component named (of this kind), or with no kind any snapshot of the app.
   */
  async function resolve(c: Context<GuardEnv>, kind: 'database' | 'files' | null, ctx: OpContext) {
    const cfg = d.config();
    const p = c.req.param() as { app: string; snapshot: string; component: string };
    const a = findApp(cfg, knownApp(cfg, p.app));
    const spec = appRepo(d.choice, cfg, a);
    const { snapshots } = await listSnapshots(spec, { app: a.id }, ctx);
    const holding = snapshots.filter(
      (s) => kind === null || s.snapshot.components.some((x) => x.kind === kind && x.name === p.component),
    );
    const matching = holding.filter((s) => s.id.startsWith(p.snapshot.toLowerCase()));
    const snap =
      p.snapshot === 'latest'
        ? sortNewestWritten(holding, d.clock.now())[0]
        : matching.length === 1
          ? matching[0]
          : undefined;
    if (!snap)
      throw new StrongboxError(
        'NOT_FOUND',
        kind === null
          ? `no single snapshot ${p.snapshot} of app ${a.id}`
          : `no single snapshot ${p.snapshot} of app ${a.id} with a ${kind === 'files' ? 'file tree' : 'database component'} ${p.component}`,
      );
    return { a, p, spec, snap };
  }

  app.openapi(dumpRoute, async (c) => {
    const { a, p, spec, snap, ctx } = await start(c, 'database');
    const comp = databaseComponents(snap.snapshot).find((x) => x.name === p.component)!;
    const what = {
      app: a.id,
      repository: a.repository,
      snapshot: snap.id,
      component: p.component,
      kind: 'dump',
    } as const;
    const file = `${a.id}-${p.component}-${snap.id.slice(0, 8)}.${dumpExtension(comp)}`;
    const headers = {
      'content-type': 'application/octet-stream',
      'content-length': String(comp.size),
      'content-disposition': `attachment; filename="${file}"`,
      'x-strongbox-sha256': comp.sha256,
    };
    // The dump's own stream is not ended by the operation (it may be stdout): `attachment` ends it.
    return attachment(c, what, ctx, headers, (out) =>
      dumpComponent(spec, { snapshot: snap.id, component: p.component, stdout: out }, ctx),
    ) as never;
  });

  app.openapi(treeRoute, async (c) => {
    const { a, p, spec, snap, ctx } = await start(c, 'files');
    const what = {
      app: a.id,
      repository: a.repository,
      snapshot: snap.id,
      component: p.component,
      kind: 'tree',
    } as const;
    const headers = {
      'content-type': 'application/x-tar',
      'content-disposition': `attachment; filename="${a.id}-${p.component}-${snap.id.slice(0, 8)}.tar"`,
    };
    return attachment(c, what, ctx, headers, (out) =>
      tarTree(spec, { snapshot: snap.id, component: p.component }, out, ctx),
    ) as never;
  });

  app.openapi(exportRoute, async (c) => {
    const { a, spec, snap, ctx } = await start(c, null);
    const what = { app: a.id, repository: a.repository, snapshot: snap.id, component: '', kind: 'export' } as const;
    const headers = {
      'content-type': 'application/x-tar',
      'content-disposition': `attachment; filename="${a.id}-${snap.id.slice(0, 8)}-export.tar"`,
    };
    // The operation ends `out` itself (a tar's end); `attachment` ending it again is harmless.
    return attachment(c, what, ctx, headers, (out) =>
      exportSnapshotTar(spec, { app: a.id, snapshot: snap.id }, out, ctx),
    ) as never;
  });
}
