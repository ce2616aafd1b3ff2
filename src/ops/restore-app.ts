// Restore of an application's snapshot into it (or, named explicitly, another app's snapshot): its databases and
// file trees, each into its configured place or the target given.
import type { Only } from '../app/backup.js';
import { restoreApp, restoreAppParts, type RestoredComponent } from '../app/restore.js';
import type { AppConfig, Config } from '../config/schema.js';
import { StrongboxError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import { matchesFilter, type Periodicity, type Snapshot, type SnapshotRef } from '../repository/snapshot.js';
import type { OpContext } from './context.js';
import { SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';
import { resolveRef, snapshotFilter } from './snapshots.js';
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
   * 'latest' of an app whose parts are backed up on different machines (see chooseSnapshot): the newest snapshot
   * holding its databases and the newest holding its file trees, restored together.
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
      const snap = await chooseSnapshot(repo, input, sourceApp, ctx);
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

type Chosen = SnapshotRef | { db: SnapshotRef; files: SnapshotRef };

/**
 * The snapshot (or the two) to restore. For 'latest' of a whole app whose databases and file trees are also backed
 * up apart (apps[].only on two machines): the newest snapshot holding its databases and the newest holding its file
 * trees, when no snapshot holds the whole app or both were written after the newest that does (the app was split
 * since, or that one was an old manual backup). One part alone written after it (a manual `backup --only db`
 * after a full daily) leaves the whole-app snapshot the latest.
 */
async function chooseSnapshot(
  repo: Repository,
  input: AppRestoreInput,
  sourceApp: AppConfig | undefined,
  ctx: OpContext,
): Promise<Chosen> {
  const from = input.fromApp ?? input.app.id;
  const q = { app: from, periodicity: input.periodicity };
  const whole =
    input.snapshot === 'latest' &&
    !input.only &&
    !input.components?.length &&
    !!sourceApp?.databases.length &&
    (!!sourceApp.files.length || !!sourceApp.buckets?.length);
  if (!whole) return resolveRef(repo, input.snapshot, { ...q, has: (s) => holdsWhatIsTaken(s, input, sourceApp) });
  const filter = snapshotFilter(q);
  const mine = (await repo.snapshots.list()).filter((s) => matchesFilter(s.snapshot, filter));
  const newest = (has: (s: Snapshot) => boolean) => repo.snapshots.newestWritten(mine.filter((s) => has(s.snapshot)));
  const all = newest((s) => holdsWhatIsTaken(s, input, sourceApp));
  // Each is the newest of a set that holds `all`, so it is `all` itself or was written after it.
  const db = newest((s) => s.components.some((c) => c.kind === 'database'));
  const files = newest((s) => s.components.some((c) => c.kind === 'files' || c.kind === 'bucket'));
  if (!db || !files) throw new StrongboxError('NOT_FOUND', `no snapshot in ${repo.location} matches 'latest'`);
  if (all && (db.id === all.id || files.id === all.id)) return all;
  const why = all
    ? `both parts of app ${from} were backed up after its newest whole-app snapshot ${all.id.slice(0, 8)} (${all.snapshot.time})`
    : `no snapshot holds the whole app ${from}`;
  ctx.emit({
    type: 'phase',
    phase: 'plan',
    state: 'finished',
    message: `${why}: restoring the databases of snapshot ${db.id.slice(0, 8)} (${db.snapshot.time}) and the file trees of snapshot ${files.id.slice(0, 8)} (${files.snapshot.time})`,
  });
  return { db, files };
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
