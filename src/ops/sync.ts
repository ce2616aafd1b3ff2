// Bringing the mirrors of a repository up to date (`strongbox sync`): copy what a store lacks from a copy that
// verifies, drop what prune dropped from the primary, and with `repair` rewrite damaged copies from good ones.
import { monotonicMs } from '../clock.js';
import { StrongboxError } from '../errors.js';
import { initializeStores, type SyncResult, syncStores } from '../repository/sync.js';
import type { OpContext } from './context.js';
import { type RepoSpec, withRepository } from './repo.js';

export interface SyncInput {
  /** Read every object on every store and rewrite the copies that fail verification. */
  repair?: boolean;
  /** How long to wait for the exclusive lock (ms; default 0). */
  lockWaitMs?: number;
}

export interface SyncOpResult extends SyncResult {
  /** `errors`: some object has no good copy on any store (named in `errors`). */
  outcome: 'ok' | 'errors';
  location: string;
}

export async function syncRepo(spec: RepoSpec, input: SyncInput, ctx: OpContext): Promise<SyncOpResult> {
  if (!spec.mirrors?.length) {
    throw new StrongboxError(
      'USAGE',
      `the repository at ${spec.location} has no mirrors: ` +
        "list them under 'mirrors:' of the repository in strongbox.yaml",
    );
  }
  let fresh: Awaited<ReturnType<typeof initializeStores>> = [];
  // Exclusive: sync removes objects, and what it copies must not be pruned under it.
  const access = {
    lock: 'exclusive' as const,
    waitMs: input.lockWaitMs ?? 0,
    index: false,
    beforeLock: async (repo: Parameters<typeof initializeStores>[0]) => {
      fresh = await initializeStores(repo);
    },
  };
  return withRepository(spec, ctx, access, async (repo) => {
    ctx.emit({ type: 'phase', phase: 'sync', state: 'started' });
    const start = monotonicMs();
    const r = await syncStores(repo, fresh, {
      repair: input.repair,
      signal: ctx.signal,
      onProgress: (done, total) =>
        ctx.emit({
          type: 'progress',
          phase: 'sync',
          unit: 'objects',
          done,
          total,
          elapsedMs: monotonicMs() - start,
        }),
    });
    ctx.emit({ type: 'phase', phase: 'sync', state: 'finished' });
    return { ...r, outcome: r.errors.length ? 'errors' : 'ok', location: repo.location };
  });
}
