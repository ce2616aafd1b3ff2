// The benchmark's measurements: full backups into fresh repos, no-change backups, restores (verified against
// the source's tree hash), and repository size; each phase runs every tool in turn, N times.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { restoredRootCandidates, type Contender, type ContenderName } from './contenders.js';
import { capture, diskBytes, run, timed, type Timing } from './tools.js';
import { hashTree, type TreeHash } from './tree-hash.js';

export interface Phase {
  runs: Timing[];
  seconds: number;
  peakRssKb: number;
}
export interface ToolResult {
  full?: Phase;
  noChange?: Phase;
  restore?: Phase;
  repoBytes?: number;
  restoreVerified?: boolean;
  snapshots?: number;
  stats?: unknown;
}
export type Results = Partial<Record<ContenderName, ToolResult>>;

export interface MeasureContext {
  work: string;
  source: string;
  sourceHash: TreeHash;
  runs: number;
  log(line: string): void;
  warn(line: string): void;
}

/** Median seconds and the highest peak RSS over the runs. */
export function summarize(runs: Timing[]): Phase {
  const s = runs.map((r) => r.seconds).sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const seconds = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { runs, seconds, peakRssKb: Math.max(...runs.map((r) => r.peakRssKb)) };
}

const slug = (c: Contender): string => c.name.replace(/\W/g, '-');
const fmt = (t: Timing): string => `${t.seconds.toFixed(2)} s, peak RSS ${(t.peakRssKb / 1024).toFixed(0)} MiB`;

async function phase(
  ctx: MeasureContext,
  name: string,
  tools: Contender[],
  step: (c: Contender, i: number, logFile: string) => Promise<Timing>,
): Promise<Map<Contender, Phase>> {
  const timings = new Map<Contender, Timing[]>(tools.map((c) => [c, []]));
  for (let i = 1; i <= ctx.runs; i++) {
    // rotate the order each run so no tool always follows the same neighbour's writes
    for (const c of tools.map((_, k) => tools[(k + i - 1) % tools.length])) {
      const t = await step(c, i, join(ctx.work, 'logs', `${slug(c)}-${name}-${i}.log`));
      ctx.log(`  ${name} ${i}/${ctx.runs} ${c.name}: ${fmt(t)}`);
      timings.get(c)?.push(t);
    }
  }
  return new Map([...timings].map(([c, runs]) => [c, summarize(runs)]));
}

/** Checks a restored tree against the source; a strongbox mismatch is fatal, a peer's only warned about. */
function verify(ctx: MeasureContext, c: Contender, target: string): boolean {
  const root = restoredRootCandidates(target, ctx.source).find((p) => existsSync(p) && readdirSync(p).length > 0);
  const got = root ? hashTree(root) : undefined;
  const ok = got?.digest === ctx.sourceHash.digest;
  const what = `${c.name} restore into ${target}`;
  if (!ok) {
    const detail = got
      ? `${got.files} files, ${got.bytes} bytes vs source ${ctx.sourceHash.files} files, ${ctx.sourceHash.bytes} bytes`
      : 'nothing restored';
    if (c.name.startsWith('strongbox')) {
      throw new Error(
        `RESTORE MISMATCH: ${what} is not byte-identical to the source (${detail}); both are kept: ` +
          `diff -r ${ctx.source} ${root ?? target} shows where`,
      );
    }
    ctx.warn(`${what} differs from the source (${detail})`);
  } else if (got?.digestWithMtimes !== ctx.sourceHash.digestWithMtimes) {
    ctx.warn(`${what}: contents and modes identical, but file mtimes differ`);
  }
  return ok;
}

function inspect(ctx: MeasureContext, c: Contender, repo: string, r: ToolResult): void {
  try {
    if (c.snapshotsJson) r.snapshots = (JSON.parse(capture(c.snapshotsJson(repo))) as unknown[]).length;
    if (r.snapshots !== undefined && r.snapshots !== 1 + ctx.runs) {
      ctx.warn(`${c.name} snapshots --json lists ${r.snapshots} snapshots, expected ${1 + ctx.runs}`);
    }
    if (c.statsJson) r.stats = JSON.parse(capture(c.statsJson(repo)));
  } catch (e) {
    ctx.warn(`${c.name} snapshots/stats: ${(e as Error).message}`);
  }
}

/**
 * Runs every phase for every contender and returns the medians. Nothing is deleted while measuring: each full
 * backup gets its own new repo and each restore its own new directory, because on ext4 the first writes after a
 * large `rm -rf` can cost several times more, which would bill one tool for another's cleanup.
 */
export async function measure(contenders: Contender[], ctx: MeasureContext): Promise<Results> {
  for (const d of ['logs', 'repos', 'restore']) mkdirSync(join(ctx.work, d), { recursive: true });
  const repo = (c: Contender, i = ctx.runs): string => join(ctx.work, 'repos', `${slug(c)}-${i}`);
  const results: Results = {};
  const resultOf = (c: Contender): ToolResult => (results[c.name] ??= {});
  const snapshotTools = contenders.filter((c) => c.init);
  const restoreTools = contenders.filter((c) => c.restore);

  ctx.log('full backup into a fresh repository:');
  const full = await phase(ctx, 'full', contenders, async (c, i, logFile) => {
    if (c.init) await run(c.init(repo(c, i)), logFile);
    return timed(c.backup(repo(c, i), ctx.source), logFile);
  });
  // A repository in a bucket has no directory here: its size is not measured.
  for (const c of contenders)
    Object.assign(resultOf(c), { full: full.get(c), repoBytes: existsSync(repo(c)) ? diskBytes(repo(c)) : undefined });

  ctx.log('no-change backup into the last of those repositories:');
  const noChange = await phase(ctx, 'nochange', snapshotTools, (c, _i, logFile) =>
    timed(c.backup(repo(c), ctx.source), logFile),
  );

  ctx.log('restore of the latest snapshot into an empty directory:');
  const verified = new Map<Contender, boolean>();
  const restore = await phase(ctx, 'restore', restoreTools, async (c, i, logFile) => {
    const target = join(ctx.work, 'restore', `${slug(c)}-${i}`);
    mkdirSync(target);
    const t = await timed((c.restore as NonNullable<Contender['restore']>)(repo(c), target), logFile);
    if (c.name.startsWith('strongbox') || i === 1) verified.set(c, verify(ctx, c, target) && (verified.get(c) ?? true));
    return t;
  });
  for (const c of restoreTools)
    Object.assign(resultOf(c), { restore: restore.get(c), restoreVerified: verified.get(c) });
  for (const c of snapshotTools) {
    resultOf(c).noChange = noChange.get(c);
    inspect(ctx, c, repo(c), resultOf(c));
  }
  return results;
}
