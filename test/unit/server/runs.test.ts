// The run registry: an ID at once, a late follower gets the phases and warnings so far and the newest progress,
// every follower gets exactly one terminal event, the record goes to the history first, and stop() cancels.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import type { OpEvent } from '../../../src/events.js';
import type { HistoryRecord, RunRecord } from '../../../src/history/journal.js';
import { RunRegistry, type StreamEvent, terminalOf } from '../../../src/server/runs.js';

const record = (id: string, over: Partial<RunRecord> = {}): RunRecord => ({
  v: 1,
  id,
  app: 'shop',
  periodicity: 'manual',
  trigger: 'api',
  host: 'h',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  outcome: 'ok',
  snapshot: 'a'.repeat(64),
  bytes: { total: 10, added: 5, stored: 4 },
  events: { warnings: 0, firstWarnings: [] },
  ...over,
});

const progress = (n: number): OpEvent => ({
  type: 'progress',
  phase: 'dump',
  component: 'db',
  bytesDone: n,
  elapsedMs: n,
});

describe('RunRegistry', () => {
  it('replays phases, warnings and the newest progress to a late follower, then the live events and one summary', async () => {
    const recorded: HistoryRecord[] = [];
    const reg = new RunRegistry(fixedClock(0), async (r) => {
      recorded.push(r);
    });
    let emit!: (e: OpEvent) => void;
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const info = reg.start({ id: 'r1', kind: 'backup', app: 'shop', user: 'alice' }, async (e) => {
      emit = e;
      await gate;
      return record('r1');
    });
    expect(info).toMatchObject({ id: 'r1', state: 'running', user: 'alice' });
    emit({ type: 'phase', phase: 'dump', state: 'started' });
    emit(progress(1));
    emit({ type: 'warning', message: 'w' });
    emit(progress(2));
    const seen: StreamEvent[] = [];
    reg.follow('r1', (e) => seen.push(e));
    expect(seen.map((e) => e.type)).toEqual(['phase', 'warning', 'progress']);
    expect((seen[2] as { bytesDone: number }).bytesDone).toBe(2);
    emit(progress(3));
    finish();
    await reg.idle();
    expect(recorded.map((r) => r.id)).toEqual(['r1']);
    expect(seen.map((e) => e.type)).toEqual(['phase', 'warning', 'progress', 'progress', 'summary']);
    expect(reg.get('r1')).toMatchObject({ state: 'ended', outcome: 'ok' });
    const after: StreamEvent[] = [];
    reg.follow('r1', (e) => after.push(e));
    expect(after).toEqual([seen.at(-1)]);
    expect(reg.follow('nope', () => {})).toBeUndefined();
  });

  it('stop() aborts the running runs and waits for their records', async () => {
    const recorded: HistoryRecord[] = [];
    const reg = new RunRegistry(fixedClock(0), async (r) => {
      recorded.push(r);
    });
    reg.start(
      { id: 'r2', kind: 'backup', user: 'u' },
      (_e, signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => resolve(record('r2', { outcome: 'cancelled' }))),
        ),
    );
    await reg.stop(new Error('stopping'));
    expect(recorded.map((r) => r.outcome)).toEqual(['cancelled']);
    expect(reg.get('r2')?.outcome).toBe('cancelled');
  });
});

describe('terminalOf', () => {
  it('a saved backup is a summary with its snapshot and bytes; incomplete keeps its reason', () => {
    expect(terminalOf(record('a'))).toEqual({
      type: 'summary',
      run: 'a',
      outcome: 'ok',
      result: { snapshot: 'a'.repeat(64), periodicity: 'manual', total: 10, added: 5, stored: 4, warnings: 0 },
    });
    const inc = terminalOf(record('b', { outcome: 'incomplete', error: { code: 'INCOMPLETE', message: 'm' } }));
    expect(inc).toMatchObject({ type: 'summary', outcome: 'incomplete', result: { error: { code: 'INCOMPLETE' } } });
  });

  it('a failed or cancelled run is an error event with its code', () => {
    const e = terminalOf(
      record('c', { outcome: 'failed', snapshot: undefined, error: { code: 'SOURCE', message: 'x' } }),
    );
    expect(e).toEqual({ type: 'error', run: 'c', outcome: 'failed', code: 'SOURCE', message: 'x' });
  });
});
