// Copying snapshots to another repository (`strongbox copy --to LOCATION`): the selected snapshots re-encrypted
// under the target's key, storing only the blobs the target lacks; snapshots copied before are skipped.
import { monotonicMs } from '../clock.js';
import { StrongboxError } from '../errors.js';
import { copySnapshots, type CopyStats } from '../repository/copy.js';
import type { Repository } from '../repository/repository.js';
import { matchesFilter, type Periodicity, type SnapshotRef } from '../repository/snapshot.js';
import type { OpContext } from './context.js';
import { type RepoSpec, SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';
import { snapshotFilter } from './snapshots.js';

export interface CopyInput {
  /** The target repository: its location, password source, and (from the config) options and mirrors. */
  to: RepoSpec;
  /** Only this app's snapshots. */
  app?: string;
  periodicity?: Periodicity;
  /** IDs (prefixes) or 'latest'; none: every snapshot the filters select. */
  snapshots: string[];
  lockWaitMs?: number;
}

export interface CopyOpResult extends CopyStats {
  outcome: 'ok';
  from: string;
  to: string;
}

export async function copyRepo(spec: RepoSpec, input: CopyInput, ctx: OpContext): Promise<CopyOpResult> {
  const access = { lock: 'shared' as const, waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS };
  // Shared locks on both: neither may be pruned while blobs are read from one and deduplicated against the other.
  return withRepository(spec, ctx, access, (src) =>
    withRepository(input.to, ctx, access, async (dst) => {
      if (src.config.id === dst.config.id) {
        throw new StrongboxError(
          'USAGE',
          `${input.to.location} is the same repository as ${src.location}; ` +
            "copy needs another one (mirrors are kept in step by 'strongbox sync')",
        );
      }
      const selected = await select(src, input);
      ctx.emit({ type: 'phase', phase: 'copy', state: 'started' });
      const start = monotonicMs();
      const stats = await copySnapshots(src, dst, selected, {
        signal: ctx.signal,
        onProgress: (done, total) =>
          ctx.emit({
            type: 'progress',
            phase: 'copy',
            unit: 'snapshots',
            done,
            total,
            elapsedMs: monotonicMs() - start,
          }),
      });
      ctx.emit({ type: 'phase', phase: 'copy', state: 'finished' });
      return { ...stats, outcome: 'ok', from: src.location, to: dst.location };
    }),
  );
}

/** The snapshots named (each once), or every snapshot the filters select; newest written first. */
async function select(src: Repository, input: CopyInput): Promise<SnapshotRef[]> {
  const filter = snapshotFilter({ app: input.app, periodicity: input.periodicity });
  const accept = (s: SnapshotRef) => matchesFilter(s.snapshot, filter);
  if (!input.snapshots.length) return (await src.snapshots.list()).filter(accept);
  const out = new Map<string, SnapshotRef>();
  for (const ref of input.snapshots) {
    const s = await src.snapshots.resolve(ref, ref === 'latest' ? accept : undefined);
    out.set(s.id, s);
  }
  return [...out.values()];
}
