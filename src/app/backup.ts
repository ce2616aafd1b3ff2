// Backup of an application: its before hooks, each database as a dump stream, each file tree, then one
// snapshot holding every component, then its after hooks (always). A failed dump fails the whole backup
// and writes no snapshot; unreadable files make the snapshot incomplete, as for a plain backup.
import { lstatSync, realpathSync } from 'node:fs';
import { archivePaths, newPool, summarize } from '../archiver/archiver.js';
import type { Counters } from '../archiver/progress.js';
import { recordSnapshots, type RecordedSnapshots } from '../archiver/record.js';
import { monotonicMs } from '../clock.js';
import type { AppConfig, BucketConfig, FilesConfig } from '../config/schema.js';
import { type Emit, ignoreEvents } from '../events.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import { Packer } from '../repository/packer.js';
import type { Repository } from '../repository/repository.js';
import {
  bucketComponents,
  type Component,
  type DatabaseComponent,
  filesComponents,
  type Periodicity,
  samePaths,
  type SnapshotRef,
} from '../repository/snapshot.js';
import { SealPool } from '../repository/seal-pool.js';
import { saveStream } from '../repository/stream.js';
import { openSource } from '../sources/index.js';
import { archiveBucket } from '../sources/bucket/archive.js';
import { bucketDisplay, bucketLabel, bucketOptions, openBucketSource } from '../sources/bucket/index.js';
import { abortError, type Scope, throwIfAborted } from '../util/scope.js';
import { embeddedDatabaseExcludes } from './embedded.js';
import { type HookEnv, INTERRUPT_HOOK_SECONDS, runAllHooks, runHooks } from './hooks.js';

export type Only = 'db' | 'files';

export interface AppBackupOptions {
  only?: Only;
  /** Default "manual" (on demand); "all" records one snapshot per time-based periodicity. */
  periodicity?: Periodicity | 'all';
  note?: string;
  tags?: string[];
  host?: string;
  /** Record the snapshot at this time (ms since epoch) instead of now. */
  time?: number;
  threads?: number;
  /** The operation this backup is: its signal cancels it, its tools and temporary files belong to it. */
  scope: Scope;
  emit?: Emit;
}

export interface AppBackupResult extends RecordedSnapshots {
  parent: string | null;
  /** Set when the snapshot was saved but an after hook failed. */
  afterHookError?: StrongboxError;
}

/** The environment variables holding the app's database passwords: kept from hooks unless a hook names them. */
export function hookWithheld(app: AppConfig): string[] {
  const names = app.databases.flatMap((d) => ('passwordEnv' in d && d.passwordEnv ? [d.passwordEnv] : []));
  return [...new Set(names)].filter((n) => !app.hooks.env.includes(n));
}

export async function backupApp(repo: Repository, app: AppConfig, opts: AppBackupOptions): Promise<AppBackupResult> {
  const emit = opts.emit ?? ignoreEvents;
  const { signal } = opts.scope;
  for (const f of app.files) {
    for (const o of f.offloaded)
      emit({
        type: 'warning',
        app: app.id,
        path: `${f.path}/${o}`,
        message: `app ${app.id}, files ${f.name}: offloaded to a cloud bucket, NOT in this backup`,
      });
  }
  checkTrees(app, opts.only === 'db' ? [] : app.files);
  // A bucket's options are checked before any hook runs too (its requests are made when its turn comes).
  for (const b of opts.only === 'db' ? [] : (app.buckets ?? [])) bucketOptions(b, bucketLabel(app.id, b.name));
  const hook = (phase: HookEnv['phase'], outcome?: HookEnv['outcome']): HookEnv => ({
    app: app.id,
    phase,
    outcome,
    timeoutSeconds: app.hooks.timeoutSeconds,
    withhold: hookWithheld(app),
    scope: opts.scope,
  });
  let result: AppBackupResult | undefined;
  let failure: unknown = null;
  const { before, after } = app.hooks;
  try {
    // A failing before hook aborts the backup, but the after hooks still run: an earlier before hook may
    // have put the site into maintenance mode.
    if (before.length) {
      emit({ type: 'phase', phase: 'hooks-before', state: 'started', app: app.id });
      await runHooks(before, hook('before'));
      emit({
        type: 'phase',
        phase: 'hooks-before',
        state: 'finished',
        app: app.id,
        message: `before hooks ran (${before.length})`,
      });
    }
    throwIfAborted(signal);
    result = await snapshotApp(repo, app, opts, emit);
  } catch (e) {
    failure = signal.aborted ? abortError(signal) : e;
  }
  if (after.length) {
    // Cancelled (SIGINT, SIGTERM: a service stop, a shutdown), the after hooks still run, told failure, each
    // within INTERRUPT_HOOK_SECONDS: a before hook may have put the site into maintenance mode.
    const h = hook('after', result ? 'success' : 'failure');
    if (signal.aborted) h.timeoutSeconds = Math.min(h.timeoutSeconds, INTERRUPT_HOOK_SECONDS);
    emit({ type: 'phase', phase: 'hooks-after', state: 'started', app: app.id });
    try {
      await runAllHooks(after, h);
      emit({
        type: 'phase',
        phase: 'hooks-after',
        state: 'finished',
        app: app.id,
        message: `after hooks ran (${after.length})`,
      });
    } catch (e) {
      const err = isStrongboxError(e) ? e : new StrongboxError('HOOK', String(e));
      // The backup's own failure is the one to report; the hook's is not lost.
      if (result) result.afterHookError = err;
      else emit({ type: 'warning', app: app.id, message: err.message });
    }
  }
  if (failure) throw failure;
  return result!;
}

/**
 * Checked before any hook runs (a backup that cannot be taken must not put the site into maintenance mode):
 * every file tree to back up exists and is not a symbolic link.
 */
function checkTrees(app: AppConfig, trees: AppConfig['files']): void {
  for (const f of trees) {
    let st;
    try {
      st = lstatSync(f.path);
    } catch (e) {
      throw new StrongboxError(
        'USAGE',
        `app ${app.id}, files ${f.name}: cannot back up ${f.path}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    // A tree's root that is a symlink (a `current -> releases/42` deploy) would be backed up as the link
    // alone: a snapshot that looks complete and holds no files. Refused, saying what to configure instead.
    if (st.isSymbolicLink()) {
      let to = '';
      try {
        to = ` (to ${realpathSync(f.path)})`;
      } catch {
        // a dangling link: say so without a target
      }
      throw new StrongboxError(
        'USAGE',
        `app ${app.id}, files ${f.name}: ${f.path} is a symbolic link${to}, which would be backed up as the link ` +
          'alone, without the files; set path to a real directory (with a releases layout, the directory that holds the releases or the shared data)',
      );
    }
  }
}

async function snapshotApp(
  repo: Repository,
  app: AppConfig,
  opts: AppBackupOptions,
  emit: Emit,
): Promise<AppBackupResult> {
  const packer = new Packer(repo);
  try {
    return await snapshotWith(packer, repo, app, opts, emit);
  } finally {
    // Failed or cancelled, the packs being saved are waited for: none is left half written.
    await packer.abandon();
  }
}

async function snapshotWith(
  packer: Packer,
  repo: Repository,
  app: AppConfig,
  opts: AppBackupOptions,
  emit: Emit,
): Promise<AppBackupResult> {
  const t0 = monotonicMs();
  const { signal } = opts.scope;
  const dbs = opts.only === 'files' ? [] : app.databases;
  const trees = opts.only === 'db' ? [] : app.files;
  const buckets = opts.only === 'db' ? [] : (app.buckets ?? []);
  if (!dbs.length && !trees.length && !buckets.length) {
    throw new StrongboxError(
      'USAGE',
      `app ${app.id} has no ${opts.only === 'db' ? 'databases' : opts.only === 'files' ? 'file trees' : 'databases or file trees'} to back up`,
    );
  }
  // Newest written first, so the parent and the trees compared against are the last ones saved.
  const history = (await repo.snapshots.list()).filter((s) => s.snapshot.app === app.id);
  const components: Component[] = [];
  let streamBlobs = 0;
  const sealPool = dbs.length ? new SealPool(repo.key.encKey, opts.threads) : null;
  try {
    for (const db of dbs) {
      throwIfAborted(signal);
      emit({ type: 'phase', phase: 'dump', state: 'started', app: app.id, component: db.name });
      const source = openSource(db, app.id, { scope: opts.scope });
      const t1 = monotonicMs();
      const dump = await source.dump();
      const stored = await saveStream(
        repo,
        packer,
        counted(dump.stream, signal, (bytesDone) =>
          emit({
            type: 'progress',
            phase: 'dump',
            app: app.id,
            component: db.name,
            bytesDone,
            elapsedMs: Math.round(monotonicMs() - t1),
          }),
        ),
        sealPool ?? undefined,
      );
      streamBlobs += stored.blobsNew;
      const c: DatabaseComponent = {
        name: db.name,
        kind: 'database',
        ...dump.meta,
        content: stored.content,
        size: stored.size,
        sha256: stored.sha256,
        durationMs: Math.round(monotonicMs() - t1),
      };
      components.push(c);
      emit({
        type: 'phase',
        phase: 'dump',
        state: 'finished',
        app: app.id,
        component: db.name,
        message: `database ${db.name}: ${dump.meta.tool} ${dump.meta.toolVersion}, ${stored.size} bytes, ${stored.blobsNew} new blobs`,
      });
    }
  } finally {
    await sealPool?.close();
  }
  const walks: Counters[] = [];
  const errors: { path: string; message: string }[] = [];
  if (trees.length) {
    const pool = newPool(repo, opts.threads, signal);
    try {
      for (const f of trees) {
        const excludes = [...f.exclude, ...f.offloaded, ...embeddedDatabaseExcludes(app, f.path)];
        emit({ type: 'phase', phase: 'files', state: 'started', app: app.id, component: f.name });
        const res = await archivePaths(repo, packer, pool, {
          paths: [f.path],
          excludes,
          oneFileSystem: f.oneFileSystem,
          parentTree: parentTree(history, f),
          signal,
          onProgress: (p) => emit({ type: 'progress', phase: 'files', app: app.id, component: f.name, ...p }),
          onWarning: (path, message) => emit({ type: 'warning', app: app.id, path, message }),
        });
        walks.push(res.counters);
        errors.push(...res.errors);
        components.push({
          name: f.name,
          kind: 'files',
          tree: res.tree,
          paths: [f.path],
          ...(excludes.length ? { excludes } : {}),
        });
        emit({
          type: 'phase',
          phase: 'files',
          state: 'finished',
          app: app.id,
          component: f.name,
          message: `files ${f.name}: ${res.counters.files - res.counters.filesFailed} files, ${res.counters.filesNew + res.counters.filesChanged} new or changed`,
        });
      }
    } finally {
      await pool.close();
    }
  }
  for (const b of buckets) {
    throwIfAborted(signal);
    const res = await snapshotBucket(repo, packer, app.id, b, history, opts, emit);
    walks.push(res.walk);
    errors.push(...res.errors);
    components.push(res.component);
  }
  await packer.flush();
  throwIfAborted(signal);
  const summary = summarize(walks, packer, monotonicMs() - t0, streamBlobs);
  const dumps = components.filter((c): c is DatabaseComponent => c.kind === 'database');
  summary.databases = dumps.length;
  summary.databaseBytes = dumps.reduce((a, c) => a + c.size, 0);
  const parent = repo.snapshots.newestWritten(history)?.id ?? null;
  const recorded = await recordSnapshots(repo, {
    time: opts.time,
    host: opts.host,
    app: app.id,
    paths: trees.map((f) => f.path),
    tags: opts.tags,
    parent,
    components,
    summary,
    errors,
    periodicity: opts.periodicity,
    note: opts.note,
  });
  return { ...recorded, parent };
}

/** One bucket's objects as a component (its blobs go through the shared packer); its object errors make the snapshot incomplete. */
async function snapshotBucket(
  repo: Repository,
  packer: Packer,
  appId: string,
  b: BucketConfig,
  history: SnapshotRef[],
  opts: AppBackupOptions,
  emit: Emit,
): Promise<{ component: Component; walk: Counters; errors: { path: string; message: string }[] }> {
  const label = bucketLabel(appId, b.name);
  const bucket = await openBucketSource(b.source, bucketOptions(b, label), label);
  const sealPool = new SealPool(repo.key.encKey, opts.threads);
  try {
    emit({ type: 'phase', phase: 'files', state: 'started', app: appId, component: b.name });
    const res = await archiveBucket(repo, packer, bucket, {
      parentTree: parentBucketTree(history, b),
      excludes: b.exclude,
      sealPool,
      signal: opts.scope.signal,
      onProgress: (p) => emit({ type: 'progress', phase: 'files', app: appId, component: b.name, ...p }),
      onWarning: (key, message) => emit({ type: 'warning', app: appId, path: `${bucket.location}/${key}`, message }),
    });
    const n = bucket.counts;
    emit({
      type: 'phase',
      phase: 'files',
      state: 'finished',
      app: appId,
      component: b.name,
      message:
        `bucket ${b.name}: ${res.objects} objects, ${res.downloaded} downloaded, ${res.headed} re-read attributes only, ${res.reused} unchanged` +
        ` (requests: ${n.list} LIST, ${n.get} GET, ${n.head} HEAD)`,
    });
    return {
      component: {
        name: b.name,
        kind: 'bucket',
        tree: res.tree,
        location: bucket.location,
        objects: res.objects,
        size: res.size,
        ...(b.exclude.length ? { excludes: b.exclude } : {}),
      },
      walk: res.counters,
      errors: res.errors.map((e) => ({ path: `${bucket.location}/${e.path}`, message: e.message })),
    };
  } finally {
    await sealPool.close();
    bucket.close();
  }
}

/** The same bucket (name and location) in the app's newest snapshot that has it: its unchanged objects are not downloaded again. */
function parentBucketTree(history: SnapshotRef[], b: BucketConfig): string | null {
  const location = bucketDisplay(b.source);
  for (const s of history) {
    const c = bucketComponents(s.snapshot).find((x) => x.name === b.name && x.location === location);
    if (c) return c.tree;
  }
  return null;
}

/** `input` passed through, its running byte count reported at most every 250 ms; stops when `signal` aborts. */
async function* counted(
  input: AsyncIterable<Buffer>,
  signal: AbortSignal,
  report: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  let bytes = 0;
  let last = 0;
  for await (const b of input) {
    throwIfAborted(signal);
    bytes += b.length;
    const now = monotonicMs();
    if (now - last >= 250) {
      last = now;
      report(bytes);
    }
    yield b;
  }
  report(bytes);
}

/** The same tree (name and path) in the app's newest snapshot that has it: its unchanged files are not read again. */
function parentTree(history: SnapshotRef[], f: FilesConfig): string | null {
  for (const s of history) {
    const c = filesComponents(s.snapshot).find((x) => x.name === f.name && samePaths(x.paths, [f.path]));
    if (c) return c.tree;
  }
  return null;
}
