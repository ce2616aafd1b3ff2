// Restore of an application's snapshot into it (or, named explicitly, another app's snapshot): its databases and
// file trees, each into its configured place or the target given.
import type { Only } from '../app/backup.js';
import { restoreApp, restoreAppParts, type RestoredComponent } from '../app/restore.js';
import type { AppConfig, Config } from '../config/schema.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import type { Periodicity, Snapshot } from '../repository/snapshot.js';
import type { OpContext } from './context.js';
import { SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';
import { resolveRef } from './snapshots.js';
import { appRepo, type RepoChoice } from './target.js';

export interface AppRestoreInput {
  app: AppConfig;
  snapshot: string;
  /** 'latest' means the latest snapshot of this other app (whose snapshot then goes into `app`). */
  fromApp?: string;
  periodicity?: Periodicity;
  only?: Only;
  components?: string[];
  /** File trees go to DIR/<name> instead of their configured paths. */
  target?: string;
  /** A database name, URL or SQLite path to restore the database into. */
  targetDb?: string;
  /** Another bucket and prefix (s3:…) for the one bucket component selected. */
  toBucket?: string;
  /** Delete objects below a bucket's prefix that the snapshot lacks. */
  deleteExtraneous?: boolean;
  /** Consent to replace what targets hold. */
  yes?: boolean;
  /** Asks the user (interactive terminals only); absent, a target that holds data is refused. */
  confirm?: (question: string) => Promise<boolean>;
  verify?: boolean;
  /** Stop at the first file or dump that cannot be restored (an INTEGRITY error). */
  failFast?: boolean;
  lockWaitMs?: number;
}

export interface AppRestoreResult {
  /** 'incomplete': some component is not `complete` (its `failed` says what was left out); the others were restored. */
  outcome: 'ok' | 'incomplete';
  /** The snapshot restored (with `combined`, the one the databases came from). */
  snapshot: string;
  /**
   * 'latest' of an app no single snapshot holds whole (its parts are backed up on different machines): the newest
   * snapshot holding its databases and the newest holding its file trees, restored together.
   */
  combined?: { db: string; files: string };
  app: string;
  restored: RestoredComponent[];
  /** With mirrors: what a mirror served because the primary lacked it or held a damaged copy (also warned). */
  fallbacks?: string[];
}

export async function restoreAppSnapshot(
  choice: RepoChoice,
  cfg: Config,
  input: AppRestoreInput,
  ctx: OpContext,
): Promise<AppRestoreResult> {
  const { app } = input;
  return withRepository(
    appRepo(choice, cfg, app),
    ctx,
    { lock: 'shared', waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS },
    async (repo) => {
      const from = input.fromApp ?? app.id;
      const sourceApp = cfg.apps.find((a) => a.id === from);
      const restoreOpts = {
        only: input.only,
        components: input.components,
        target: input.target,
        targetDb: input.targetDb,
        toBucket: input.toBucket,
        deleteExtraneous: input.deleteExtraneous,
        yes: input.yes,
        verify: input.verify,
        failFast: input.failFast,
        confirm: input.confirm,
        scope: ctx.scope,
        emit: ctx.emit,
      };
      const q = { app: from, periodicity: input.periodicity };
      const snap = await resolveRef(repo, input.snapshot, {
        ...q,
        has: (s) => holdsWhatIsTaken(s, input, sourceApp),
      }).catch(async (e: unknown) => {
        // No snapshot holds the whole app: its databases and file trees are backed up apart (apps[].only on two machines).
        const whole =
          input.snapshot === 'latest' &&
          !input.only &&
          !input.components?.length &&
          !!sourceApp?.databases.length &&
          (!!sourceApp.files.length || !!sourceApp.buckets?.length);
        if (!whole || !isStrongboxError(e, 'NOT_FOUND')) throw e;
        const db = await resolveRef(repo, 'latest', {
          ...q,
          has: (s) => s.components.some((c) => c.kind === 'database'),
        });
        const files = await resolveRef(repo, 'latest', {
          ...q,
          has: (s) => s.components.some((c) => c.kind === 'files' || c.kind === 'bucket'),
        });
        ctx.emit({
          type: 'phase',
          phase: 'plan',
          state: 'finished',
          message: `no snapshot holds the whole app ${from}: restoring the databases of snapshot ${db.id.slice(0, 8)} (${db.snapshot.time}) and the file trees of snapshot ${files.id.slice(0, 8)} (${files.snapshot.time})`,
        });
        return { db, files };
      });
      if ('db' in snap) {
        const restored = await restoreAppParts(
          repo,
          [
            { snap: snap.db, only: 'db' },
            { snap: snap.files, only: 'files' },
          ],
          app,
          restoreOpts,
        );
        return {
          outcome: restored.every((r) => r.complete) ? 'ok' : 'incomplete',
          snapshot: snap.db.id,
          combined: { db: snap.db.id, files: snap.files.id },
          app: app.id,
          restored,
        };
      }
      // Another app's snapshot goes into this one only when asked for by name (fromApp).
      if (snap.snapshot.app !== undefined && snap.snapshot.app !== from) {
        throw new StrongboxError(
          'USAGE',
          `snapshot ${snap.id.slice(0, 8)} belongs to app ${snap.snapshot.app}, not ${from}; to restore it into app ${app.id}, pass --from-app ${snap.snapshot.app}`,
        );
      }
      const restored = await restoreApp(repo, snap, app, restoreOpts);
      return {
        outcome: restored.every((r) => r.complete) ? 'ok' : 'incomplete',
        snapshot: snap.id,
        app: app.id,
        restored,
        ...(repo.fallbacks.length ? { fallbacks: [...repo.fallbacks] } : {}),
      };
    },
  );
}

/**
 * What 'latest' must hold: a `backup --only db` is no one's latest file trees, and with neither `only` nor
 * components, a partial backup is no one's latest app.
 */
function holdsWhatIsTaken(s: Snapshot, input: AppRestoreInput, sourceApp: AppConfig | undefined): boolean {
  if (input.components?.length) return input.components.every((n) => s.components.some((c) => c.name === n));
  const kinds = new Set(s.components.map((c) => c.kind));
  const wantDb = input.only !== 'files' && (input.only === 'db' || !!sourceApp?.databases.length);
  const wantFiles =
    input.only !== 'db' && (input.only === 'files' || !!sourceApp?.files.length || !!sourceApp?.buckets?.length);
  return (!wantDb || kinds.has('database')) && (!wantFiles || kinds.has('files') || kinds.has('bucket'));
}
