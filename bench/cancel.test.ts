// The cancel section's verdict: every target of issue 8 at once, and a table that says which one failed.
// Pure functions, so these run in milliseconds with hand-made rows.
import { describe, expect, it } from 'vitest';
import { type CancelRow, cancelMarkdown, cancelMet } from './cancel.js';

const row = (over: Partial<CancelRow> = {}): Omit<CancelRow, 'met'> => ({
  case: 'tree',
  signal: 'SIGINT',
  bytesAtSignal: 5e6,
  stopMs: 400,
  exit: 130,
  snapshots: 0,
  checkExit: 0,
  checkNotes: [],
  childrenAtSignal: [],
  leftovers: [],
  ...over,
});

describe('cancelMet', () => {
  it('holds when the backup stopped in time, cleanly and without leftovers', () => {
    expect(cancelMet(row())).toBe(true);
    expect(cancelMet(row({ stopMs: 2000, hookTold: 'failure', checkNotes: ['pack p is not in any index'] }))).toBe(
      true,
    );
  });

  it.each<[string, Partial<CancelRow>]>([
    ['too slow', { stopMs: 2001 }],
    ['another exit status', { exit: 0 }],
    ['a snapshot written', { snapshots: 1 }],
    ['check failed', { checkExit: 1 }],
    ['the hook told success', { hookTold: 'success' }],
    ['the hook not run', { hookTold: '(not run)' }],
    ['a leftover', { leftovers: ['repo temp data/.tmp-1'] }],
    ['never signalled', { stopMs: null, problem: 'the backup ended before it could be signalled' }],
  ])('fails when %s', (_, over) => {
    expect(cancelMet(row(over))).toBe(false);
  });
});

describe('cancelMarkdown', () => {
  it('names unreferenced packs and leftovers, and marks a miss', () => {
    const r = row({
      stopMs: 2500,
      checkNotes: ['pack p is not in any index (unreferenced data)'],
      leftovers: ['lock l'],
    });
    expect(cancelMarkdown([{ ...r, met: cancelMet(r) }]).split('\n')[2]).toBe(
      '| tree | SIGINT | 5 | 2500 | 130 | 0 | exit 0 (1 unreferenced pack) | — | lock l | **NO** |',
    );
  });
});
