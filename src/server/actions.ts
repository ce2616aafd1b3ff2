// What the API's actions run: a backup, restore, forget, prune, check or drill of the config, through the same
// paths the daemon uses (daemon/runner.ts, daemon/housekeeping.ts), each ending as a run-history record that
// names the user who asked.
import { hostname } from 'node:os';
import type { Only } from '../app/backup.js';
import { type Clock, monotonicMs } from '../clock.js';
import type { AppConfig, Config } from '../config/schema.js';
import { runHousekeeping, type RepoOp } from '../daemon/housekeeping.js';
import { runBackup } from '../daemon/runner.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import { HISTORY_VERSION, type HousekeepingRecord } from '../history/journal.js';
import { withContext } from '../ops/context.js';
import { restoreAppSnapshot } from '../ops/restore-app.js';
import type { RepoChoice } from '../ops/target.js';
import type { Periodicity } from '../repository/snapshot.js';
import type { RunBody } from './runs.js';

export interface ActionEnv {
  cfg: Config;
  choice: RepoChoice;
  clock: Clock;
  id: string;
  user: string;
}

export function backupBody(env: ActionEnv, app: AppConfig, periodicity: Periodicity, note?: string): RunBody {
  return (emit, signal) =>
    runBackup(
      { app, periodicity, trigger: 'api' },
      { cfg: env.cfg, choice: env.choice, clock: env.clock, signal, emit, id: env.id, user: env.user, note },
    );
}

export function housekeepingBody(env: ActionEnv, repository: string, what: RepoOp): RunBody {
  return (emit, signal) =>
    runHousekeeping(repository, what, 'api', undefined, {
      cfg: env.cfg,
      choice: env.choice,
      clock: env.clock,
      signal,
      emit,
      id: env.id,
      user: env.user,
    });
}

export interface RestoreAction {
  /** The app whose snapshot is restored. */
  from: AppConfig;
  /** The app whose places it goes into (`from` itself unless another app was named). */
  into: AppConfig;
  snapshot: string;
  only?: Only;
  components?: string[];
  target?: { dir?: string; db?: string };
  /** The user typed the target app's ID: consent to replace what its places hold. */
  confirmed: boolean;
}

export function restoreBody(env: ActionEnv, r: RestoreAction): RunBody {
  return async (emit, signal) => {
    const started = env.clock.now();
    const t0 = monotonicMs();
    const base = {
      v: HISTORY_VERSION,
      id: env.id,
      op: 'restore',
      repository: r.into.repository,
      app: r.into.id,
      trigger: 'api',
      host: hostname(),
      startedAt: new Date(started).toISOString(),
      user: env.user,
    } as const;
    const end = () => ({
      endedAt: new Date(env.clock.now()).toISOString(),
      durationMs: Math.round(monotonicMs() - t0),
    });
    try {
      const res = await withContext({ signal, clock: env.clock, emit }, (ctx) =>
        restoreAppSnapshot(
          env.choice,
          env.cfg,
          {
            app: r.into,
            ...(r.into.id !== r.from.id ? { fromApp: r.from.id } : {}),
            snapshot: r.snapshot,
            only: r.only,
            components: r.components,
            target: r.target?.dir,
            targetDb: r.target?.db,
            yes: r.confirmed,
          },
          ctx,
        ),
      );
      const detail = {
        snapshot: res.snapshot,
        from: r.from.id,
        components: res.restored.map((c) => c.name).join(','),
        incomplete: res.restored.filter((c) => !c.complete).length,
      };
      if (res.outcome === 'ok') return { ...base, ...end(), outcome: 'ok', detail } satisfies HousekeepingRecord;
      return {
        ...base,
        ...end(),
        outcome: 'failed',
        detail,
        error: { code: 'INCOMPLETE', message: `restore into app ${r.into.id} is incomplete (see the warnings)` },
      } satisfies HousekeepingRecord;
    } catch (e) {
      const err = isStrongboxError(e) ? e : new StrongboxError('INTERNAL', (e as Error)?.message ?? String(e));
      return {
        ...base,
        ...end(),
        outcome: signal.aborted || err.code === 'INTERRUPTED' ? 'cancelled' : 'failed',
        error: { code: err.code, message: err.message },
      } satisfies HousekeepingRecord;
    }
  };
}
