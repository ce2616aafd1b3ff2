// The benchmark's verdicts: medians over runs, ratios against the right peer, and "n/a" when strongbox was not run.
// Pure functions, so these run in milliseconds with hand-made results.
import { describe, expect, it } from 'vitest';
import { summarize, type Phase, type Results } from './measure.js';
import { buildRows, toMarkdown } from './report.js';

const phase = (...seconds: number[]): Phase => summarize(seconds.map((s) => ({ seconds: s, peakRssKb: 1024 * s })));

describe('summarize', () => {
  it('reports the median time and the highest peak RSS', () => {
    expect(phase(3, 1, 2)).toMatchObject({ seconds: 2, peakRssKb: 3072 });
    expect(phase(4, 1, 2, 3).seconds).toBe(2.5);
  });
});

describe('buildRows', () => {
  const peers: Results = {
    restic: { full: phase(10), noChange: phase(2), restore: phase(8), repoBytes: 100 * 2 ** 20 },
    'tar+zstd': { full: phase(4), restore: phase(3), repoBytes: 98 * 2 ** 20 },
  };

  it('checks full backup against both restic and tar+zstd', () => {
    const rows = buildRows({ ...peers, strongbox: { full: phase(5) } }).filter((r) => r.measure === 'full backup (s)');
    expect(rows.map((r) => [r.target?.versus, r.ratio, r.met])).toEqual([
      ['restic', 0.5, true],
      ['tar+zstd', 1.25, true],
    ]);
  });

  it('fails a target that is missed and leaves unmeasured ones undecided', () => {
    const rows = buildRows({ ...peers, strongbox: { noChange: phase(1), repoBytes: 110 * 2 ** 20 } });
    expect(rows.find((r) => r.measure === 'no-change backup (s)')).toMatchObject({ ratio: 0.5, met: false });
    expect(rows.find((r) => r.measure === 'repository size (MiB)')?.met).toBe(false);
    expect(rows.find((r) => r.measure === 'restore (s)')?.met).toBeUndefined();
  });

  it('renders peers-only results with n/a verdicts', () => {
    const md = toMarkdown(buildRows(peers));
    expect(md).toContain('| full backup (s) | — | 10.0 | 4.00 | — | ≤ 0.5× restic | n/a |');
    expect(md).not.toContain('**NO**');
  });
});
