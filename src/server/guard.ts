// Who is asking and may they: the principal of a request (a bearer token, or a session cookie with its CSRF
// token), the scope check every route declares, and the error body all refusals share.
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { allows, type Scope } from '../auth/scopes.js';
import { sameSecret, TOKEN_PREFIX } from '../auth/secrets.js';
import { checkToken, type Principal, userScopes } from '../ops/access.js';
import { CSRF_HEADER, SESSION_COOKIE, type Session, type Sessions } from './sessions.js';

export interface GuardEnv {
  Variables: { principal?: Principal; session?: Session };
}

/** What a route needs: `public` (no one), `any` (someone signed in, any scope), or a scope. */
export type Need = 'public' | 'any' | Scope;

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Finds the principal (a token wins over a cookie); never refuses by itself. */
export function identify(authPath: string, sessions: Sessions): MiddlewareHandler<GuardEnv> {
  return async (c, next) => {
    const auth = c.req.header('authorization');
    // Another scheme (a proxy's Basic authentication) is not ours: the session cookie still counts then.
    if (auth !== undefined && /^Bearer\s/i.test(auth)) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (m && m[1].startsWith(TOKEN_PREFIX)) {
        const p = await checkToken(authPath, m[1]);
        if (p) c.set('principal', p);
      }
      // A wrong bearer token is not rescued by a cookie: the caller meant the token.
      return next();
    }
    const session = sessions.get(getCookie(c, SESSION_COOKIE));
    if (session) {
      const scopes = await userScopes(authPath, session.user);
      if (scopes) {
        c.set('principal', { kind: 'user', name: session.user, scopes, label: session.user });
        c.set('session', session);
      }
    }
    return next();
  };
}

/** 401 without a principal, 403 without the scope, 403 for a session's unsafe request without its CSRF token. */
export function needs(need: Exclude<Need, 'public'>): MiddlewareHandler<GuardEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    if (!p) {
      return c.json(
        errorBody('UNAUTHORIZED', 'sign in (POST /api/login) or send an API token (Authorization: Bearer sbx_…)'),
        401,
      );
    }
    if (need !== 'any' && !allows(p.scopes, need)) {
      return c.json(errorBody('FORBIDDEN', `this needs the ${need} scope; ${p.label} has ${p.scopes.join(', ')}`), 403);
    }
    const refusal = csrfRefusal(c);
    if (refusal) return c.json(errorBody('CSRF', refusal), 403);
    return next();
  };
}

/** Why a session's unsafe request is refused (its X-CSRF-Token is missing or wrong, or Origin is foreign), or null. */
export function csrfRefusal(c: Context<GuardEnv>): string | null {
  const session = c.get('session');
  if (!session || !UNSAFE.has(c.req.method)) return null;
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== c.req.header('host')) return `a request from ${origin} may not act on this server's session`;
  } else if (origin === 'null') return 'a request from an opaque origin may not act on a session';
  const token = c.req.header(CSRF_HEADER);
  if (!token || !sameSecret(token, session.csrf))
    return `send the session's CSRF token (the sb_csrf cookie, or csrfToken from the login) in ${CSRF_HEADER}`;
  return null;
}
