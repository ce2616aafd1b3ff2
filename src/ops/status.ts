// Backup health per app and periodicity: the newest snapshot and whether it is overdue (what a monitoring
// system asks). Apps that share a repository read its snapshot list once.
import type { AppConfig, Config } from '../config/schema.js';
import type { SnapshotRef } from '../repository/snapshot.js';
import { type AppStatus, appStatus } from '../status/status.js';
import { storageWarning } from '../status/storage.js';
import type { OpContext } from './context.js';
import { withRepository } from './repo.js';
import { appRepo, type RepoChoice } from './target.js';

export interface StatusResult {
  /** `unhealthy` when a scheduled periodicity is overdue or missing, or a newest snapshot is incomplete. */
  outcome: 'ok' | 'unhealthy';
  apps: AppStatus[];
  /** Repositories whose store names a size to stay under (git): what they hold, and that size. */
  storage: { location: string; bytes: number; warnBytes: number }[];
}

export async function status(choice: RepoChoice, cfg: Config, apps: AppConfig[], ctx: OpContext): Promise<StatusResult> {
  const lists = new Map<string, SnapshotRef[]>();
  const result: AppStatus[] = [];
  const storage: StatusResult['storage'] = [];
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
        return repo.listSnapshots();
      });
      lists.set(spec.location, list);
    }
    result.push(appStatus(app, list, ctx.clock.now()));
  }
  return { outcome: result.every((a) => a.healthy) ? 'ok' : 'unhealthy', apps: result, storage };
}
