// The HTTP API of the control panel (docs/design/http-api.md): a Hono app whose routes are thin adapters over
// the operations layer, guarded by scopes, documented by the OpenAPI 3.1 document generated from their schemas.
// One error handler turns every error into { error: { code, message } } with the status of src/errors.ts.
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { appendRun } from '../history/journal.js';
import { httpStatusFor, StrongboxError, toUserError } from '../errors.js';
import { VERSION } from '../version.js';
import type { ApiDeps, ServerOptions } from './deps.js';
import { errorBody, type GuardEnv, identify } from './guard.js';
import { FailureLimiter, LOGIN_LIMITS } from './limiter.js';
import { mountActions } from './routes/actions.js';
import { mountApps } from './routes/apps.js';
import { mountAuth } from './routes/auth.js';
import { mountDownloads } from './routes/downloads.js';
import { mountRuns } from './routes/runs.js';
import { RunRegistry } from './runs.js';
import { Sessions } from './sessions.js';
import { dashboard } from './ui/index.js';

export const OPENAPI_PATH = '/api/openapi.json';

export interface Api {
  app: OpenAPIHono<GuardEnv>;
  runs: RunRegistry;
}

export function createApi(o: ServerOptions): Api {
  const runs = new RunRegistry(o.clock, async (r) => {
    try {
      await appendRun(o.history(), r);
    } catch (e) {
      o.log.error((e as Error).message);
    }
  });
  const d: ApiDeps = {
    ...o,
    runs,
    sessions: new Sessions(o.clock),
    limits: {
      perUser: new FailureLimiter(o.clock, LOGIN_LIMITS.perUser),
      perAddress: new FailureLimiter(o.clock, LOGIN_LIMITS.perAddress),
    },
  };
  const app = new OpenAPIHono<GuardEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const first = issues[0];
      const message = `invalid ${result.target}: ${first ? `${first.path || '(top level)'}: ${first.message}` : 'rejected'}`;
      return c.json(errorBody('VALIDATION', message, { issues }), 400);
    },
  });
  app.use('/api/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
  });
  app.use('/api/*', identify(o.authPath, d.sessions));
  // The web dashboard's pages and assets (not API routes: they are not in the OpenAPI document).
  app.use('*', dashboard(d));
  mountAuth(app, d);
  mountApps(app, d);
  mountRuns(app, d);
  mountActions(app, d);
  mountDownloads(app, d);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'an API token (strongbox token add)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'sb_session',
    description: 'a session from POST /api/login; unsafe methods also need X-CSRF-Token',
  });
  app.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: { title: 'strongbox control panel API', version: VERSION, description: 'docs/design/http-api.md' },
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const res = err.getResponse();
      return c.json(
        errorBody(res.status === 400 ? 'VALIDATION' : 'HTTP', err.message || res.statusText),
        res.status as 400,
      );
    }
    const e = toUserError(err);
    if (e instanceof StrongboxError && e.code !== 'INTERNAL') {
      return c.json(errorBody(e.code, e.message), httpStatusFor(e) as 400);
    }
    // A bug: its details go to the log, not to the client.
    o.log.error(`internal error on ${c.req.method} ${c.req.path}: ${(err as Error)?.stack ?? String(err)}`);
    return c.json(errorBody('INTERNAL', 'an unexpected internal error (see the server log)'), 500);
  });
  return { app, runs };
}
