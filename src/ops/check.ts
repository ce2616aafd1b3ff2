// Verification of a repository: its structure, and with a data subset, the content of the chosen packs.
import { checkRepository, type CheckResult, type DataSubset } from '../repository/check.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import type { OpContext } from './context.js';
import { type RepoSpec, SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';

export interface CheckInput {
  /** null: structure only. */
  readData: DataSubset | null;
  lockWaitMs?: number;
}

export interface StoreCheckResult extends CheckResult {
  outcome: 'ok' | 'errors';
  location: string;
}

export interface CheckOpResult extends CheckResult {
  /** `errors` when anything failed verification (on any store). */
  outcome: 'ok' | 'errors';
  location: string;
  /**
   * A repository with mirrors: each store checked by itself, primary first. The top-level counts are the
   * primary's; `errors` and `notes` hold every store's, each prefixed with its store.
   */
  stores?: StoreCheckResult[];
}

export async function checkRepo(spec: RepoSpec, input: CheckInput, ctx: OpContext): Promise<CheckOpResult> {
  // A shared lock: objects a running prune deletes would otherwise show up as false errors.
  return withRepository(
    spec,
    ctx,
    { lock: 'shared', waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS, index: false },
    async (repo) => {
      ctx.emit({ type: 'phase', phase: 'check', state: 'started' });
      if (repo.stores.length < 2) {
        const r = await checkRepository(repo, input.readData);
        ctx.emit({ type: 'phase', phase: 'check', state: 'finished' });
        return { ...r, outcome: r.errors.length ? 'errors' : 'ok', location: repo.location };
      }
      const stores: StoreCheckResult[] = [];
      for (const store of repo.stores) {
        try {
          const r = await checkRepository(repo.onStore(store), input.readData);
          stores.push({ ...r, outcome: r.errors.length ? 'errors' : 'ok', location: store.location });
        } catch (e) {
          // A store that does not answer is that store's error; the others are still checked.
          if (!isStrongboxError(e, 'BACKEND')) throw e;
          const errors = [`the store does not answer: ${e.message}`];
          const none = { notes: [], snapshots: 0, trees: 0, packs: 0, packsRead: 0, blobsRead: 0 };
          stores.push({ ...none, errors, outcome: 'errors', location: store.location });
        }
      }
      ctx.emit({ type: 'phase', phase: 'check', state: 'finished' });
      const prefixed = (pick: (s: StoreCheckResult) => string[]) =>
        stores.flatMap((s) => pick(s).map((m) => `${s.location}: ${m}`));
      const errors = prefixed((s) => s.errors);
      const outcome = errors.length ? ('errors' as const) : ('ok' as const);
      return { ...stores[0], errors, notes: prefixed((s) => s.notes), outcome, location: repo.location, stores };
    },
  );
}

/** "10%" or "n/m" as a data subset. */
export function parseSubset(s: string): DataSubset {
  let m = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (m && Number(m[1]) > 0 && Number(m[1]) <= 100) return { kind: 'percent', percent: Number(m[1]) };
  m = /^(\d+)\/(\d+)$/.exec(s);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2])) return { kind: 'part', n: Number(m[1]), m: Number(m[2]) };
  throw new StrongboxError('USAGE', `--read-data-subset ${s}: give a percentage (10%) or a part n/m (1/5)`);
}
