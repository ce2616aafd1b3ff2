// The HTTP API end to end on a real server and real fetches: a token with the backup scope backs up now (202 with
// a run ID), the run's event stream ends in a summary, and the snapshot is listed; sessions with cookies and CSRF;
// the login rate limit; restores into scratch places and into another app with the typed confirmation; the audit
// trail in the run history; the OpenAPI document.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { type ApiFixture, apiFixture, readEvents, USER_PASSWORD } from './fixture.js';

let f: ApiFixture;
beforeAll(async () => {
  f = await apiFixture();
});
afterAll(async () => {
  await f?.close();
});

async function followRun(token: string, id: string) {
  const res = await f.req(`/api/runs/${id}/events`, { token });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return readEvents(res);
}

async function backupNow(token: string, body: unknown = { note: 'before the deploy' }) {
  const res = await f.req('/api/apps/shop/backup', { method: 'POST', token, json: body });
  expect(res.status).toBe(202);
  const { run } = (await res.json()) as { run: { id: string; state: string; user: string; kind: string } };
  return run;
}

describe('back up now with a token', () => {
  it('202 with a run ID, events that end in a summary, and the snapshot in the listing', async () => {
    const token = await f.token('read', 'backup');
    const run = await backupNow(token);
    expect(run).toMatchObject({ state: 'running', kind: 'backup', user: 'token:t-read-backup' });
    const events = await followRun(token, run.id);
    const last = events.at(-1)!;
    expect(last.event).toBe('summary');
    expect(last.data).toMatchObject({ type: 'summary', run: run.id, outcome: 'ok' });
    expect(events.filter((e) => e.event === 'summary' || e.event === 'error')).toHaveLength(1);
    expect(events.some((e) => e.event === 'phase' && e.data.phase === 'files')).toBe(true);
    const snapshot = last.data.result.snapshot as string;
    expect(snapshot).toMatch(/^[0-9a-f]{64}$/);

    const res = await f.req('/api/apps/shop/snapshots', { token });
    const { snapshots } = (await res.json()) as { snapshots: Record<string, any>[] };
    const s = snapshots.find((x) => x.id === snapshot)!;
    expect(s).toMatchObject({
      app: 'shop',
      periodicity: 'manual',
      trigger: 'on-demand',
      note: 'before the deploy',
      label: 'manual 1',
      incomplete: false,
    });
    expect(s.components.map((c: { kind: string; name: string }) => `${c.kind}:${c.name}`).sort()).toEqual([
      'database:db',
      'files:web',
    ]);
    expect(s.bytes).toBeGreaterThan(0);

    // The run is in the history with who asked for it, and the stream of an ended run is its summary alone.
    const r = (await (await f.req(`/api/runs/${run.id}`, { token })).json()) as Record<string, unknown>;
    expect(r).toMatchObject({
      id: run.id,
      kind: 'backup',
      state: 'ended',
      outcome: 'ok',
      user: 'token:t-read-backup',
      trigger: 'api',
      snapshot,
    });
    const again = await followRun(token, run.id);
    expect(again.map((e) => e.event)).toEqual(['summary']);
    const lines = (await readFile(f.historyPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.id === run.id)).toMatchObject({
      trigger: 'api',
      user: 'token:t-read-backup',
      outcome: 'ok',
    });
  });

  it('labels a daily snapshot by its place among those its policy keeps', async () => {
    const token = await f.token('read', 'backup');
    for (let i = 0; i < 2; i++) {
      const run = await backupNow(token, { periodicity: 'daily' });
      expect((await followRun(token, run.id)).at(-1)!.data.outcome).toBe('ok');
    }
    const { snapshots } = (await (await f.req('/api/apps/shop/snapshots?periodicity=daily', { token })).json()) as {
      snapshots: { label: string; trigger: string }[];
    };
    expect(snapshots.map((s) => s.label)).toEqual(['daily 1/7', 'daily 2/7']);
    expect(snapshots.every((s) => s.trigger === 'scheduled')).toBe(true);
  });

  it('refuses a note on a scheduled periodicity (the CLI rule) with a message naming the field', async () => {
    const res = await f.req('/api/apps/shop/backup', {
      method: 'POST',
      token: await f.token('backup'),
      json: { periodicity: 'daily', note: 'x' },
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toMatch(/note: --note is for on-demand/);
  });

  it('an unknown app is a 404 naming it', async () => {
    const res = await f.req('/api/apps/nope/backup', { method: 'POST', token: await f.token('backup'), json: {} });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no app "nope"/);
  });
});

describe('downloads', () => {
  it("a database's native dump, as its tool reads it, with its SHA-256; a wrong name is a 404", async () => {
    const token = await f.token('restore');
    const res = await f.req('/api/apps/shop/snapshots/latest/dumps/db', { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="shop-db-[0-9a-f]{8}\.sqlite3"$/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(res.headers.get('x-strongbox-sha256'));
    const file = join(f.dir, 'downloaded.sqlite3');
    await writeFile(file, body);
    expect(execFileSync('sqlite3', [file, 'SELECT count(*) FROM orders'], { encoding: 'utf8' })).toBe('2\n');
    expect((await f.req('/api/apps/shop/snapshots/latest/dumps/nope', { token })).status).toBe(404);
    expect((await f.req('/api/apps/shop/snapshots/ffffffff/dumps/db', { token })).status).toBe(404);
    expect((await f.req('/api/apps/shop/snapshots/latest/dumps/db', { token: await f.token('read') })).status).toBe(
      403,
    );
  });

  it('a file tree as a tar that GNU tar extracts, with a manifest of SHA-256s last', async () => {
    const token = await f.token('restore');
    const res = await f.req('/api/apps/shop/snapshots/latest/trees/web', { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    const file = join(f.dir, 'web.tar');
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    const listed = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listed.at(-1)).toBe('strongbox-manifest.json');
    expect(listed).toEqual(expect.arrayContaining(['web/index.html', 'web/media/', 'web/media/logo.svg']));
    const out = join(f.dir, 'untarred');
    await mkdir(out);
    execFileSync('tar', ['-xf', file, '-C', out]);
    expect(await readFile(join(out, 'web', 'media', 'logo.svg'), 'utf8')).toBe('<svg/>\n');
    const manifest = JSON.parse(await readFile(join(out, 'strongbox-manifest.json'), 'utf8')) as {
      app: string;
      component: string;
      entries: { path: string; type: string; sha256?: string; size: number }[];
    };
    expect(manifest).toMatchObject({ app: 'shop', component: 'web' });
    const files = manifest.entries.filter((e) => e.type === 'file');
    expect(files.map((e) => e.path).sort()).toEqual(['web/index.html', 'web/media/logo.svg']);
    for (const e of files)
      expect(
        createHash('sha256')
          .update(await readFile(join(out, e.path)))
          .digest('hex'),
        e.path,
      ).toBe(e.sha256);
    expect((await f.req('/api/apps/shop/snapshots/latest/trees/db', { token })).status).toBe(404);
    // Both downloads are in the run history with who took them (recorded once each stream ended, which the client
    // may see first: read until both are there).
    let downloads: Record<string, any>[] = [];
    for (let i = 0; i < 200 && downloads.length < 2; i++) {
      if (i) await new Promise((r) => setTimeout(r, 10));
      const lines = (await readFile(f.historyPath, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      downloads = lines.filter((l) => l.op === 'download');
    }
    expect(downloads.map((l) => [l.detail.kind, l.detail.component, l.user, l.outcome])).toEqual([
      ['dump', 'db', 'token:t-restore', 'ok'],
      ['tree', 'web', 'token:t-restore', 'ok'],
    ]);
  });
});

describe('apps', () => {
  it('health per periodicity, the next scheduled run and the newest sizes', async () => {
    const { apps } = (await (await f.req('/api/apps', { token: await f.token('read') })).json()) as {
      apps: Record<string, any>[];
    };
    expect(apps.map((a) => a.id)).toEqual(['shop', 'staging']);
    const shop = apps[0];
    const daily = shop.health.find((h: { periodicity: string }) => h.periodicity === 'daily');
    expect(daily).toMatchObject({ scheduled: true, state: 'ok' });
    expect(Date.parse(daily.next)).toBeGreaterThan(Date.parse(daily.newest.time));
    expect(new Date(daily.next).toISOString()).toMatch(/T02:30:00\.000Z$/);
    expect(daily.newest.bytes).toBeGreaterThan(0);
    const weekly = shop.health.find((h: { periodicity: string }) => h.periodicity === 'weekly');
    expect(weekly).toMatchObject({ state: 'missing', newest: null });
    expect(shop.healthy).toBe(false);
  });

  it('an app whose repository cannot be read is shown unhealthy with the reason; the others as they are', async () => {
    const g = await apiFixture({
      more: {
        repositories: { gone: { location: '/nonexistent/strongbox-repo', passwordEnv: 'SB_API_PW' } },
        apps: [{ id: 'blog', repository: 'gone', files: [{ name: 'web', path: '/nonexistent/blog' }] }],
      },
    });
    try {
      const res = await g.req('/api/apps', { token: await g.token('read') });
      expect(res.status).toBe(200);
      const { apps } = (await res.json()) as { apps: { id: string; healthy: boolean; problems: string[] }[] };
      expect(apps.map((a) => a.id)).toEqual(['shop', 'staging', 'blog']);
      expect(apps[2].healthy).toBe(false);
      expect(apps[2].problems[0]).toMatch(/^cannot read repository gone: /);
      expect(apps[0].problems.join()).not.toMatch(/cannot read/);
    } finally {
      await g.close();
    }
  });
});

describe('sessions', () => {
  const cookiesOf = (res: Response) => res.headers.getSetCookie();

  it('a login sets an HttpOnly SameSite=Strict session cookie; unsafe requests need the CSRF token and our Origin', async () => {
    const bad = await f.req('/api/login', { method: 'POST', json: { user: 'alice', password: 'wrong-password' } });
    expect(bad.status).toBe(401);
    const res = await f.req('/api/login', { method: 'POST', json: { user: 'alice', password: USER_PASSWORD } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { name: string; scopes: string[]; csrfToken: string };
    expect(body).toMatchObject({ name: 'alice', scopes: ['read', 'backup', 'restore'] });
    const set = cookiesOf(res);
    const session = set.find((c) => c.startsWith('sb_session='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).toMatch(/; Path=\//);
    expect(set.find((c) => c.startsWith('sb_csrf='))).not.toMatch(/HttpOnly/);
    const cookie = set.map((c) => c.split(';')[0]).join('; ');

    expect((await f.req('/api/me', { headers: { cookie } })).status).toBe(200);
    // A proxy's Basic authentication beside the cookie does not hide the session; a wrong bearer token does.
    expect((await f.req('/api/me', { headers: { cookie, authorization: 'Basic dXNlcjpwdw==' } })).status).toBe(200);
    expect((await f.req('/api/me', { headers: { cookie, authorization: 'Bearer sbx_wrong' } })).status).toBe(401);
    const noToken = await f.req('/api/apps/shop/backup', { method: 'POST', json: {}, headers: { cookie } });
    expect(noToken.status).toBe(403);
    const foreign = await f.req('/api/apps/shop/backup', {
      method: 'POST',
      json: {},
      headers: { cookie, 'x-csrf-token': body.csrfToken, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toMatch(/evil\.example/);
    const ok = await f.req('/api/apps/shop/backup', {
      method: 'POST',
      json: { note: 'from the browser' },
      headers: { cookie, 'x-csrf-token': body.csrfToken, origin: f.base },
    });
    expect(ok.status).toBe(202);
    const { run } = (await ok.json()) as { run: { id: string; user: string } };
    expect(run.user).toBe('alice');
    const events = await readEvents(await f.req(`/api/runs/${run.id}/events`, { headers: { cookie } }));
    expect(events.at(-1)!.data.outcome).toBe('ok');

    // alice has no admin scope; and after logout the cookie opens nothing.
    expect((await f.req('/api/tokens', { headers: { cookie } })).status).toBe(403);
    const out = await f.req('/api/logout', { method: 'POST', headers: { cookie, 'x-csrf-token': body.csrfToken } });
    expect(out.status).toBe(204);
    expect((await f.req('/api/me', { headers: { cookie } })).status).toBe(401);
  });

  it('rate-limits failed logins per user, and lets them in again once the window passed', async () => {
    const clock = fixedClock(Date.parse('2026-05-01T12:00:00Z'));
    const g = await apiFixture({ clock });
    try {
      const login = (password: string) => g.req('/api/login', { method: 'POST', json: { user: 'alice', password } });
      for (let i = 0; i < 5; i++) expect((await login('not-the-password')).status).toBe(401);
      const limited = await login(USER_PASSWORD);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBe(15 * 60);
      clock.advance(15 * 60_000);
      expect((await login(USER_PASSWORD)).status).toBe(200);
      expect(g.log.some((l) => /failed login of alice/.test(l))).toBe(true);
      expect(g.log.join('\n')).not.toContain(USER_PASSWORD);
    } finally {
      await g.close();
    }
  });

  it('behind a trusted proxy, the address limit counts the forwarded client; otherwise the header is ignored', async () => {
    const proxied = await apiFixture({ http: { trustProxy: true } });
    const direct = await apiFixture();
    try {
      const fail = (g: ApiFixture, i: number, client: string) =>
        g.req('/api/login', {
          method: 'POST',
          json: { user: `nobody${i}`, password: 'wrong-password' },
          headers: { 'x-forwarded-for': `203.0.113.9, ${client}` },
        });
      for (let i = 0; i < 20; i++) expect((await fail(proxied, i, '198.51.100.1')).status).toBe(401);
      expect((await fail(proxied, 20, '198.51.100.1')).status).toBe(429);
      expect((await fail(proxied, 21, '198.51.100.2')).status).toBe(401);
      for (let i = 0; i < 20; i++) expect((await fail(direct, i, `198.51.100.${i}`)).status).toBe(401);
      // Without trustProxy every request is the same peer (127.0.0.1), whatever the header says.
      expect((await fail(direct, 20, '198.51.100.99')).status).toBe(429);
    } finally {
      await proxied.close();
      await direct.close();
    }
  });
});

describe('restore', () => {
  it('into the live places only with the typed confirmation', async () => {
    const token = await f.token('restore');
    const res = await f.req('/api/apps/shop/restore', { method: 'POST', token, json: { snapshot: 'latest' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/confirm.*"shop"/);
    const wrong = await f.req('/api/apps/shop/restore', { method: 'POST', token, json: { confirm: 'staging' } });
    expect(wrong.status).toBe(400);
  });

  it('into scratch places needs no confirmation; the files and the database arrive', async () => {
    const token = await f.token('read', 'restore');
    const dir = join(f.dir, 'scratch');
    const db = join(f.dir, 'scratch.db');
    const res = await f.req('/api/apps/shop/restore', { method: 'POST', token, json: { target: { dir, db } } });
    expect(res.status).toBe(202);
    const { run } = (await res.json()) as { run: { id: string } };
    const events = await readEvents(await f.req(`/api/runs/${run.id}/events`, { token }));
    expect(events.at(-1)).toMatchObject({ event: 'summary', data: { outcome: 'ok', result: { op: 'restore' } } });
    expect(await readFile(join(dir, 'web', 'media', 'logo.svg'), 'utf8')).toBe('<svg/>\n');
    expect(execFileSync('sqlite3', [db, 'SELECT item FROM orders ORDER BY id'], { encoding: 'utf8' })).toBe(
      'tea\ncake\n',
    );
  });

  it("into another app: its places, with that app's ID typed", async () => {
    const token = await f.token('read', 'restore');
    const body = { parts: 'files', into: 'staging' };
    const refused = await f.req('/api/apps/shop/restore', {
      method: 'POST',
      token,
      json: { ...body, confirm: 'shop' },
    });
    expect(refused.status).toBe(400);
    const res = await f.req('/api/apps/shop/restore', { method: 'POST', token, json: { ...body, confirm: 'staging' } });
    expect(res.status).toBe(202);
    const { run } = (await res.json()) as { run: { id: string } };
    const events = await readEvents(await f.req(`/api/runs/${run.id}/events`, { token }));
    expect(events.at(-1)!.data).toMatchObject({ type: 'summary', outcome: 'ok' });
    expect(await readFile(join(f.stagingSite, 'index.html'), 'utf8')).toBe('<h1>shop</h1>\n');
    const rec = (await (await f.req(`/api/runs/${run.id}`, { token })).json()) as Record<string, unknown>;
    expect(rec).toMatchObject({ kind: 'restore', app: 'staging', user: 'token:t-read-restore', trigger: 'api' });
  });
});

describe('admin', () => {
  it('check and forget run as audited runs; a check of a part of the data', async () => {
    const token = await f.token('admin');
    const check = await f.req('/api/repositories/main/check', { method: 'POST', token, json: { readData: '1/2' } });
    expect(check.status).toBe(202);
    const c = (await check.json()) as { run: { id: string } };
    const ce = await readEvents(await f.req(`/api/runs/${c.run.id}/events`, { token }));
    expect(ce.at(-1)!.data).toMatchObject({ outcome: 'ok', result: { op: 'check', errors: 0, part: '1/2' } });
    const forget = await f.req('/api/apps/shop/forget', { method: 'POST', token });
    expect(forget.status).toBe(202);
    const fr = (await forget.json()) as { run: { id: string } };
    const fe = await readEvents(await f.req(`/api/runs/${fr.run.id}/events`, { token }));
    expect(fe.at(-1)!.data).toMatchObject({ outcome: 'ok', result: { op: 'forget', removed: 0 } });
    const { runs } = (await (await f.req('/api/runs?limit=2', { token })).json()) as {
      runs: Record<string, unknown>[];
    };
    expect(runs.map((r) => [r.kind, r.user])).toEqual([
      ['forget', 'token:t-admin'],
      ['check', 'token:t-admin'],
    ]);
  });

  it('tokens: made over the API (shown once), listed without secrets, revoked at once', async () => {
    const admin = await f.token('admin');
    const res = await f.req('/api/tokens', {
      method: 'POST',
      token: admin,
      json: { name: 'deploy', scopes: ['backup'] },
    });
    expect(res.status).toBe(201);
    const made = (await res.json()) as { token: string; createdBy: string };
    expect(made.token).toMatch(/^sbx_/);
    expect(made.createdBy).toBe('token:t-admin');
    const list = await (await f.req('/api/tokens', { token: admin })).text();
    expect(list).toContain('"deploy"');
    expect(list).not.toContain(made.token);
    expect(await readFile(join(f.dir, 'strongbox-auth.json'), 'utf8')).not.toContain(made.token);
    expect((await f.req('/api/me', { token: made.token })).status).toBe(200);
    expect((await f.req('/api/tokens/deploy', { method: 'DELETE', token: admin })).status).toBe(204);
    expect((await f.req('/api/me', { token: made.token })).status).toBe(401);
  });
});

it('the OpenAPI 3.1 document describes every route with its schemas', async () => {
  const res = await f.req('/api/openapi.json');
  expect(res.status).toBe(200);
  const doc = (await res.json()) as Record<string, any>;
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.components.schemas)).toEqual(
    expect.arrayContaining(['App', 'Snapshot', 'Run', 'RunStarted', 'RestoreRequest', 'Error']),
  );
  const backup = doc.paths['/api/apps/{app}/backup'].post;
  expect(backup.responses['202']).toBeDefined();
  expect(backup.requestBody.content['application/json'].schema.properties.note.maxLength).toBe(500);
  expect(doc.paths['/api/runs/{id}/events'].get.responses['200'].content['text/event-stream']).toBeDefined();
});
