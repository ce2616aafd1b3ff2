// Runs: the run history (and the runs in progress), one run, and a run's events as Server-Sent Events that end
// with its summary (or error).
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { StrongboxError } from '../../errors.js';
import { type HistoryRecord, isHousekeeping, readHistory } from '../../history/journal.js';
import type { ApiDeps } from '../deps.js';
import type { GuardEnv } from '../guard.js';
import { type RunInfo, type StreamEvent, terminalOf } from '../runs.js';
import { RunParam, RunSchema, RunsQuerySchema } from '../schemas.js';
import { guarded, refusals } from './common.js';

const { 401: r401, 403: r403, 404: r404 } = refusals;
const KEEP_ALIVE_MS = 15_000;

const listRuns = guarded('read', {
  method: 'get',
  path: '/api/runs',
  tags: ['runs'],
  summary: 'the run history, newest first, with the runs in progress first',
  request: { query: RunsQuerySchema },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ runs: z.array(RunSchema) }) } }, description: 'runs' },
    401: r401,
    403: r403,
  },
});

const getRun = guarded('read', {
  method: 'get',
  path: '/api/runs/{id}',
  tags: ['runs'],
  summary: 'one run, in progress or from the history',
  request: { params: RunParam },
  responses: {
    200: { content: { 'application/json': { schema: RunSchema } }, description: 'the run' },
    401: r401,
    403: r403,
    404: r404,
  },
});

const runEvents = guarded('read', {
  method: 'get',
  path: '/api/runs/{id}/events',
  tags: ['runs'],
  summary: "a run's events (text/event-stream): phase, progress, warning, then summary or error, then the end",
  request: { params: RunParam },
  responses: {
    200: {
      content: { 'text/event-stream': { schema: z.string() } },
      description: 'one SSE message per event: `event:` its type, `data:` the event as JSON',
    },
    401: r401,
    403: r403,
    404: r404,
  },
});

export function recordView(r: HistoryRecord): z.infer<typeof RunSchema> {
  if (isHousekeeping(r)) {
    const { v: _v, op, host: _h, slot: _s, ...rest } = r;
    return { ...rest, kind: op, state: 'ended' };
  }
  const { v: _v, host: _h, slot: _s, events: _e, ...rest } = r;
  return { ...rest, kind: 'backup', state: 'ended' };
}

function liveView(r: RunInfo): z.infer<typeof RunSchema> {
  return { ...r, trigger: 'api' };
}

async function findRecord(d: ApiDeps, id: string): Promise<HistoryRecord | undefined> {
  const { records } = await readHistory(d.history());
  return records.find((r) => r.id === id);
}

export function mountRuns(app: OpenAPIHono<GuardEnv>, d: ApiDeps): void {
  app.openapi(listRuns, async (c) => {
    const q = c.req.valid('query');
    const running = d.runs.list().filter((r) => r.state === 'running' && (!q.app || r.app === q.app));
    const { records } = await readHistory(d.history(), { app: q.app, limit: q.limit });
    const ended = records.reverse().map(recordView);
    return c.json({ runs: [...running.map(liveView), ...ended].slice(0, q.limit) }, 200);
  });

  app.openapi(getRun, async (c) => {
    const { id } = c.req.valid('param');
    const live = d.runs.get(id);
    if (live?.state === 'running') return c.json(liveView(live), 200);
    const rec = await findRecord(d, id);
    if (!rec) throw new StrongboxError('NOT_FOUND', `no run ${id} (in progress or in the run history)`);
    return c.json(recordView(rec), 200);
  });

  app.openapi(runEvents, async (c) => {
    const { id } = c.req.valid('param');
    let history: HistoryRecord | undefined;
    if (!d.runs.get(id)) {
      history = await findRecord(d, id);
      if (!history) throw new StrongboxError('NOT_FOUND', `no run ${id} (in progress or in the run history)`);
    }
    // The route documents text/event-stream; the typed responses only know JSON.
    return streamSSE(c, async (stream) => {
      const queue: StreamEvent[] = [];
      let wake: (() => void) | undefined;
      const push = (e: StreamEvent) => {
        queue.push(e);
        wake?.();
      };
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      const stop = history ? (push(terminalOf(history)), () => {}) : (d.runs.follow(id, push) ?? (() => {}));
      // A run waiting for a lock may be silent for long: a comment line now and then keeps proxies from timing out.
      const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => {}), KEEP_ALIVE_MS);
      try {
        while (!closed) {
          const e = queue.shift();
          if (!e) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            continue;
          }
          await stream.writeSSE({ event: e.type, data: JSON.stringify(e) });
          if (e.type === 'summary' || e.type === 'error') break;
        }
      } finally {
        clearInterval(keepAlive);
        stop();
      }
    }) as never;
  });
}
