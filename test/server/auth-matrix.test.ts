// Every route of the API, listed from the app itself, against the table below: no credentials or unknown ones
// → 401, a token whose scopes do not allow the route → 403, a session's unsafe request without its CSRF token →
// 403, and the scope it needs gets past the guard. A route the table does not name fails the test: a new route
// comes with its line here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allows, SCOPES } from '../../src/auth/scopes.js';
import type { Need } from '../../src/server/guard.js';
import { type ApiFixture, apiFixture, ROOT_PASSWORD } from './fixture.js';

const ROUTES: Record<string, Need> = {
  'GET /api/openapi.json': 'public',
  'POST /api/login': 'public',
  'POST /api/logout': 'any',
  'GET /api/me': 'any',
  'GET /api/apps': 'read',
  'GET /api/apps/:app': 'read',
  'GET /api/apps/:app/snapshots': 'read',
  'GET /api/runs': 'read',
  'GET /api/runs/:id': 'read',
  'GET /api/runs/:id/events': 'read',
  'POST /api/apps/:app/backup': 'backup',
  'POST /api/apps/:app/restore': 'restore',
  'POST /api/apps/:app/forget': 'admin',
  'POST /api/apps/:app/drill': 'admin',
  'POST /api/repositories/:name/prune': 'admin',
  'POST /api/repositories/:name/check': 'admin',
  'GET /api/tokens': 'admin',
  'POST /api/tokens': 'admin',
  'DELETE /api/tokens/:name': 'admin',
  'GET /api/apps/:app/snapshots/:snapshot/dumps/:component': 'restore',
  'GET /api/apps/:app/snapshots/:snapshot/trees/:component': 'restore',
  'GET /api/apps/:app/snapshots/:snapshot/export': 'restore',
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let f: ApiFixture;
beforeAll(async () => {
  f = await apiFixture();
});
afterAll(async () => {
  await f?.close();
});

function appRoutes(): string[] {
  const all = f.server.api.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
  return [...new Set(all)].sort();
}

/** A concrete URL for a route: an app and a repository that exist, a run and a token that do not. */
function urlOf(path: string): string {
  return path
    .replace(':app', 'shop')
    .replace('/repositories/:name', '/repositories/main')
    .replace('/tokens/:name', '/tokens/no-such-token')
    .replace(':id', '00000000-0000-0000-0000-000000000000')
    .replace(':snapshot', 'latest')
    .replace(':component', 'db');
}

/** A body that fails validation: the request passes the guard and stops before anything runs. */
const INVALID = { bogus: true };

it('the table names every route the app has, and nothing else', () => {
  expect(appRoutes()).toEqual(Object.keys(ROUTES).sort());
});

it('the OpenAPI document names the same scope for each route', async () => {
  const doc = (await (await f.req('/api/openapi.json')).json()) as {
    paths: Record<string, Record<string, { 'x-strongbox-scope'?: string }>>;
  };
  const seen: Record<string, string | undefined> = {};
  for (const [p, ops] of Object.entries(doc.paths))
    for (const [m, op] of Object.entries(ops))
      seen[`${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`] = op['x-strongbox-scope'];
  // The document does not list itself.
  const { 'GET /api/openapi.json': _doc, ...documented } = ROUTES;
  expect(seen).toEqual(documented);
});

describe.each(Object.entries(ROUTES))('%s', (route, need) => {
  const [method, path] = route.split(' ');
  const url = urlOf(path);
  const body = UNSAFE.has(method) ? { json: INVALID } : {};

  if (need === 'public') {
    it('needs no credentials', async () => {
      const res = await f.req(url, { method, ...body });
      expect(res.status).not.toBe(401);
      expect(res.status).not.toBe(403);
    });
    return;
  }

  it('401 without credentials', async () => {
    const res = await f.req(url, { method, ...body });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('401 with an unknown token', async () => {
    const res = await f.req(url, { method, ...body, token: 'sbx_not-a-real-token' });
    expect(res.status).toBe(401);
  });

  const wrong = need === 'any' ? [] : SCOPES.filter((s) => !allows([s], need));
  if (need !== 'any') {
    it(`403 with each scope that does not allow it (${wrong.join(', ')})`, async () => {
      expect(wrong.length).toBeGreaterThan(0);
      for (const s of wrong) {
        const res = await f.req(url, { method, ...body, token: await f.token(s) });
        expect(res.status, `scope ${s}`).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      }
    });
  }

  const right = need === 'any' ? [...SCOPES] : [need, ...(need === 'admin' ? [] : ['admin' as const])];
  it(`passes the guard with ${right.join(', ')}`, async () => {
    for (const s of right) {
      const res = await f.req(url, { method, ...body, token: await f.token(s) });
      expect([401, 403], `scope ${s}: ${res.status}`).not.toContain(res.status);
      await res.body?.cancel();
    }
  });

  if (UNSAFE.has(method)) {
    it('403 for a session without its CSRF token', async () => {
      const login = await f.req('/api/login', { method: 'POST', json: { user: 'root', password: ROOT_PASSWORD } });
      expect(login.status).toBe(200);
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const res = await f.req(url, { method, ...body, headers: { cookie } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CSRF');
    });
  }
});
