// Backup of an application: its before hooks, each database as a dump stream, each file tree, then one
// snapshot holding every component, then its after hooks (always). A failed dump fails the whole backup
// and writes no snapshot; unreadable files make the snapshot incomplete, as for a plain backup.
import { lstatSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { archivePaths, newPool, safeUser, summarize } from '../archiver/archiver.js';
import type { BackupProgress, Counters } from '../archiver/progress.js';
import { monotonicMs } from '../clock.js';
import type { AppConfig, FilesConfig } from '../config/schema.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import { Packer } from '../repository/packer.js';
import type { Repository } from '../repository/repository.js';
import {
  type Component, type DatabaseComponent, filesComponents, labelled, type Periodicity, samePaths, type Snapshot, type SnapshotRef,
} from '../repository/snapshot.js';
import { SealPool } from '../repository/seal-pool.js';
import { saveStream } from '../repository/stream.js';
import { openSource } from '../sources/index.js';
import { VERSION } from '../version.js';
import { isInterrupted, onInterrupt } from '../util/cleanup.js';
import { embeddedDatabaseExcludes } from './embedded.js';
import { INTERRUPT_HOOK_SECONDS, runAllHooks, runHooks } from './hooks.js';

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
  onProgress?: (p: BackupProgress) => void;
  onWarning?: (path: string, message: string) => void;
  /** One line per step: a hook ran, a dump finished, a tree was walked. */
  onStep?: (message: string) => void;
}

export interface AppBackupResult {
  id: string;
  snapshot: Snapshot;
  parent: string | null;
  /** Every snapshot this run recorded (several with --periodicity all). */
  saved: { id: string; periodicity: Periodicity }[];
  /** Set when the snapshot was saved but an after hook failed. */
  afterHookError?: StrongboxError;
}

export async function backupApp(repo: Repository, app: AppConfig, opts: AppBackupOptions = {}): Promise<AppBackupResult> {
  const step = opts.onStep ?? (() => {});
  const before = app.hooks.before;
  for (const f of app.files) for (const o of f.offloaded) opts.onWarning?.(`${f.path}/${o}`, `app ${app.id}, files ${f.name}: offloaded to a cloud bucket, NOT in this backup`);
  checkTrees(app, opts.only === 'db' ? [] : app.files);
  let result: AppBackupResult | undefined;
  let failure: unknown = null;
  // Interrupted (SIGINT, SIGTERM: a service stop, a shutdown), strongbox still runs the after hooks, told
  // failure, each within INTERRUPT_HOOK_SECONDS: a before hook may have put the site into maintenance mode.
  const after = app.hooks.after;
  const disarm = after.length
    ? onInterrupt(() => runAllHooks(after, { app: app.id, phase: 'after', outcome: 'failure', timeoutSeconds: Math.min(app.hooks.timeoutSeconds, INTERRUPT_HOOK_SECONDS) }).catch(() => {}))
    : () => {};
  try {
    // A failing before hook aborts the backup, but the after hooks still run: an earlier before hook may
    // have put the site into maintenance mode.
    if (before.length) {
      await runHooks(before, { app: app.id, phase: 'before', timeoutSeconds: app.hooks.timeoutSeconds });
      step(`before hooks ran (${before.length})`);
    }
    result = await snapshotApp(repo, app, opts);
  } catch (e) {
    failure = e;
  }
  // Once interrupted, the interrupt task runs them (once), not this path, which is ending with a killed tool.
  if (after.length && !isInterrupted()) {
    try {
      await runAllHooks(after, { app: app.id, phase: 'after', outcome: result ? 'success' : 'failure', timeoutSeconds: app.hooks.timeoutSeconds });
      step(`after hooks ran (${app.hooks.after.length})`);
    } catch (e) {
      const err = isStrongboxError(e) ? e : new StrongboxError('HOOK', String(e));
      // The backup's own failure is the one to report; the hook's is not lost.
      if (result) result.afterHookError = err;
      else opts.onWarning?.(app.id, err.message);
    }
  }
  disarm();
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
      throw new StrongboxError('USAGE', `app ${app.id}, files ${f.name}: cannot back up ${f.path}: ${(e as Error).message}`, { cause: e });
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
      throw new StrongboxError('USAGE', `app ${app.id}, files ${f.name}: ${f.path} is a symbolic link${to}, which would be backed up as the link `
        + 'alone, without the files; set path to a real directory (with a releases layout, the directory that holds the releases or the shared data)');
    }
  }
}

async function snapshotApp(repo: Repository, app: AppConfig, opts: AppBackupOptions): Promise<AppBackupResult> {
  const t0 = monotonicMs();
  const step = opts.onStep ?? (() => {});
  const dbs = opts.only === 'files' ? [] : app.databases;
  const trees = opts.only === 'db' ? [] : app.files;
  if (!dbs.length && !trees.length) {
    throw new StrongboxError('USAGE', `app ${app.id} has no ${opts.only === 'db' ? 'databases' : opts.only === 'files' ? 'file trees' : 'databases or file trees'} to back up`);
  }
  const history = (await repo.listSnapshots()).filter((s) => s.snapshot.app === app.id);
  const packer = new Packer(repo);
  const components: Component[] = [];
  let streamBlobs = 0;
  const sealPool = dbs.length ? new SealPool(repo.key.encKey, opts.threads) : null;
  try {
  for (const db of dbs) {
    const source = openSource(db, app.id);
    const t1 = monotonicMs();
    const dump = await source.dump();
    const stored = await saveStream(repo, packer, dump.stream, sealPool ?? undefined);
    streamBlobs += stored.blobsNew;
    const c: DatabaseComponent = {
      name: db.name, kind: 'database', ...dump.meta, content: stored.content, size: stored.size, sha256: stored.sha256,
      durationMs: Math.round(monotonicMs() - t1),
    };
    components.push(c);
    step(`database ${db.name}: ${dump.meta.tool} ${dump.meta.toolVersion}, ${stored.size} bytes, ${stored.blobsNew} new blobs`);
  }
  } finally {
    await sealPool?.close();
  }
  const walks: Counters[] = [];
  const errors: { path: string; message: string }[] = [];
  if (trees.length) {
    const pool = newPool(repo, opts.threads);
    try {
      for (const f of trees) {
        const excludes = [...f.exclude, ...f.offloaded, ...embeddedDatabaseExcludes(app, f.path)];
        const res = await archivePaths(repo, packer, pool, {
          paths: [f.path], excludes, oneFileSystem: f.oneFileSystem, parentTree: parentTree(history, f),
          onProgress: opts.onProgress, onWarning: opts.onWarning,
        });
        walks.push(res.counters);
        errors.push(...res.errors);
        components.push({ name: f.name, kind: 'files', tree: res.tree, paths: [f.path], ...(excludes.length ? { excludes } : {}) });
        step(`files ${f.name}: ${res.counters.files - res.counters.filesFailed} files, ${res.counters.filesNew + res.counters.filesChanged} new or changed`);
      }
    } finally {
      await pool.close();
    }
  }
  await packer.flush();
  const summary = summarize(walks, packer, monotonicMs() - t0, streamBlobs);
  const dumps = components.filter((c): c is DatabaseComponent => c.kind === 'database');
  summary.databases = dumps.length;
  summary.databaseBytes = dumps.reduce((a, c) => a + c.size, 0);
  const parent = history[0]?.id ?? null;
  const base: Snapshot = {
    version: 1, time: new Date(opts.time ?? repo.clock.now()).toISOString(), host: opts.host ?? hostname(), username: safeUser(),
    app: app.id, paths: trees.map((f) => f.path), tags: opts.tags ?? [], parent, program: `strongbox ${VERSION}`, components, summary,
  };
  if (errors.length) base.incomplete = { errors };
  const saved: AppBackupResult['saved'] = [];
  const all = labelled(base, opts.periodicity ?? 'manual', opts.note);
  for (const snap of all) saved.push({ id: await repo.saveSnapshot(snap), periodicity: snap.periodicity! });
  return { id: saved[0].id, snapshot: all[0], parent, saved };
}

/** The same tree (name and path) in the app's newest snapshot that has it: its unchanged files are not read again. */
function parentTree(history: SnapshotRef[], f: FilesConfig): string | null {
  for (const s of history) {
    const c = filesComponents(s.snapshot).find((x) => x.name === f.name && samePaths(x.paths, [f.path]));
    if (c) return c.tree;
  }
  return null;
}
