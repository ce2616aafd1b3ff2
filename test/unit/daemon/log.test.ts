// The daemon's log lines: text (time, level, message, key=value fields, quoted when needed) and JSON lines.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { jsonLog, textLog } from '../../../src/daemon/log.js';

describe('daemon log', () => {
  const clock = fixedClock(Date.parse('2026-03-04T02:30:00Z'));

  it('text: one line, fields after the message, values with spaces quoted, debug only when asked', () => {
    const lines: string[] = [];
    const log = textLog((l) => lines.push(l), clock);
    log.info('backup saved', { app: 'shop', note: 'two words', none: undefined });
    log.debug('hidden');
    expect(lines).toEqual(['2026-03-04T02:30:00.000Z INFO  backup saved  app=shop note="two words"']);
  });

  it('json: one object per line with level, time, msg and the fields', () => {
    const lines: string[] = [];
    const log = jsonLog((l) => lines.push(l), clock);
    log.warn('overdue', { app: 'shop', ageMs: 5 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      level: 'warn',
      time: '2026-03-04T02:30:00.000Z',
      msg: 'overdue',
      app: 'shop',
      ageMs: 5,
    });
  });
});
