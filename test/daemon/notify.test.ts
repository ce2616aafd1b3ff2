// Notifications and metrics of the daemon, received by real local servers: a failing database triggers a signed
// webhook (retried after a 503), an e-mail over STARTTLS with login, a fail ping and a command; the recovery is
// notified once; an overdue periodicity once; /metrics is scraped and parsed, /healthz answers; a notification
// that cannot be delivered is logged and the backup still succeeds. No secret appears in anything sent.
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readRuns } from '../../src/history/journal.js';
import { httpReceiver, type HttpReceiver, smtpReceiver, type SmtpReceiver } from '../support/receivers.js';
import { daemonFixture, type Fixture } from './fixture.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const SECRETS = {
  SB_HOOK_SECRET: 'whsec-7f3a9c1e-do-not-leak',
  SB_SMTP_PW: 'smtp-pw-b81d-do-not-leak',
  SB_DAEMON_PW: 'daemon-test',
};
Object.assign(process.env, SECRETS);

/** Prometheus text format → { 'name{a="x",b="y"}': value } (labels in the order given). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

const noSecret = (text: string) => Object.values(SECRETS).every((s) => !text.includes(s));

describe('notifications of a failing, then recovering, then overdue daily backup', () => {
  let f: Fixture;
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  let db: string;

  beforeAll(async () => {
    http = await httpReceiver();
    smtp = await smtpReceiver('strongbox', SECRETS.SB_SMTP_PW);
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), { periodicities: ['daily'] });
    db = join(f.dir, 'shop.db');
    await f.writeConfig(
      {},
      {
        notify: {
          webhooks: [{ url: `${http.url}/hook`, secretEnv: 'SB_HOOK_SECRET', retries: 2 }],
          email: {
            host: '127.0.0.1',
            port: smtp.port,
            tls: 'starttls',
            rejectUnauthorized: false,
            user: 'strongbox',
            passwordEnv: 'SB_SMTP_PW',
            from: 'strongbox@example.test',
            to: ['ops@example.test'],
          },
          pings: [{ url: `${http.url}/ping/abc` }],
          commands: [{ run: `cat > '${f.dir}/cmd-'"$STRONGBOX_EVENT".json; env > '${f.dir}/cmd-env.txt'` }],
        },
        metrics: { listen: '127.0.0.1:0' },
      },
    );
  });
  afterAll(async () => {
    await http?.close();
    await smtp?.close();
    await f?.cleanup();
  });

  const hooks = () => http.requests.filter((r) => r.path === '/hook');
  const pings = () => http.requests.filter((r) => r.path.startsWith('/ping/')).map((r) => `${r.method} ${r.path}`);

  it('a failed run: a signed webhook (retried after a 503), an e-mail, a fail ping and the command, none with a secret', async () => {
    await rename(db, `${db}.away`); // the database is gone: the dump fails
    http.failNext(1, 503, '/hook');
    const d = await f.start({ notifyBackoffMs: 10 });
    await d.idle();
    expect(f.runs.map((r) => `${r.trigger} ${r.outcome} ${r.error?.code}`)).toEqual(['catch-up failed SOURCE']);

    expect(hooks()).toHaveLength(2);
    const [first, second] = hooks();
    expect(second.body).toBe(first.body);
    const expected = `sha256=${createHmac('sha256', SECRETS.SB_HOOK_SECRET).update(second.body).digest('hex')}`;
    expect(second.headers['x-strongbox-signature']).toBe(expected);
    expect(second.headers['content-type']).toBe('application/json');
    expect(second.headers['x-strongbox-event']).toBe('failure');
    const n = JSON.parse(second.body);
    expect(n).toMatchObject({
      event: 'failure',
      app: 'shop',
      periodicity: 'daily',
      run: { trigger: 'catch-up', outcome: 'failed' },
      error: { code: 'SOURCE' },
    });
    expect(n.error.lines[0]).toMatch(/database file .*shop\.db does not exist/);
    expect(n.summary).toMatch(/^daily backup of shop failed: /);

    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]).toMatchObject({
      from: 'strongbox@example.test',
      to: ['ops@example.test'],
      user: 'strongbox',
      secure: true,
    });
    expect(smtp.mails[0].data).toMatch(/^Subject: \[strongbox\] shop daily: failure$/m);
    expect(smtp.mails[0].data).toMatch(/does not exist/);

    expect(pings()).toEqual(['POST /ping/abc/start', 'POST /ping/abc/fail']);
    expect(JSON.parse(await readFile(join(f.dir, 'cmd-failure.json'), 'utf8'))).toMatchObject({
      event: 'failure',
      app: 'shop',
    });
    const env = await readFile(join(f.dir, 'cmd-env.txt'), 'utf8');
    expect(env).toContain('STRONGBOX_EVENT=failure');

    const sent = [
      ...http.requests.map((r) => r.body),
      ...smtp.mails.map((m) => m.data),
      env,
      await readFile(join(f.dir, 'cmd-failure.json'), 'utf8'),
    ];
    expect(sent.every(noSecret)).toBe(true);
    expect(noSecret(f.lines.join('\n'))).toBe(true);

    // The recovery: the database is back; the next slot's run succeeds and is notified once.
    await rename(`${db}.away`, db);
    await f.advance(d, at('2026-03-05T03:00:00Z'), 30 * 60_000);
    expect(f.runs.map((r) => r.outcome)).toEqual(['failed', 'ok']);
    expect(hooks()).toHaveLength(3);
    expect(JSON.parse(hooks()[2].body)).toMatchObject({
      event: 'recovery',
      app: 'shop',
      periodicity: 'daily',
      run: { outcome: 'ok' },
    });
    expect(hooks()[2].headers['x-strongbox-signature']).toBe(
      `sha256=${createHmac('sha256', SECRETS.SB_HOOK_SECRET).update(hooks()[2].body).digest('hex')}`,
    );
    expect(smtp.mails.map((m) => /^Subject: (.*)$/m.exec(m.data)![1])).toEqual([
      '[strongbox] shop daily: failure',
      '[strongbox] shop daily: recovery',
    ]);
    expect(existsSync(join(f.dir, 'cmd-recovery.json'))).toBe(true);

    // Another good run: pings, but no notification (the recovery was told once; success is not asked for).
    await f.advance(d, at('2026-03-06T03:00:00Z'), 30 * 60_000);
    expect(f.runs.map((r) => r.outcome)).toEqual(['failed', 'ok', 'ok']);
    expect(hooks()).toHaveLength(3);
    expect(smtp.mails).toHaveLength(2);
    expect(pings()).toEqual([
      'POST /ping/abc/start',
      'POST /ping/abc/fail',
      'POST /ping/abc/start',
      'POST /ping/abc',
      'POST /ping/abc/start',
      'POST /ping/abc',
    ]);

    // /metrics, scraped and parsed; /healthz.
    const base = `http://${d.metricsAddress}`;
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(await res.text());
    const l = 'app="shop",periodicity="daily"';
    expect(m.get(`strongbox_runs_total{${l},outcome="failed"}`)).toBe(1);
    expect(m.get(`strongbox_runs_total{${l},outcome="ok"}`)).toBe(2);
    expect(m.get(`strongbox_last_success_timestamp_seconds{${l}}`)).toBe(at('2026-03-06T02:30:00Z') / 1000);
    expect(m.get(`strongbox_last_run_added_bytes{${l}}`)).toBeGreaterThanOrEqual(0);
    expect(m.get(`strongbox_last_run_duration_seconds{${l}}`)).toBeGreaterThan(0);
    expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({
      status: 'ok',
      jobs: 1,
      running: 0,
      waiting: 0,
    });
    expect((await fetch(`${base}/nope`)).status).toBe(404);

    // Overdue: two days later with nothing run (the daemon was not looking), notified once, and the metric says so.
    f.clock.set(at('2026-03-08T00:00:00Z'));
    await d.checkOverdue();
    await d.idle();
    expect(hooks()).toHaveLength(4);
    const o = JSON.parse(hooks()[3].body);
    expect(o).toMatchObject({
      event: 'overdue',
      app: 'shop',
      periodicity: 'daily',
      overdue: { newest: '2026-03-06T02:30:00.000Z', allowedSeconds: 30 * 3600 },
    });
    expect(o.summary).toBe('daily backup of shop is overdue: the newest is 46 h old (allowed 30 h)');
    await d.checkOverdue();
    await d.idle();
    expect(hooks()).toHaveLength(4);
    const after = parseMetrics(await (await fetch(`${base}/metrics`)).text());
    expect(after.get(`strongbox_overdue{${l}}`)).toBe(1);
    expect(after.get('strongbox_repository_size_bytes{repository="main"}')).toBeGreaterThan(0);
    expect(await d.shutdown('SIGTERM')).toBeNull();
  });
});

describe('a notification that cannot be delivered', () => {
  let f: Fixture | undefined;
  afterEach(async () => f?.cleanup());

  it("is logged with the receiver's origin only, and the backup still succeeds", async () => {
    const gone = await httpReceiver();
    await gone.close();
    f = await daemonFixture(at('2026-03-04T06:00:00Z'), { periodicities: ['daily'] });
    await f.writeConfig(
      {},
      { notify: { on: ['success'], webhooks: [{ url: `${gone.url}/secret-token-path`, retries: 1 }] } },
    );
    const d = await f.start({ notifyBackoffMs: 10 });
    await d.idle();
    expect(f.runs.map((r) => r.outcome)).toEqual(['ok']);
    expect((await readRuns(f.historyPath)).runs[0].outcome).toBe('ok');
    const warn = f.lines.find((l) => l.includes('notification via webhook'))!;
    expect(warn).toMatch(
      new RegExp(
        `WARN +notification via webhook ${gone.url.replace(/\./g, '\\.')} failed \\(the backup is not affected\\): POST ${gone.url.replace(/\./g, '\\.')} failed: `,
      ),
    );
    expect(f.lines.join('\n')).not.toContain('secret-token-path');
  });

  it('a recovery after a restart is still told: the failure is remembered from the run history', async () => {
    const http = await httpReceiver();
    try {
      f = await daemonFixture(at('2026-03-04T06:00:00Z'), { periodicities: ['daily'] });
      const db = join(f.dir, 'shop.db');
      await f.writeConfig({}, { notify: { webhooks: [{ url: `${http.url}/hook` }] } });
      await rename(db, `${db}.away`);
      await (await f.start()).idle();
      await rename(`${db}.away`, db);
      f.clock.advance(DAY);
      await (await f.start()).idle();
      expect(f.runs.map((r) => r.outcome)).toEqual(['failed', 'ok']);
      expect(http.requests.map((r) => JSON.parse(r.body).event)).toEqual(['failure', 'recovery']);
    } finally {
      await http.close();
    }
  });
});
