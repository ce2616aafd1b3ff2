// The web dashboard (docs/usage/dashboard.md): server-rendered pages and their browser modules, served by the API's
// process on its listener. Pages need a session (else a redirect to /login); the data comes from the JSON API,
// whose session and CSRF checks the browser modules go through. No inline script: the CSP forbids it.
// This folder: pages.ts, app-page.ts, repositories-page.ts (the HTML), assets.ts and style.ts (static files), and
// client/ (the browser modules, compiled by tsc with the rest and served from /assets/js/).
import { Hono, type MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import { allows } from '../../auth/scopes.js';
import { httpStatusFor, StrongboxError, toUserError } from '../../errors.js';
import { isHousekeeping, readHistory } from '../../history/journal.js';
import type { ApiDeps } from '../deps.js';
import { type GuardEnv, identify } from '../guard.js';
import { asset } from './assets.js';
import { appPage } from './app-page.js';
import { layout, loginPage, overviewPage, runPage } from './pages.js';
import { repositoriesPage, repositoryRows } from './repositories-page.js';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The paths the dashboard answers (GET and HEAD); everything else goes on to the API's routes. */
const PATHS = /^\/(?:login|repositories|apps\/[^/]+|runs\/[^/]+|assets\/.+)?$/;

/** Where to go after signing in: a local path only (never another site, nor a protocol-relative URL). */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) && !/[\\\s]/.test(next) ? next : '/';
}

/** Middleware that serves the dashboard's pages and assets and passes every other request on. */
export function dashboard(d: ApiDeps): MiddlewareHandler<GuardEnv> {
  const ui = new Hono<GuardEnv>();
  ui.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'same-origin');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  ui.get('/assets/*', async (c) => {
    const a = await asset(c.req.path.slice('/assets/'.length));
    if (!a) return c.text('no such asset', 404);
    return c.body(a.body as never, 200, { 'Content-Type': a.type, 'Cache-Control': 'no-cache' });
  });

  ui.use('*', identify(d.authPath, d.sessions));
  ui.get('/login', (c) => {
    const next = safeNext(c.req.query('next'));
    if (c.get('principal')) return c.redirect(next, 303);
    return c.html(loginPage(next));
  });

  // Every other page needs someone signed in.
  ui.use('*', async (c, next) => {
    if (c.get('principal')) return next();
    const back = c.req.path === '/' ? '' : `?next=${encodeURIComponent(c.req.path)}`;
    return c.redirect(`/login${back}`, 303);
  });
  const user = (c: { get(k: 'principal'): GuardEnv['Variables']['principal'] }) => c.get('principal')!.name;

  ui.get('/', (c) => c.html(overviewPage(user(c))));
  ui.get('/apps/:app', (c) => {
    const id = c.req.param('app');
    if (!d.config().apps.some((a) => a.id === id)) return c.html(notFound(user(c), `There is no app "${id}".`), 404);
    return c.html(appPage(user(c), id));
  });
  ui.get('/runs/:id', (c) => c.html(runPage(user(c), c.req.param('id'))));
  ui.get('/repositories', async (c) => {
    const p = c.get('principal')!;
    if (!allows(p.scopes, 'read'))
      return c.html(notFound(p.name, `This page needs the read scope; ${p.name} has ${p.scopes.join(', ')}.`), 403);
    const { records } = await readHistory(d.history());
    const upkeep = records.filter(isHousekeeping);
    return c.html(repositoriesPage(p.name, repositoryRows(d.config(), upkeep), allows(p.scopes, 'admin')));
  });

  ui.onError((err, c) => {
    const e = toUserError(err);
    if (e instanceof StrongboxError && e.code !== 'INTERNAL') return c.text(`${e.message}\n`, httpStatusFor(e) as 400);
    d.log.error(`dashboard error on ${c.req.method} ${c.req.path}: ${(err as Error)?.stack ?? String(err)}`);
    return c.text('an unexpected internal error (see the server log)\n', 500);
  });

  return async (c, next) =>
    (c.req.method === 'GET' || c.req.method === 'HEAD') && PATHS.test(c.req.path) ? ui.fetch(c.req.raw, c.env) : next();
}

function notFound(user: string, message: string) {
  return layout({
    title: 'Not found',
    user,
    script: 'common.js',
    main: html`<main id="main">
      <h1>Not here</h1>
      <p>${message}</p>
      <p><a href="/">All apps</a></p>
    </main>`,
  });
}
