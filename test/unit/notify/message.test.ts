// What a notification says: the event, app, periodicity, the error's code and first lines; credentials an error
// might quote are blanked; the signature is HMAC-SHA256 of the exact body.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signature } from '../../../src/notify/channels.js';
import { notificationText, overdueNotification, runNotification, scrub } from '../../../src/notify/message.js';
import type { RunRecord } from '../../../src/history/journal.js';

const run = (o: Partial<RunRecord> = {}): RunRecord => ({
  v: 1,
  id: 'r1',
  app: 'shop',
  periodicity: 'daily',
  trigger: 'schedule',
  host: 'web-1',
  startedAt: '2026-03-04T02:30:00.000Z',
  endedAt: '2026-03-04T02:31:00.000Z',
  durationMs: 60_000,
  outcome: 'ok',
  events: { warnings: 0, firstWarnings: [] },
  ...o,
});

describe('notifications', () => {
  it('a failure names the app, periodicity, outcome and the first five lines of the error', () => {
    const message = Array.from({ length: 8 }, (_, i) => `line ${i + 1}`).join('\n');
    const n = runNotification(
      'failure',
      run({ outcome: 'failed', error: { code: 'SOURCE', message } }),
      Date.parse('2026-03-04T02:31:01Z'),
    );
    expect(n).toMatchObject({
      event: 'failure',
      app: 'shop',
      periodicity: 'daily',
      host: 'web-1',
      time: '2026-03-04T02:31:01.000Z',
      summary: 'daily backup of shop failed: line 1',
    });
    expect(n.error).toEqual({ code: 'SOURCE', lines: ['line 1', 'line 2', 'line 3', 'line 4', 'line 5'] });
    const t = notificationText(n);
    expect(t.subject).toBe('[strongbox] shop daily: failure');
    expect(t.body).toContain('error (SOURCE):\n  line 1\n');
    expect(t.body).not.toContain('line 6');
  });

  it('an incomplete or hook-failed run is a failure that says how it ended; a recovery names the snapshot', () => {
    expect(
      runNotification('failure', run({ outcome: 'incomplete', error: { code: 'INCOMPLETE', message: '2 path(s)' } }), 0)
        .summary,
    ).toBe('daily backup of shop ended incomplete: 2 path(s)');
    expect(runNotification('recovery', run({ snapshot: 'ab'.repeat(32) }), 0).summary).toBe(
      'daily backup of shop succeeded again (snapshot abababab)',
    );
  });

  it('an overdue periodicity says how old the newest snapshot is, or that there is none', () => {
    const o = overdueNotification(
      { app: 'shop', periodicity: 'daily', host: 'h', newest: null, ageMs: null, allowedMs: 30 * 3_600_000 },
      0,
    );
    expect(o.summary).toBe('daily backup of shop is overdue: the newest has no snapshot yet (allowed 30 h)');
    expect(o.overdue).toEqual({ newest: null, ageSeconds: null, allowedSeconds: 108_000 });
  });

  it('blanks credentials in URLs and password/token/secret values an error might quote', () => {
    expect(scrub('connect to postgres://shop:hunter2@db:5432/shop failed')).toBe(
      'connect to postgres://shop:***@db:5432/shop failed',
    );
    expect(scrub('password=hunter2 token: abc123 secret="x y" API_KEY=k1')).toBe(
      'password=*** token: *** secret=*** API_KEY=***',
    );
    expect(scrub('nothing secret here')).toBe('nothing secret here');
  });

  it('signs the exact body with HMAC-SHA256 under the secret, hex, prefixed sha256=', () => {
    const body = '{"event":"failure"}';
    expect(signature('k', body)).toBe(`sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`);
    expect(signature('k', `${body} `)).not.toBe(signature('k', body));
  });
});
