// Applying an app restore: ask consent for every target that holds data (all before touching any), then
// restore file trees with the restorer and databases through their sources. A dump is read and verified whole
// before its tool starts: bytes that fail verification never reach pg_restore, mysql or sqlite3.
import { readdir } from 'node:fs/promises';
import { StrongboxError } from '../errors.js';
import type { AppConfig } from '../config/schema.js';
import type { Repository } from '../repository/repository.js';
import type { SnapshotRef } from '../repository/snapshot.js';
import { type BlobSource, describeFault, repositorySource } from '../repository/blob-source.js';
import { readStream, type StreamFault, verifyStream } from '../repository/stream.js';
import { removeExtraneous } from '../restore/extraneous.js';
import { restore, type RestoreFailure, type RestoreStats } from '../restore/restorer.js';
import { selectSubpath } from '../restore/select.js';
import { openSource } from '../sources/index.js';
import type { Source } from '../sources/source.js';
import {
  type AppRestoreChoice,
  type BucketStep,
  type DatabaseStep,
  type FilesStep,
  planAppRestore,
  type RestoreStep,
} from './restore-plan.js';
import { type Bucket, bucketLabel, bucketOptions, openBucketSource } from '../sources/bucket/index.js';
import { bucketHoldsObjects, restoreToBucket, restoreToDir } from '../sources/bucket/restore.js';
import { type Emit, ignoreEvents } from '../events.js';
import { type Scope, throwIfAborted } from '../util/scope.js';
import type { Only } from './backup.js';

export interface AppRestoreOptions extends AppRestoreChoice {
  /** Consent to replace what targets hold, given up front. */
  yes?: boolean;
  /** Restoring a bucket component into a bucket: also delete the objects below its prefix that the snapshot lacks. */
  deleteExtraneous?: boolean;
  /** Asks the user (interactive terminals only); absent, a target that holds data is refused. */
  confirm?: (question: string) => Promise<boolean>;
  verify?: boolean;
  /** Stop at the first file or dump that cannot be restored (an INTEGRITY error) instead of going on. */
  failFast?: boolean;
  /** The operation this restore is: its signal cancels it, its tools and temporary files belong to it. */
  scope: Scope;
  emit?: Emit;
}

export interface RestoredComponent {
  name: string;
  kind: 'files' | 'database' | 'bucket';
  target: string;
  replaced: boolean;
  files?: RestoreStats;
  /** Entries the target held that the snapshot does not, removed when replacing. */
  removed?: number;
  /** A bucket component: objects restored (or found already in place), and the manifest of a restore to a directory. */
  objects?: number;
  unchanged?: number;
  manifest?: string;
  bytes?: number;
  /** False when something was left out: files of a tree (the others were restored), or a database (not loaded at all). */
  complete: boolean;
  /** What was left out and why: a tree's files, or the dump's blobs at fault (no path). */
  failed?: ComponentFailure[];
}

/** A file of a tree that was not restored, or (without a path) what is wrong with a database's dump. */
export type ComponentFailure =
  RestoreFailure | { path?: undefined; blob?: string; pack?: string | null; message: string };

export async function restoreApp(
  repo: Repository,
  snap: SnapshotRef,
  app: AppConfig,
  opts: AppRestoreOptions,
): Promise<RestoredComponent[]> {
  return restoreAppParts(repo, [{ snap, only: opts.only }], app, opts);
}

/** Part of an app restore: what of which snapshot (the databases of one, the file trees of another). */
export interface SnapshotPart {
  snap: SnapshotRef;
  only?: Only;
}

/** Restores parts of several snapshots into the app as one restore: consent for all of it first, then each. */
export async function restoreAppParts(
  repo: Repository,
  parts: SnapshotPart[],
  app: AppConfig,
  opts: AppRestoreOptions,
): Promise<RestoredComponent[]> {
  // A database target given for the whole restore belongs to the part that restores the databases.
  const choice = (only?: Only) => ({
    ...opts,
    only,
    ...(parts.length > 1 && only === 'files' ? { targetDb: undefined } : {}),
  });
  const steps = parts.flatMap(({ snap, only }) =>
    planAppRestore(snap.snapshot, snap.id, app, choice(only)).map((step) => ({ step, snap })),
  );
  const buckets: Bucket[] = [];
  try {
    const prepared = await Promise.all(
      steps.map(async ({ step: s, snap }) => {
        if (s.kind === 'files')
          return {
            step: s,
            snap,
            source: null,
            bucket: null,
            described: `directory ${s.dest}`,
            full: await nonEmptyDir(s.dest),
          };
        if (s.kind === 'bucket') {
          if (s.dest.kind === 'dir')
            return {
              step: s,
              snap,
              source: null,
              bucket: null,
              described: `directory ${s.dest.dir}`,
              full: await nonEmptyDir(s.dest.dir),
            };
          const label = bucketLabel(app.id, s.component.name);
          const bucket = await openBucketSource(
            s.dest.location,
            bucketOptions({ name: s.component.name, source: s.dest.location, options: s.dest.options }, label),
            label,
          );
          buckets.push(bucket);
          return {
            step: s,
            snap,
            source: null,
            bucket,
            described: `bucket ${bucket.location}`,
            full: await bucketHoldsObjects(bucket),
          };
        }
        const source = openSource(s.config, app.id, { override: s.target.override, scope: opts.scope });
        return {
          step: s,
          snap,
          source,
          bucket: null,
          described: source.describeTarget(s.target.name),
          full: (await source.targetState(s.target.name)) === 'non-empty',
        };
      }),
    );
    return await applyAll(repo, parts, prepared, opts);
  } finally {
    for (const b of buckets) b.close();
  }
}

type Prepared = {
  step: RestoreStep;
  snap: SnapshotRef;
  source: Source | null;
  bucket: Bucket | null;
  described: string;
  full: boolean;
};

async function applyAll(
  repo: Repository,
  parts: SnapshotPart[],
  prepared: Prepared[],
  opts: AppRestoreOptions,
): Promise<RestoredComponent[]> {
  const ids = [...new Set(parts.map((p) => p.snap.id.slice(0, 8)))].join(' and ');
  const full = prepared.filter((p) => p.full);
  if (full.length && !opts.yes) {
    const list = full.map((p) => p.described).join(', ');
    const ok = opts.confirm ? await opts.confirm(`Replace the contents of ${list} with snapshot ${ids}?`) : false;
    if (!ok) {
      throw new StrongboxError(
        'TARGET_NOT_EMPTY',
        `not restoring: ${list} already ${full.length > 1 ? 'hold' : 'holds'} data; pass --yes to replace it, or choose another target (--target DIR, --target-db NAME, --to-bucket s3:…)`,
      );
    }
  }
  // File trees first, databases after: a SQLite file inside a tree (a snapshot from before such files were
  // left out of trees holds a torn copy of it) is then replaced by its consistent copy, not the other way round.
  const out: RestoredComponent[] = new Array(prepared.length);
  const order = prepared
    .map((p, i) => ({ p, i }))
    .sort((a, b) => Number(a.p.step.kind !== 'files') - Number(b.p.step.kind !== 'files'));
  for (const { p, i } of order) {
    throwIfAborted(opts.scope.signal);
    out[i] =
      p.step.kind === 'bucket'
        ? await applyBucket(repo, p.step, p.bucket, p.full, opts)
        : await apply(repo, p.snap, p.step, p.source, p.full, opts);
  }
  return out;
}

async function apply(
  repo: Repository,
  snap: SnapshotRef,
  s: FilesStep | DatabaseStep,
  source: Source | null,
  full: boolean,
  opts: AppRestoreOptions,
): Promise<RestoredComponent> {
  const emit = opts.emit ?? ignoreEvents;
  const component = s.component.name;
  const warn = (path: string, message: string) => emit({ type: 'warning', path, message, component });
  // A dump is checked whole against its recorded SHA-256 as well, so its blobs need no keyed-ID check.
  const blobs = repositorySource(repo, { checkIds: s.kind === 'files' && opts.verify });
  emit({ type: 'phase', phase: s.kind === 'files' ? 'restore' : 'load', state: 'started', component });
  if (s.kind === 'files') {
    const sel = await selectSubpath(repo, snap, s.component.paths[0], s.component);
    const { stats, failed } = await restore(repo, sel, {
      target: s.dest,
      overwrite: full,
      verify: opts.verify,
      failFast: opts.failFast,
      source: blobs,
      signal: opts.scope.signal,
      scope: opts.scope,
      onWarning: warn,
      onFailure: ({ path, message, blob, pack }) => emit({ type: 'warning', path, message, component, blob, pack }),
    });
    // Replacing means the directory ends up as backed up: what was added since is removed too.
    const removed = full ? await removeExtraneous(repo, sel, s.dest, { keep: s.keep, onSkip: warn }) : 0;
    const notes = [
      removed && `${removed} entries not in the snapshot removed`,
      failed.length && `${failed.length} NOT restored (see warnings)`,
      opts.verify && 'verified',
    ];
    emit({
      type: 'phase',
      phase: 'restore',
      state: 'finished',
      component,
      message: `files ${component} → ${s.dest}: ${stats.files} files, ${stats.dirs} dirs${notes
        .filter(Boolean)
        .map((n) => `, ${n}`)
        .join('')}`,
    });
    return {
      name: component,
      kind: 'files',
      target: s.dest,
      replaced: full,
      files: stats,
      removed,
      complete: !failed.length,
      ...(failed.length ? { failed } : {}),
    };
  }
  const c = s.component;
  const target = source!.describeTarget(s.target.name);
  const what = `database ${c.name} of snapshot ${snap.id.slice(0, 8)}`;
  const faults = await verifyDump(blobs, c, what, opts);
  if (faults.length) {
    const failed = faults.map((f) => ({
      blob: f.blob,
      pack: f.pack,
      message: `${what}: not loaded into ${target}: ${f.blob === undefined ? f.reason : describeFault(f)}`,
    }));
    for (const f of failed) emit({ type: 'warning', message: f.message, component, blob: f.blob, pack: f.pack });
    emit({
      type: 'phase',
      phase: 'load',
      state: 'finished',
      component,
      message: `database ${c.name} → ${target}: NOT restored, its dump failed verification (${target} was not touched)`,
    });
    return { name: c.name, kind: 'database', target, replaced: false, bytes: 0, complete: false, failed };
  }
  await source!.restore(readStream(blobs, c, what), s.target.name, c);
  emit({
    type: 'phase',
    phase: 'load',
    state: 'finished',
    component,
    message: `database ${c.name} → ${target}: ${c.size} bytes of ${c.format} restored`,
  });
  return { name: c.name, kind: 'database', target, replaced: full, bytes: c.size, complete: true };
}

/** A bucket component into its bucket (consent was given when it held objects) or into a directory with a manifest. */
async function applyBucket(
  repo: Repository,
  s: BucketStep,
  bucket: Bucket | null,
  full: boolean,
  opts: AppRestoreOptions,
): Promise<RestoredComponent> {
  const emit = opts.emit ?? ignoreEvents;
  const component = s.component.name;
  const blobs = repositorySource(repo, { checkIds: opts.verify });
  const onFailure = ({ path, message, blob, pack }: RestoreFailure) =>
    emit({ type: 'warning', path, message, component, blob, pack });
  emit({ type: 'phase', phase: 'restore', state: 'started', component });
  if (s.dest.kind === 'dir') {
    const r = await restoreToDir(repo, blobs, s.component, s.dest.dir, {
      overwrite: full,
      verify: opts.verify,
      failFast: opts.failFast,
      signal: opts.scope.signal,
      scope: opts.scope,
      onWarning: (path, message) => emit({ type: 'warning', path, message, component }),
      onFailure,
    });
    emit({
      type: 'phase',
      phase: 'restore',
      state: 'finished',
      component,
      message: `bucket ${component} → ${s.dest.dir}: ${r.stats.files} objects as files, manifest ${r.manifest}${r.failed.length ? `, ${r.failed.length} NOT restored (see warnings)` : ''}`,
    });
    return {
      name: component,
      kind: 'bucket',
      target: s.dest.dir,
      replaced: full,
      files: r.stats,
      objects: r.stats.files,
      manifest: r.manifest,
      complete: !r.failed.length,
      ...(r.failed.length ? { failed: r.failed } : {}),
    };
  }
  const r = await restoreToBucket(repo, blobs, s.component, bucket!, {
    deleteExtraneous: opts.deleteExtraneous,
    keep: s.keep,
    failFast: opts.failFast,
    signal: opts.scope.signal,
    onFailure,
  });
  const notes = [
    r.unchanged && `${r.unchanged} already in place`,
    r.removed && `${r.removed} not in the snapshot deleted`,
    r.failed.length && `${r.failed.length} NOT restored (see warnings)`,
  ];
  emit({
    type: 'phase',
    phase: 'restore',
    state: 'finished',
    component,
    message: `bucket ${component} → ${bucket!.location}: ${r.objects} objects${notes
      .filter(Boolean)
      .map((n) => `, ${n}`)
      .join('')}`,
  });
  return {
    name: component,
    kind: 'bucket',
    target: bucket!.location,
    replaced: full,
    objects: r.objects,
    unchanged: r.unchanged,
    removed: r.removed,
    bytes: r.bytes,
    complete: !r.failed.length,
    ...(r.failed.length ? { failed: r.failed } : {}),
  };
}

/** Every blob of the dump read and verified before any byte goes to the restore tool; with --fail-fast, the first fault throws. */
async function verifyDump(
  blobs: BlobSource,
  c: Parameters<typeof verifyStream>[1],
  what: string,
  opts: AppRestoreOptions,
): Promise<StreamFault[]> {
  const faults = await verifyStream(blobs, c, opts.scope.signal);
  if (faults.length && opts.failFast) {
    const f = faults[0];
    throw new StrongboxError(
      'INTEGRITY',
      `${what}: not loaded: ${f.blob === undefined ? f.reason : describeFault(f)} (--fail-fast: the restore stopped here)`,
    );
  }
  return faults;
}

async function nonEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length > 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new StrongboxError('USAGE', `restore target ${path} exists and is not a directory`);
    throw e;
  }
}
