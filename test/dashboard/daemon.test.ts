// The dashboard on the daemon's one listener (`daemon.http`): its pages and assets beside the API, /healthz and
// /metrics, which it leaves alone.
import { afterEach, expect, it } from 'vitest';
import { daemonFixture, type Fixture } from '../daemon/fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.cleanup();
  f = undefined;
});

it('serves the login page, the assets and the redirect to it beside /healthz, /metrics and the API', async () => {
  f = await daemonFixture(Date.parse('2026-03-01T10:00:00Z'), { periodicities: ['daily'] });
  await f.writeConfig({}, { http: { listen: '127.0.0.1:0' }, metrics: {} });
  const d = await f.start();
  try {
    await d.idle();
    const base = `http://${d.metricsAddress}`;
    const login = await fetch(`${base}/login`);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await login.text()).toContain('<form id="login"');
    const home = await fetch(`${base}/`, { redirect: 'manual' });
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/login');
    expect((await fetch(`${base}/assets/js/login.js`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/strongbox_runs_total/);
    expect((await fetch(`${base}/api/apps`)).status).toBe(401);
  } finally {
    expect(await d.shutdown('SIGTERM')).toBeNull();
  }
});
