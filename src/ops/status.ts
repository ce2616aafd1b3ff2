// Backup health per app and periodicity: the newest snapshot and whether it is overdue (what a monitoring
// system asks). Apps that share a repository read its snapshot list once.
import type { AppConfig, Config } from '../config/schema.js';
import type { SnapshotRef } from '../repository/snapshot.js';
import { type StoreHealth, storeHealth } from '../repository/stores.js';
import { type AppStatus, appStatus } from '../status/status.js';
import { storageWarning } from '../status/storage.js';
import type { OpContext } from './context.js';
import { withRepository } from './repo.js';
import { appRepo, type RepoChoice } from './target.js';

/** A repository with mirrors: how each of its stores compares with the others. */
export interface RepositoryStores {
  location: string;
  stores: StoreHealth[];
  /** One line per store that is behind or does not answer. */
  problems: string[];
}

export interface StatusResult {
  /**
   * `unhealthy` when a scheduled periodicity is overdue or missing, a newest snapshot is incomplete, or a store of
   * a mirrored repository is behind (degraded: it missed writes) or does not answer.
   */
  outcome: 'ok' | 'unhealthy';
  apps: AppStatus[];
  /** Repositories whose store names a size to stay under (git): what they hold, and that size. */
  storage: { location: string; bytes: number; warnBytes: number }[];
  /** Only repositories with mirrors. */
  repositories: RepositoryStores[];
}

export async function status(
  choice: RepoChoice,
  cfg: Config,
  apps: AppConfig[],
  ctx: OpContext,
): Promise<StatusResult> {
  const lists = new Map<string, SnapshotRef[]>();
  const result: AppStatus[] = [];
  const storage: StatusResult['storage'] = [];
  const repositories: RepositoryStores[] = [];
  for (const app of apps) {
    const spec = appRepo(choice, cfg, app);
    let list = lists.get(spec.location);
    if (!list) {
      list = await withRepository(spec, ctx, { lock: 'none' }, async (repo) => {
        const use = await repo.storageUse();
        if (use !== undefined) {
          storage.push({ location: repo.location, ...use });
          const warning = storageWarning(repo.location, use.bytes, use.warnBytes);
          if (warning !== undefined) ctx.emit({ type: 'warning', message: warning });
        }
        if (repo.stores.length > 1) repositories.push(describeStores(repo.location, await storeHealth(repo)));
        return repo.snapshots.list();
      });
      lists.set(spec.location, list);
    }
    result.push(appStatus(app, list, ctx.clock.now()));
  }
  const healthy = result.every((a) => a.healthy) && repositories.every((r) => !r.problems.length);
  return { outcome: healthy ? 'ok' : 'unhealthy', apps: result, storage, repositories };
}

const NOUNS: Record<string, [string, string]> = {
  data: ['pack', 'packs'],
  index: ['index', 'indexes'],
  key: ['key', 'keys'],
  snapshot: ['snapshot', 'snapshots'],
};

function describeStores(location: string, stores: StoreHealth[]): RepositoryStores {
  const problems: string[] = [];
  for (const s of stores) {
    const role = s === stores[0] ? 'primary' : 'mirror';
    const which = `repository ${location}: ${role} ${s.location}`;
    if (s.state === 'unreachable') problems.push(`${which} does not answer (${s.reason})`);
    if (s.state !== 'behind') continue;
    const what = Object.entries(s.missing)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${n} ${NOUNS[t][n > 1 ? 1 : 0]}`);
    const ids = s.missingSnapshots.map((id) => id.slice(0, 8)).join(', ');
    problems.push(
      `${which} is degraded: it lacks ${what.join(', ')}${ids ? ` (snapshots ${ids})` : ''}; run 'strongbox sync'`,
    );
  }
  return { location, stores, problems };
}
