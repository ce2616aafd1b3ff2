// The floor section's arithmetic: one core's best time spread over all cores, set against each target of the files
// section, with hand-made timings so every figure can be checked by hand.
import { describe, expect, it } from 'vitest';
import { computeFloors, floorVerdicts, mbPerSecond, verdictsMarkdown, type StepTiming } from './floor-report.js';
import { buildRows } from './report.js';
import { summarize, type Phase } from './measure.js';

const step = (key: StepTiming['key'], ...roundsMs: number[]): StepTiming => ({
  key,
  label: key,
  inputBytes: 400e6,
  roundsMs,
});
const STEPS = [
  step('chunk', 500, 400, 450),
  step('pipeline', 2500, 2000, 2200),
  step('open', 900, 800, 1000),
  step('verify', 300, 400, 350),
  step('zstd1', 600, 700, 650),
];
const phase = (seconds: number): Phase => summarize([{ seconds, peakRssKb: 1 }]);

describe('computeFloors', () => {
  it('divides the best round of each path by the cores', () => {
    const f = computeFloors(STEPS, 400e6, 4);
    expect(f.pipelineSeconds).toBe(2);
    expect(f.backupSeconds).toBe(0.5);
    expect(f.restoreSeconds).toBe(0.2);
    expect(f.restoreVerifySeconds).toBeCloseTo(0.275);
    expect(f.zstd1Seconds).toBeCloseTo(0.15);
  });

  it('refuses to compute a floor without the pipeline', () => {
    expect(() =>
      computeFloors(
        STEPS.filter((s) => s.key !== 'pipeline'),
        400e6,
        2,
      ),
    ).toThrow(/pipeline/);
  });

  it('counts MB as 1e6 bytes', () => {
    expect(mbPerSecond(400e6, 2000)).toBe(200);
  });
});

describe('floorVerdicts', () => {
  // floors on 2 cores: backup 1.0 s, restore 0.4 s
  const floors = computeFloors(STEPS, 400e6, 2);
  const rows = buildRows({
    strongbox: { full: phase(4.5), restore: phase(5) },
    restic: { full: phase(4), restore: phase(3) },
    'tar+zstd': { full: phase(1.2), restore: phase(2) },
  });

  it('sets each full-backup and restore target against the floor of its own path', () => {
    const v = floorVerdicts(floors, rows);
    expect(v.map((x) => [x.measure, x.versus, x.targetSeconds, x.floorSeconds, x.floorExceedsTarget])).toEqual([
      ['full backup', 'restic', 2, 1, false],
      ['full backup', 'tar+zstd', 1.3 * 1.2, 1, false],
      ['restore', 'restic', 1.5, 0.4, false],
    ]);
    expect(v[0].strongboxSeconds).toBe(4.5);
  });

  it('says NO when even the floor is slower than the target', () => {
    const v = floorVerdicts(computeFloors(STEPS, 400e6, 1), rows);
    expect(v.map((x) => x.floorExceedsTarget)).toEqual([false, true, false]);
    expect(verdictsMarkdown(v)).toContain('| full backup ≤ 1.3× tar+zstd | 1.20 s | 1.56 s | 4.50 s | 2.00 s | **NO**');
  });

  it('skips a target whose peer was not measured', () => {
    const peerless = buildRows({ strongbox: { full: phase(4.5) }, restic: { full: phase(4) } });
    expect(floorVerdicts(floors, peerless).map((x) => x.versus)).toEqual(['restic']);
  });
});
