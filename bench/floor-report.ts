// The floor section's arithmetic: per-step throughputs, the CPU floor they imply on this machine's cores, and
// whether even that floor fits under each speed target. Pure, so the verdicts are tested with hand-made numbers.
import type { Row } from './report.js';

export type StepKey = 'chunk' | 'id' | 'compress' | 'seal' | 'pipeline' | 'open' | 'verify' | 'zstd1';

export interface StepTiming {
  key: StepKey;
  label: string;
  /** Bytes the step itself consumed (compressed bytes for seal, sealed bytes for open). */
  inputBytes: number;
  /** Milliseconds of each round; the best is reported. */
  roundsMs: number[];
}

export interface Floors {
  cores: number;
  sourceBytes: number;
  /** One core's time for the whole per-chunk pipeline (chunk, ID, compress, seal), seconds. */
  pipelineSeconds: number;
  /** Backup: pipeline time over all cores. */
  backupSeconds: number;
  /** Restore as benchmarked (`restore latest`, no --verify): decrypt + decompress over all cores. */
  restoreSeconds: number;
  /** Restore with --verify: the same plus the HMAC of every blob. */
  restoreVerifySeconds: number;
  /** zstd level 1 alone over all cores: what tar | zstd -1 -T0 pays in compression. */
  zstd1Seconds: number;
}

export interface FloorVerdict {
  measure: 'full backup' | 'restore';
  versus: string;
  max: number;
  /** The peer's median and strongbox's median from the files section, seconds. */
  peerSeconds: number;
  strongboxSeconds?: number;
  targetSeconds: number;
  floorSeconds: number;
  /** True when even the CPU floor is slower than the target: no tuning of the rest reaches it on these cores. */
  floorExceedsTarget: boolean;
}

export const bestMs = (t: StepTiming): number => Math.min(...t.roundsMs);
/** MB (1e6 bytes) per second. */
export const mbPerSecond = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

function stepMs(steps: StepTiming[], key: StepKey): number {
  const s = steps.find((x) => x.key === key);
  if (!s) throw new Error(`floor: no timing for step ${key}`);
  return bestMs(s);
}

/** T / C for each path: one core's best time spread perfectly over `cores` (walking, packing, I/O ignored). */
export function computeFloors(steps: StepTiming[], sourceBytes: number, cores: number): Floors {
  const perCore = (ms: number): number => ms / 1000 / cores;
  const pipeline = stepMs(steps, 'pipeline');
  const open = stepMs(steps, 'open');
  return {
    cores,
    sourceBytes,
    pipelineSeconds: pipeline / 1000,
    backupSeconds: perCore(pipeline),
    restoreSeconds: perCore(open),
    restoreVerifySeconds: perCore(open + stepMs(steps, 'verify')),
    zstd1Seconds: perCore(stepMs(steps, 'zstd1')),
  };
}

/** The files section's full-backup and restore targets, each set against the floor of the same path. */
export function floorVerdicts(floors: Floors, rows: Row[]): FloorVerdict[] {
  const paths = [
    { measure: 'full backup' as const, row: 'full backup (s)', floor: floors.backupSeconds },
    { measure: 'restore' as const, row: 'restore (s)', floor: floors.restoreSeconds },
  ];
  const out: FloorVerdict[] = [];
  for (const p of paths) {
    for (const r of rows.filter((x) => x.measure === p.row && x.target)) {
      const peerSeconds = r.values[r.target!.versus];
      if (peerSeconds === undefined) continue;
      const targetSeconds = r.target!.max * peerSeconds;
      out.push({
        measure: p.measure,
        versus: r.target!.versus,
        max: r.target!.max,
        peerSeconds,
        strongboxSeconds: r.values.strongbox,
        targetSeconds,
        floorSeconds: p.floor,
        floorExceedsTarget: p.floor > targetSeconds,
      });
    }
  }
  return out;
}

const s2 = (v: number): string => `${v.toFixed(2)} s`;

export function stepsMarkdown(steps: StepTiming[], sourceBytes: number): string {
  const lines = [
    '| step | input (MB) | best (ms) | MB/s of its input | MB/s of source bytes |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const s of steps) {
    const ms = bestMs(s);
    lines.push(
      `| ${s.label} | ${(s.inputBytes / 1e6).toFixed(1)} | ${ms.toFixed(0)} | ${mbPerSecond(s.inputBytes, ms).toFixed(0)} |` +
        ` ${mbPerSecond(sourceBytes, ms).toFixed(0)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

export function floorsMarkdown(f: Floors): string {
  const mb = (f.sourceBytes / 1e6).toFixed(1);
  return [
    `| CPU floor on ${f.cores} cores (${mb} MB) | seconds |`,
    '|---|---:|',
    `| strongbox full backup: pipeline ${s2(f.pipelineSeconds)} on one core / ${f.cores} | ${s2(f.backupSeconds)} |`,
    `| strongbox restore (decrypt + decompress) | ${s2(f.restoreSeconds)} |`,
    `| strongbox restore --verify (+ HMAC) | ${s2(f.restoreVerifySeconds)} |`,
    `| tar \\| zstd -1 -T0 (compression alone) | ${s2(f.zstd1Seconds)} |`,
  ].join('\n');
}

export function verdictsMarkdown(verdicts: FloorVerdict[]): string {
  const lines = [
    '| target | peer median | target time | strongbox median | CPU floor | floor within target? |',
    '|---|---:|---:|---:|---:|---|',
  ];
  for (const v of verdicts) {
    const ours = v.strongboxSeconds === undefined ? '—' : s2(v.strongboxSeconds);
    const verdict = v.floorExceedsTarget
      ? `**NO**: the floor alone is ${(v.floorSeconds / v.targetSeconds).toFixed(2)}× the target`
      : `yes (${((100 * v.floorSeconds) / v.targetSeconds).toFixed(0)} % of it)`;
    lines.push(
      `| ${v.measure} ≤ ${v.max}× ${v.versus} | ${s2(v.peerSeconds)} | ${s2(v.targetSeconds)} | ${ours} |` +
        ` ${s2(v.floorSeconds)} | ${verdict} |`,
    );
  }
  return lines.join('\n') + '\n';
}
