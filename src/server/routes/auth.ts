// Signing in and out (a session cookie with its CSRF token; rate-limited), who am I, and the API tokens an admin
// manages (listed without their secrets; a new one is shown once).
import { getConnInfo } from '@hono/node-server/conninfo';
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { StrongboxError } from '../../errors.js';
import { addToken, checkPassword, listAccess, removeToken } from '../../ops/access.js';
import type { ApiDeps } from '../deps.js';
import { errorBody, type GuardEnv } from '../guard.js';
import { CSRF_COOKIE, SESSION_COOKIE } from '../sessions.js';
import { ErrorSchema, LoginSchema, NewTokenSchema, PrincipalSchema, TokenParam, TokenSchema } from '../schemas.js';
import { guarded, refusals } from './common.js';

const { 400: r400, 401: r401, 403: r403, 404: r404 } = refusals;

const login = guarded('public', {
  method: 'post',
  path: '/api/login',
  tags: ['session'],
  summary: 'sign in: sets the session cookie and returns the CSRF token',
  request: { body: { content: { 'application/json': { schema: LoginSchema } }, required: true } },
  responses: {
    200: {
      content: { 'application/json': { schema: PrincipalSchema.extend({ csrfToken: z.string() }) } },
      description: 'signed in',
    },
    400: r400,
    401: { content: { 'application/json': { schema: ErrorSchema } }, description: 'wrong user name or password' },
    429: { content: { 'application/json': { schema: ErrorSchema } }, description: 'too many failed logins' },
  },
});

const logout = guarded('any', {
  method: 'post',
  path: '/api/logout',
  tags: ['session'],
  summary: 'sign out: ends the session',
  responses: { 204: { description: 'signed out' }, 401: r401, 403: r403 },
});

const me = guarded('any', {
  method: 'get',
  path: '/api/me',
  tags: ['session'],
  summary: 'who is asking, with which scopes',
  responses: {
    200: { content: { 'application/json': { schema: PrincipalSchema } }, description: 'the principal' },
    401: r401,
  },
});

const listTokens = guarded('admin', {
  method: 'get',
  path: '/api/tokens',
  tags: ['tokens'],
  summary: 'the API tokens (never their secrets)',
  responses: {
    200: { content: { 'application/json': { schema: z.object({ tokens: z.array(TokenSchema) }) } }, description: 'ok' },
    401: r401,
    403: r403,
  },
});

const createToken = guarded('admin', {
  method: 'post',
  path: '/api/tokens',
  tags: ['tokens'],
  summary: 'a new API token: its secret is in this answer only',
  request: { body: { content: { 'application/json': { schema: NewTokenSchema } }, required: true } },
  responses: {
    201: {
      content: { 'application/json': { schema: TokenSchema.extend({ token: z.string() }) } },
      description: 'created',
    },
    400: r400,
    401: r401,
    403: r403,
  },
});

const deleteToken = guarded('admin', {
  method: 'delete',
  path: '/api/tokens/{name}',
  tags: ['tokens'],
  summary: 'revoke a token',
  request: { params: TokenParam },
  responses: { 204: { description: 'revoked' }, 401: r401, 403: r403, 404: r404 },
});

export function mountAuth(app: OpenAPIHono<GuardEnv>, d: ApiDeps): void {
  app.openapi(login, async (c) => {
    const { user, password } = c.req.valid('json');
    const address = addressOf(c, !!d.trustProxy);
    const wait = Math.max(d.limits.perUser.retryAfter(user), d.limits.perAddress.retryAfter(address));
    if (wait > 0) {
      d.log.warn(`login of ${user} from ${address} refused: too many failed logins`);
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      return c.json(errorBody('RATE_LIMITED', 'too many failed logins: try again later'), 429);
    }
    const p = await checkPassword(d.authPath, user, password);
    if (!p) {
      d.limits.perUser.fail(user);
      d.limits.perAddress.fail(address);
      d.log.warn(`failed login of ${user} from ${address}`);
      return c.json(errorBody('UNAUTHORIZED', 'wrong user name or password'), 401);
    }
    d.limits.perUser.succeed(user);
    d.sessions.end(getCookie(c, SESSION_COOKIE));
    const { id, session } = d.sessions.create(p.name);
    const base = { path: '/', sameSite: 'Strict', secure: d.secure } as const;
    setCookie(c, SESSION_COOKIE, id, { ...base, httpOnly: true });
    setCookie(c, CSRF_COOKIE, session.csrf, base);
    d.log.info(`${p.name} signed in from ${address}`);
    return c.json({ kind: p.kind, name: p.name, scopes: p.scopes, csrfToken: session.csrf }, 200);
  });

  app.openapi(logout, (c) => {
    d.sessions.end(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    deleteCookie(c, CSRF_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  app.openapi(me, (c) => {
    const p = c.get('principal')!;
    return c.json({ kind: p.kind, name: p.name, scopes: p.scopes }, 200);
  });

  app.openapi(listTokens, async (c) => c.json({ tokens: (await listAccess(d.authPath)).tokens }, 200));

  app.openapi(createToken, async (c) => {
    const b = c.req.valid('json');
    const who = c.get('principal')!.label;
    const { token, entry } = await addToken(d.authPath, { ...b, createdBy: who }, d.clock);
    d.log.info(`token ${entry.name} (${entry.scopes.join(',')}) created by ${who}`);
    return c.json({ ...entry, token }, 201);
  });

  app.openapi(deleteToken, async (c) => {
    const { name } = c.req.valid('param');
    if (!(await listAccess(d.authPath)).tokens.some((t) => t.name === name))
      throw new StrongboxError('NOT_FOUND', `no token named ${name}`);
    await removeToken(d.authPath, name);
    d.log.info(`token ${name} revoked by ${c.get('principal')!.label}`);
    return c.body(null, 204);
  });
}

/** The client's address: the peer's, or behind a trusted proxy the last X-Forwarded-For entry (the proxy's own). */
function addressOf(c: Parameters<typeof getConnInfo>[0], trustProxy: boolean): string {
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
  if (forwarded) return forwarded;
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
