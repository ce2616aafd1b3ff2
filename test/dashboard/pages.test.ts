// The dashboard's pages and assets over plain HTTP (no browser): every page needs a session, the login only sends
// a user back to a local path, the CSP and the other security headers are on every answer, the assets are served
// from their fixed list only, and the repositories page shows the last check and, to an admin, a "Check now".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNext } from '../../src/server/ui/index.js';
import { type ApiFixture, apiFixture, readEvents, ROOT_PASSWORD, USER_PASSWORD } from '../server/fixture.js';

let f: ApiFixture;
beforeAll(async () => {
  f = await apiFixture();
});
afterAll(async () => {
  await f?.close();
});

/** Signs in over the API: the Cookie header the browser would send afterwards. */
async function signIn(user: string, password: string): Promise<string> {
  const res = await f.req('/api/login', { method: 'POST', json: { user, password } });
  expect(res.status).toBe(200);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

const PAGES = ['/', '/apps/shop', '/runs/00000000-0000-0000-0000-000000000000', '/repositories'];

describe('without a session', () => {
  it.each(PAGES)('%s redirects to the login page, which sends the user back there', async (path) => {
    const res = await f.req(path, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(path === '/' ? '/login' : `/login?next=${encodeURIComponent(path)}`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
  });

  it('the login page has no inline script and forbids framing', async () => {
    const res = await f.req('/login');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('<form id="login"');
    expect(text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(text).not.toMatch(/\son[a-z]+=/i);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const head = await f.req('/login', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('signed in', () => {
  let alice: string;
  beforeAll(async () => {
    alice = await signIn('alice', USER_PASSWORD);
  });

  it.each(PAGES)('%s is a page naming its browser module, and every module it loads is served', async (path) => {
    const res = await f.req(path, { headers: { cookie: alice } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('Signed in as <strong id="who">alice</strong>');
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    // Follow the modules' own imports too: a missing one would break the page in the browser.
    const seen = new Set<string>();
    const queue = [...scripts];
    while (queue.length) {
      const src = queue.shift()!;
      if (seen.has(src)) continue;
      seen.add(src);
      const js = await f.req(src);
      expect(js.status, src).toBe(200);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      const body = await js.text();
      for (const m of body.matchAll(/^import .* from '\.\/([a-z-]+\.js)';$/gm)) queue.push(`/assets/js/${m[1]}`);
    }
    expect(seen.has('/assets/js/common.js')).toBe(true);
  });

  it('an unknown app is a 404 page; the API keeps its JSON 404', async () => {
    const page = await f.req('/apps/nope', { headers: { cookie: alice } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('There is no app &quot;nope&quot;.');
    const api = await f.req('/api/nope', { headers: { cookie: alice } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('after signing in, /login goes on to a local page only', async () => {
    for (const [next, to] of [
      ['/apps/shop', '/apps/shop'],
      ['//evil.example/x', '/'],
      ['/\\evil.example', '/'],
      ['https://evil.example/', '/'],
    ]) {
      const res = await f.req(`/login?next=${encodeURIComponent(next)}`, {
        headers: { cookie: alice },
        redirect: 'manual',
      });
      expect(res.status, next).toBe(303);
      expect(res.headers.get('location'), next).toBe(to);
    }
    expect(safeNext(undefined)).toBe('/');
    expect(safeNext('/runs/1?x=1')).toBe('/runs/1?x=1');
  });

  it('the repositories page shows each repository, and a check run once there was one; Check now only to an admin', async () => {
    const before = await (await f.req('/repositories', { headers: { cookie: alice } })).text();
    expect(before).toContain('data-repository="main"');
    expect(before).toMatch(/Last check<\/dt>\s*<dd class="last-check">\s*<span class="light missing">never<\/span>/);
    expect(before).not.toContain('Check now');

    const token = await f.token('admin');
    const started = await f.req('/api/repositories/main/check', { method: 'POST', token, json: {} });
    expect(started.status).toBe(202);
    const { run } = (await started.json()) as { run: { id: string } };
    const events = await readEvents(await f.req(`/api/runs/${run.id}/events`, { token }));
    expect(events.at(-1)!.data.outcome).toBe('ok');

    const root = await signIn('root', ROOT_PASSWORD);
    const after = await (await f.req('/repositories', { headers: { cookie: root } })).text();
    expect(after).toContain(`href="/runs/${run.id}"`);
    expect(after).toContain('<span class="badge ok">ok</span>');
    expect(after).toContain('<button type="button" class="check-now" data-repository="main">Check now</button>');
  });
});

describe('assets', () => {
  it('serves uPlot and the style sheet, and nothing outside the fixed list', async () => {
    const uplot = await f.req('/assets/vendor/uPlot.iife.min.js');
    expect(uplot.status).toBe(200);
    expect(await uplot.text()).toContain('uPlot');
    expect((await f.req('/assets/vendor/uPlot.min.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await f.req('/assets/style.css')).status).toBe(200);
    for (const bad of [
      '/assets/js/..%2F..%2F..%2Fpackage.json',
      '/assets/js/common.js.map',
      '/assets/js/serve.js',
      '/assets/vendor/uPlot.cjs.js',
      '/assets/js/Common.js',
    ])
      expect((await f.req(bad)).status, bad).toBe(404);
  });
});
