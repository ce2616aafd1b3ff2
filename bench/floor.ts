// The floor section (issue 9): where a speed target is out of reach, the physical limit behind it. Times each step of
// strongbox's pipeline on the webroot's bytes on one core, and sets the resulting CPU floor beside the targets.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  computeFloors,
  floorsMarkdown,
  floorVerdicts,
  stepsMarkdown,
  verdictsMarkdown,
  type FloorVerdict,
  type Floors,
  type StepTiming,
} from './floor-report.js';
import { timeSteps } from './floor-steps.js';
import { generateWebroot } from './generate-webroot.js';
import type { Row } from './report.js';
import { hashTree, walkTree } from './tree-hash.js';

export const FLOOR_ROUNDS = 3;

export interface FloorOptions {
  work: string;
  sizeMb: number;
  seed: string;
  keep: boolean;
  /** The files section's rows when it ran in this run (its webroot is then left at work/webroot for this section). */
  filesRows?: Row[];
  log(line: string): void;
}

export interface FloorResult {
  source: { dir: string; files: number; bytes: number; generated: boolean };
  rounds: number;
  steps: StepTiming[];
  floors: Floors;
  /** Where the peer medians came from: this run's files section, an earlier run's results.json, or nowhere. */
  compared: string | null;
  verdicts: FloorVerdict[];
}

/** The files section's webroot if it is still there, else a fresh one of the same size and seed. */
function sourceDir(o: FloorOptions): { dir: string; generated: boolean } {
  const shared = join(o.work, 'webroot');
  if (o.filesRows && existsSync(shared)) return { dir: shared, generated: false };
  const dir = join(o.work, 'floor-webroot');
  rmSync(dir, { recursive: true, force: true });
  const t = performance.now();
  const plan = generateWebroot(dir, { seed: o.seed, sizeMb: o.sizeMb });
  o.log(`generated ${dir}: ${plan.files.length} files in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { dir, generated: true };
}

/**
 * The rows of an earlier run's results.json (still in `work` when only this section runs), but only if that run
 * measured this very tree: same tree digest. Otherwise its medians would be set against other bytes.
 */
function earlierRows(o: FloorOptions, dir: string): { rows: Row[]; date: string } | null {
  const file = join(o.work, 'results.json');
  if (!existsSync(file)) return null;
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as {
    date?: string;
    rows?: Row[];
    source?: { digest?: string };
  };
  if (!earlier.rows || !earlier.source?.digest) return null;
  if (hashTree(dir).digest !== earlier.source.digest) {
    o.log(`floor: ${file} measured another tree (size or seed differ); no comparison with its medians`);
    return null;
  }
  return { rows: earlier.rows, date: earlier.date ?? '?' };
}

export async function floorSection(o: FloorOptions): Promise<{ md: string; json: FloorResult }> {
  const { dir, generated } = sourceDir(o);
  const paths = walkTree(dir).filter((e) => e.type === 'file');
  const files = paths.map((e) => readFileSync(join(dir, e.path)));
  const bytes = files.reduce((n, f) => n + f.length, 0);
  const cores = availableParallelism();
  o.log(
    `floor: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB in memory; best of ${FLOOR_ROUNDS} rounds a step`,
  );
  const steps = timeSteps(files, FLOOR_ROUNDS);
  const floors = computeFloors(steps, bytes, cores);

  let compared: string | null = null;
  let rows = o.filesRows;
  if (rows) compared = 'the files section of this run';
  else {
    const earlier = earlierRows(o, dir);
    if (earlier) [rows, compared] = [earlier.rows, `the files section of an earlier run (${earlier.date})`];
  }
  const verdicts = rows ? floorVerdicts(floors, rows) : [];
  // The files section leaves its webroot for this section; either way the tree is not needed any more.
  if (!o.keep) rmSync(dir, { recursive: true, force: true });

  const context =
    `${files.length} files, ${(bytes / 1e6).toFixed(1)} MB of the webroot (seed ${o.seed}), read into memory first;` +
    ` one thread, best of ${FLOOR_ROUNDS} rounds; floor = one core's time / ${cores} cores (availableParallelism),` +
    ' ignoring walking, packing, writing, threads and startup';
  const comparison = rows
    ? `Medians from ${compared}:\n\n${verdictsMarkdown(verdicts)}`
    : 'No file-section medians to compare with (run the files section in the same run: BENCH_SECTIONS=files,floor).\n';
  const md = `${context}\n\n${stepsMarkdown(steps, bytes)}\n${floorsMarkdown(floors)}\n\n${comparison}`;
  return {
    md,
    json: {
      source: { dir, files: files.length, bytes, generated },
      rounds: FLOOR_ROUNDS,
      steps,
      floors,
      compared,
      verdicts,
    },
  };
}
