// The daemon's repository upkeep, through the operations layer: retention (forget) of an app after its backup,
// prune, check (structure, or the next part of the data), a drill, and a sync of the mirrors after a backup, each
// turned into a run-history record.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Clock, monotonicMs } from '../clock.js';
import type { AppConfig, Config } from '../config/schema.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import type { Emit } from '../events.js';
import { HISTORY_VERSION, type HousekeepingRecord } from '../history/journal.js';
import { checkRepo } from '../ops/check.js';
import { drillApp } from '../ops/drill.js';
import { drillVerdict } from '../ops/drill-record.js';
import { withContext } from '../ops/context.js';
import { forget, pruneRepository } from '../ops/forget.js';
import { appRepo, type RepoChoice } from '../ops/target.js';
import { SHARED_LOCK_WAIT_MS } from '../ops/repo.js';
import { syncRepo } from '../ops/sync.js';

export interface HousekeepingEnv {
  cfg: Config;
  choice: RepoChoice;
  clock: Clock;
  signal: AbortSignal;
  /** The record's ID (default a random UUID), who asked (HTTP API), and where the operation's events go. */
  id?: string;
  user?: string;
  emit?: Emit;
}

export type RepoOp =
  | { op: 'forget'; app: AppConfig }
  | { op: 'prune' }
  | { op: 'check'; part?: { n: number; m: number }; percent?: number }
  | { op: 'drill'; app: AppConfig }
  | { op: 'sync' };

/** Runs one upkeep operation on the named repository (a config key) and records how it went. */
export async function runHousekeeping(
  repository: string,
  what: RepoOp,
  trigger: HousekeepingRecord['trigger'],
  slot: number | undefined,
  env: HousekeepingEnv,
): Promise<HousekeepingRecord> {
  const started = env.clock.now();
  const t0 = monotonicMs();
  const base = {
    v: HISTORY_VERSION,
    id: env.id ?? randomUUID(),
    op: what.op,
    repository,
    ...('app' in what ? { app: what.app.id } : {}),
    trigger,
    ...(slot !== undefined ? { slot: new Date(slot).toISOString() } : {}),
    host: hostname(),
    startedAt: new Date(started).toISOString(),
    ...(env.user !== undefined ? { user: env.user } : {}),
  } as const;
  const end = () => ({ endedAt: new Date(env.clock.now()).toISOString(), durationMs: Math.round(monotonicMs() - t0) });
  const app = 'app' in what ? what.app : env.cfg.apps.find((a) => a.repository === repository)!;
  const spec = appRepo(env.choice, env.cfg, app);
  // Waits as a backup does for a lock held by hand (a prune started from the command line), then fails.
  const lockWaitMs = SHARED_LOCK_WAIT_MS;
  try {
    return await withContext(
      { signal: env.signal, clock: env.clock, emit: env.emit },
      async (ctx): Promise<HousekeepingRecord> => {
        if (what.op === 'forget') {
          const r = await forget(spec, { app: what.app.id, apps: [what.app], lockWaitMs }, ctx);
          return { ...base, ...end(), outcome: 'ok', detail: { removed: r.removed.length } };
        }
        if (what.op === 'drill') {
          const r = await drillApp(env.choice, env.cfg, { app: what.app, lockWaitMs }, ctx);
          return { ...base, ...end(), ...drillVerdict(r) };
        }
        if (what.op === 'sync') {
          const r = await syncRepo(spec, { lockWaitMs }, ctx);
          const copied = r.stores.reduce((n, s) => n + Object.values(s.copied).reduce((a, b) => a + b, 0), 0);
          const detail = {
            copied,
            removed: r.stores.reduce((n, s) => n + s.removed, 0),
            bytesCopied: r.stores.reduce((n, s) => n + s.bytesCopied, 0),
          };
          if (r.outcome === 'ok') return { ...base, ...end(), outcome: 'ok', detail };
          const message = `sync of repository ${repository} left ${r.errors.length} object(s) without a good copy:\n${r.errors.slice(0, 5).join('\n')}`;
          return { ...base, ...end(), outcome: 'failed', detail, error: { code: 'INTEGRITY', message } };
        }
        if (what.op === 'prune') {
          const r = await pruneRepository(spec, { lockWaitMs }, ctx);
          return {
            ...base,
            ...end(),
            outcome: 'ok',
            detail: { packsRemoved: r.packsRemoved, packsRepacked: r.packsRepacked, bytesReclaimed: r.bytesReclaimed },
          };
        }
        const readData = what.part
          ? ({ kind: 'part', ...what.part } as const)
          : what.percent !== undefined
            ? ({ kind: 'percent', percent: what.percent } as const)
            : null;
        const r = await checkRepo(spec, { readData, lockWaitMs }, ctx);
        const detail = {
          errors: r.errors.length,
          ...(what.part ? { part: `${what.part.n}/${what.part.m}` } : {}),
          ...(what.percent !== undefined ? { percent: what.percent } : {}),
        };
        if (r.outcome === 'ok') return { ...base, ...end(), outcome: 'ok', detail };
        const first = r.errors.slice(0, 5).join('\n');
        return {
          ...base,
          ...end(),
          outcome: 'failed',
          detail,
          error: {
            code: 'INTEGRITY',
            message: `check of repository ${repository} found ${r.errors.length} error(s):\n${first}`,
          },
        };
      },
    );
  } catch (e) {
    const err = isStrongboxError(e)
      ? e
      : new StrongboxError('INTERNAL', (e as Error)?.message ?? String(e), { cause: e });
    return {
      ...base,
      ...end(),
      outcome: env.signal.aborted || err.code === 'INTERRUPTED' ? 'cancelled' : 'failed',
      error: { code: err.code, message: err.message },
    };
  }
}
