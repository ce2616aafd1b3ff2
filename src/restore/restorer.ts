// Applies a restore plan batch by batch (see plan.ts): in each, directories, then file contents pack by pack (each
// pack read once per batch, every blob written to all its places), then hard links and metadata. Never writes outside the target and never
// follows a symlink to write. Each file is written under a temporary name beside it and renamed into place
// only when all its blobs were written and verified, so a file that fails never appears under its name; the
// restore goes on past it and names it. File I/O is synchronous: page-cache writes take microseconds, while
// each promise-based call would cost a thread-pool round trip; pack reads stay asynchronous and prefetched.
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  ftruncateSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  symlinkSync,
  chmodSync,
  writeSync,
} from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { isInside, makeDirs } from '../util/local-paths.js';
import { monotonicMs } from '../clock.js';
import { StrongboxError } from '../errors.js';
import { type BlobFault, type BlobSource, describeFault, repositorySource } from '../repository/blob-source.js';
import { blobId } from '../repository/crypto.js';
import type { Repository } from '../repository/repository.js';
import { linkTarget, type TreeNode } from '../repository/tree.js';
import { displayPath, type FsPath } from '../util/names.js';
import { type Scope, throwIfAborted } from '../util/scope.js';
import { nanosecondTimes, setFdTimesSync, setTimesSync } from '../util/utimens.js';
import { type BatchLimits, type PackPlan, type PlannedFile, planBatches, type RestoreBatch } from './plan.js';
import type { Selection } from './select.js';
import { Staging } from './staging.js';

export interface RestoreOptions {
  target: string;
  overwrite?: boolean;
  /** Check each blob's content against its keyed ID as it is read, and re-read every written file afterwards. */
  verify?: boolean;
  /** Stop at the first file that cannot be restored (an INTEGRITY error) instead of going on past it. */
  failFast?: boolean;
  /** Where blobs come from; the repository's own packs when absent (a mirror can be added with withFallback). */
  source?: BlobSource;
  /** Cancels the restore between packs (files already renamed into place stay; the target is not complete). */
  signal?: AbortSignal;
  /** Owns the temporary files while they are written: closing it removes those an abort left behind. */
  scope?: Scope;
  /** `path` as displayPath shows it (escaped when not plain UTF-8 text). */
  onWarning?: (path: string, message: string) => void;
  /** A file that was not restored (told once per file, as it happens). */
  onFailure?: (f: RestoreFailure) => void;
  /** Files and bytes written so far against the totals planned so far, at most every 250 ms and once at the end. */
  onProgress?: (p: RestoreProgress) => void;
  /** How much is planned at once (tests use small batches to cross their boundaries). */
  batch?: BatchLimits;
}

/** A file (or hard link) left out because a blob of it could not be had; nothing is under its name. */
export interface RestoreFailure {
  /** As displayPath shows it; `pathBytes` (base64) holds the exact name where it is not UTF-8. */
  path: string;
  pathBytes?: string;
  blob: string;
  pack: string | null;
  message: string;
}

export interface RestoreProgress {
  /** The plan is walked as the restore goes: `files` and `bytesTotal` are final only once this is true. */
  walkDone: boolean;
  files: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  elapsedMs: number;
}

export interface RestoreStats {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  bytes: number;
  skipped: number;
}

export interface RestoreReport {
  stats: RestoreStats;
  /** Empty when everything was restored. */
  failed: RestoreFailure[];
}

const PREFETCH = 2;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Restores `sel` into `opts.target`; files whose data cannot be had are listed in `failed`, not thrown. */
export async function restore(repo: Repository, sel: Selection, opts: RestoreOptions): Promise<RestoreReport> {
  if (repo.localPath !== undefined && (await isInside(opts.target, repo.localPath))) {
    throw new StrongboxError(
      'USAGE',
      `restore target ${opts.target} is inside the repository at ${repo.localPath}; choose a directory outside it`,
    );
  }
  await prepareTarget(opts.target, !!opts.overwrite);
  repo.trees.rangedLocalReads();
  const times = nanosecondTimes();
  if (!times.exact) opts.onWarning?.(opts.target, `${times.reason}; mtimes are restored to the microsecond only`);
  const a = new Applier(repo, opts);
  try {
    for await (const batch of planBatches(repo, sel, opts.target, opts.batch)) {
      throwIfAborted(opts.signal);
      a.planned(batch);
      for (const u of batch.unplaced) a.fail(u.file, u.fault);
      a.directoriesAndLinks(batch);
      await a.contents(batch);
      a.hardlinks(batch);
      if (opts.verify) a.verify(batch);
      a.directoryMetadata(batch);
    }
    a.report(true);
  } finally {
    a.discardAll();
  }
  return { stats: a.stats, failed: a.failures };
}

async function prepareTarget(target: string, overwrite: boolean): Promise<void> {
  try {
    const st = await lstat(target);
    if (!st.isDirectory()) throw new StrongboxError('USAGE', `restore target ${target} exists and is not a directory`);
    if (!overwrite && (await readdir(target)).length > 0) {
      throw new StrongboxError(
        'TARGET_NOT_EMPTY',
        `restore target ${target} is not empty; choose an empty directory or pass --overwrite`,
      );
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await makeDirs(target);
  }
}

/** writeSync that names the file in its error (an fd-based write error carries no path: ENOSPC must say where). */
function writeAt(fd: number, data: Buffer, offset: number, path: FsPath): void {
  try {
    writeSync(fd, data, 0, data.length, offset);
  } catch (e) {
    (e as NodeJS.ErrnoException).path ??= displayPath(path);
    throw e;
  }
}

interface OpenFile {
  fd: number;
  written: number;
  tmp: FsPath;
}

class Applier {
  readonly stats: RestoreStats = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, bytes: 0, skipped: 0 };
  readonly failures: RestoreFailure[] = [];
  /** Files being written, under their temporary names. */
  private readonly open = new Map<PlannedFile, OpenFile>();
  /** Files that will not be restored, and why (only these: per-file state for the good ones would grow with the tree). */
  private readonly failed = new Map<PlannedFile, BlobFault>();
  private readonly staging: Staging;
  private readonly source: BlobSource;
  private readonly t0 = monotonicMs();
  private lastReport = 0;
  private filesTotal = 0;
  private bytesTotal = 0;
  private walkDone = false;

  constructor(
    private readonly repo: Repository,
    private readonly opts: RestoreOptions,
  ) {
    this.source = opts.source ?? repositorySource(repo, { checkIds: opts.verify });
    this.staging = new Staging(!!opts.overwrite);
  }

  /** The totals grow as batches are planned. */
  planned(b: RestoreBatch): void {
    this.filesTotal += b.files.length;
    for (const f of b.files) this.bytesTotal += f.node.size;
    this.walkDone = b.last;
  }

  report(force = false): void {
    const now = monotonicMs();
    if (!this.opts.onProgress || (!force && now - this.lastReport < 250)) return;
    this.lastReport = now;
    this.opts.onProgress({
      walkDone: this.walkDone,
      files: this.filesTotal,
      filesDone: this.stats.files,
      bytesTotal: this.bytesTotal,
      bytesDone: this.stats.bytes,
      elapsedMs: Math.round(now - this.t0),
    });
  }

  directoriesAndLinks(plan: RestoreBatch): void {
    for (const d of plan.dirs) {
      this.makeDir(d.path);
      this.stats.dirs++;
    }
    for (const s of plan.symlinks) {
      this.clear(s.path);
      symlinkSync(linkTarget(s.node), s.path);
      this.meta(s.node, s.path, null, true);
      this.stats.symlinks++;
    }
    for (const f of plan.files) if (f.remaining === 0 && !this.failed.has(f)) this.finish(f, this.begin(f));
    for (const s of plan.special) {
      this.stats.skipped++;
      this.opts.onWarning?.(displayPath(s.path), `not restored: ${s.node.type} nodes are recorded but not recreated`);
    }
  }

  /** Read each needed pack once (a few prefetched), and write its blobs where they go. */
  async contents(plan: RestoreBatch): Promise<void> {
    const packs = plan.packs;
    const reads = new Map<number, ReturnType<BlobSource['readPack']>>();
    const read = (i: number) => {
      if (i >= packs.length || reads.has(i)) return;
      const p = this.source.readPack(packs[i].packId, packs[i].blobs.values());
      p.catch(() => {});
      reads.set(i, p);
    };
    for (let i = 0; i < PREFETCH; i++) read(i);
    for (let i = 0; i < packs.length; i++) {
      throwIfAborted(this.opts.signal);
      this.report();
      const blobs = await reads.get(i)!;
      reads.delete(i);
      read(i + PREFETCH);
      await this.applyPack(packs[i], blobs);
    }
  }

  private async applyPack(p: PackPlan, blobs: Awaited<ReturnType<BlobSource['readPack']>>): Promise<void> {
    for (const [hex, b] of p.blobs) {
      // A blob only failed files still want is not even decoded.
      if (this.failed.size && b.targets.every((t) => this.failed.has(t.file))) continue;
      const taken = blobs.take(hex, b);
      // Synchronous unless a fallback source had to be asked: no promise per blob on the common path.
      const r = taken instanceof Promise ? await taken : taken;
      if (!r.ok) {
        for (const t of b.targets) this.fail(t.file, r.fault);
        continue;
      }
      const plain = r.data;
      for (const t of b.targets) {
        if (this.failed.has(t.file)) continue;
        const h = this.open.get(t.file) ?? this.begin(t.file);
        if (!(t.file.node.sparse && isZero(plain))) writeAt(h.fd, plain, t.offset, t.file.path);
        h.written += plain.length;
        if (--t.file.remaining === 0) this.finish(t.file, h);
      }
    }
  }

  private begin(f: PlannedFile): OpenFile {
    const { fd, tmp } = this.staging.create(f.path);
    this.opts.scope?.trackFile(tmp);
    const h = { fd, written: 0, tmp };
    this.open.set(f, h);
    return h;
  }

  /** All blobs are in: metadata on the descriptor, then the rename that makes the file appear. */
  private finish(f: PlannedFile, h: OpenFile): void {
    if (f.node.sparse) ftruncateSync(h.fd, h.written);
    if (h.written !== f.node.size)
      this.opts.onWarning?.(displayPath(f.path), `restored ${h.written} bytes, the tree recorded ${f.node.size}`);
    this.meta(f.node, f.path, h.fd, false);
    closeSync(h.fd);
    this.open.delete(f);
    try {
      this.staging.commit(h.tmp, f.path);
    } catch (e) {
      this.staging.discard(h.tmp);
      throw e;
    } finally {
      this.opts.scope?.untrackFile(h.tmp);
    }
    this.stats.files++;
    this.stats.bytes += h.written;
  }

  /** `f` will not be restored: its temporary file goes, and it is named (or, failing fast, the restore stops). */
  fail(f: PlannedFile, fault: BlobFault): void {
    if (this.failed.has(f)) return;
    this.failed.set(f, fault);
    const h = this.open.get(f);
    if (h) this.drop(f, h);
    this.failure(f.path, fault);
  }

  private failure(path: FsPath, fault: BlobFault): void {
    const message = `not restored: ${describeFault(fault)}`;
    const where = typeof path === 'string' ? {} : { pathBytes: path.toString('base64') };
    const failure = { path: displayPath(path), ...where, blob: fault.blob, pack: fault.pack, message };
    if (this.opts.failFast)
      throw new StrongboxError('INTEGRITY', `${failure.path}: ${message} (--fail-fast: the restore stopped here)`);
    this.failures.push(failure);
    this.opts.onFailure?.(failure);
  }

  private drop(f: PlannedFile, h: OpenFile): void {
    closeSync(h.fd);
    this.staging.discard(h.tmp);
    this.opts.scope?.untrackFile(h.tmp);
    this.open.delete(f);
  }

  /** Links to a file that failed fail with it; the others are made under a temporary name and renamed too. */
  hardlinks(plan: RestoreBatch): void {
    for (const l of plan.hardlinks) {
      const fault = this.failed.get(l.to);
      if (fault) {
        this.failure(l.path, {
          ...fault,
          reason: `${fault.reason} (a hard link to ${displayPath(l.to.path)}, not restored either)`,
        });
        continue;
      }
      this.staging.link(l.to.path, l.path);
      this.stats.hardlinks++;
    }
  }

  /** Re-read every restored file and check each blob-sized piece against its ID. */
  verify(plan: RestoreBatch): void {
    for (const f of plan.files) {
      if (this.failed.has(f)) continue;
      const fd = openSync(f.path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        let pos = 0;
        for (const id of f.node.content ?? []) {
          const len = this.repo.index.get(Buffer.from(id, 'hex'))!.rawLength;
          const buf = Buffer.allocUnsafe(len);
          const n = readSync(fd, buf, 0, len, pos);
          if (n !== len || !blobId(this.repo.key.idKey, buf).equals(Buffer.from(id, 'hex'))) {
            throw new StrongboxError(
              'VERIFY_FAILED',
              `verify: ${displayPath(f.path)} differs from the snapshot at byte offset ${pos}`,
            );
          }
          pos += len;
        }
        if (fstatSync(fd).size !== pos)
          throw new StrongboxError('VERIFY_FAILED', `verify: ${displayPath(f.path)} has the wrong size`);
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Once a directory's subtree is all restored, deepest first: restoring children changes a directory's mtime. */
  directoryMetadata(plan: RestoreBatch): void {
    for (const d of plan.dirsDone) this.meta(d.node, d.path, null, false);
  }

  /** However the restore ended: every file still being written is closed and its temporary file removed. */
  discardAll(): void {
    for (const [f, h] of this.open) this.drop(f, h);
  }

  private makeDir(path: FsPath): void {
    try {
      if (lstatSync(path).isDirectory()) return;
      if (!this.opts.overwrite)
        throw new StrongboxError('TARGET_NOT_EMPTY', `${displayPath(path)} exists; pass --overwrite to replace it`);
      rmSync(path, { force: true, recursive: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    mkdirSync(path, { mode: 0o700 });
  }

  /** Remove whatever is at `path` (only with --overwrite; a fresh target has nothing there). */
  private clear(path: FsPath): void {
    if (this.opts.overwrite) rmSync(path, { recursive: true, force: true });
  }

  private meta(n: TreeNode, path: FsPath, fd: number | null, isLink: boolean): void {
    const mtime = BigInt(n.mtime); // nanoseconds; atime is not recorded, it is set to mtime
    try {
      if (isLink) {
        if (isRoot) lchownSync(path, n.uid, n.gid);
        setTimesSync(path, mtime, true);
      } else if (fd !== null) {
        if (isRoot) fchownSync(fd, n.uid, n.gid);
        fchmodSync(fd, n.mode);
        setFdTimesSync(fd, mtime);
      } else {
        if (isRoot) lchownSync(path, n.uid, n.gid);
        chmodSync(path, n.mode);
        setTimesSync(path, mtime);
      }
    } catch (e) {
      this.opts.onWarning?.(displayPath(path), `could not restore metadata: ${(e as Error).message}`);
    }
  }
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
