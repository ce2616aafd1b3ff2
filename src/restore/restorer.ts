// Applies a restore plan: directories, then file contents pack by pack (each pack read once, every blob
// written to all its places), then hard links and metadata. Never writes outside the target and never
// follows a symlink to write. File I/O is synchronous: page-cache writes take microseconds, while each
// promise-based call would cost a thread-pool round trip; pack reads stay asynchronous and prefetched.
import {
  closeSync, constants, fchmodSync, fchownSync, fstatSync, ftruncateSync, futimesSync, lchownSync, linkSync, lstatSync,
  lutimesSync, mkdirSync, openSync, readSync, rmSync, symlinkSync, utimesSync, chmodSync, writeSync,
} from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { isInside, makeDirs } from '../util/local-paths.js';
import { monotonicMs } from '../clock.js';
import { StrongboxError } from '../errors.js';
import { throwIfAborted } from '../util/scope.js';
import { blobId } from '../repository/crypto.js';
import type { Repository } from '../repository/repository.js';
import { linkTarget, type TreeNode } from '../repository/tree.js';
import { displayPath, type FsPath } from '../util/names.js';
import { type PackPlan, type PlannedFile, planRestore, type RestorePlan } from './plan.js';
import type { Selection } from './select.js';

export interface RestoreOptions {
  target: string;
  overwrite?: boolean;
  /** Check every blob's ID after decryption and re-read every written file. */
  verify?: boolean;
  /** Cancels the restore between packs (files already written stay; the target is not complete). */
  signal?: AbortSignal;
  /** `path` as displayPath shows it (escaped when not plain UTF-8 text). */
  onWarning?: (path: string, message: string) => void;
  /** Files and bytes written so far against the plan's totals, at most every 250 ms and once at the end. */
  onProgress?: (p: RestoreProgress) => void;
}

export interface RestoreProgress {
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

const PREFETCH = 2;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export async function restore(repo: Repository, sel: Selection, opts: RestoreOptions): Promise<RestoreStats> {
  if (repo.localPath !== undefined && (await isInside(opts.target, repo.localPath))) {
    throw new StrongboxError('USAGE', `restore target ${opts.target} is inside the repository at ${repo.localPath}; choose a directory outside it`);
  }
  await prepareTarget(opts.target, !!opts.overwrite);
  const plan = await planRestore(repo, sel, opts.target);
  const a = new Applier(repo, plan, opts);
  try {
    a.directoriesAndLinks();
    await a.contents();
    a.report(true);
    a.hardlinks();
    if (opts.verify) a.verify();
    a.directoryMetadata();
  } finally {
    a.closeAll();
  }
  return a.stats;
}

async function prepareTarget(target: string, overwrite: boolean): Promise<void> {
  try {
    const st = await lstat(target);
    if (!st.isDirectory()) throw new StrongboxError('USAGE', `restore target ${target} exists and is not a directory`);
    if (!overwrite && (await readdir(target)).length > 0) {
      throw new StrongboxError('TARGET_NOT_EMPTY', `restore target ${target} is not empty; choose an empty directory or pass --overwrite`);
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

class Applier {
  readonly stats: RestoreStats = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, bytes: 0, skipped: 0 };
  private readonly fds = new Map<PlannedFile, { fd: number; written: number }>();
  private readonly t0 = monotonicMs();
  private lastReport = 0;
  private readonly bytesTotal: number;

  constructor(private readonly repo: Repository, private readonly plan: RestorePlan, private readonly opts: RestoreOptions) {
    this.bytesTotal = plan.files.reduce((a, f) => a + f.node.size, 0);
  }

  report(force = false): void {
    const now = monotonicMs();
    if (!this.opts.onProgress || (!force && now - this.lastReport < 250)) return;
    this.lastReport = now;
    this.opts.onProgress({
      files: this.plan.files.length, filesDone: this.stats.files, bytesTotal: this.bytesTotal, bytesDone: this.stats.bytes,
      elapsedMs: Math.round(now - this.t0),
    });
  }

  directoriesAndLinks(): void {
    for (const d of this.plan.dirs.slice(1)) {
      this.makeDir(d.path);
      this.stats.dirs++;
    }
    for (const s of this.plan.symlinks) {
      this.clear(s.path);
      symlinkSync(linkTarget(s.node), s.path);
      this.meta(s.node, s.path, null, true);
      this.stats.symlinks++;
    }
    for (const f of this.plan.files) if (f.remaining === 0) this.finish(f, this.open(f));
    for (const s of this.plan.special) {
      this.stats.skipped++;
      this.opts.onWarning?.(displayPath(s.path), `not restored: ${s.node.type} nodes are recorded but not recreated`);
    }
  }

  /** Read each needed pack once (a few prefetched), decrypt its blobs and write them where they go. */
  async contents(): Promise<void> {
    const packs = this.plan.packs;
    const loads = new Map<number, Promise<{ base: number; buf: Buffer }>>();
    const load = (i: number) => {
      if (i >= packs.length || loads.has(i)) return;
      const p = this.loadPack(packs[i]);
      p.catch(() => {});
      loads.set(i, p);
    };
    for (let i = 0; i < PREFETCH; i++) load(i);
    for (let i = 0; i < packs.length; i++) {
      throwIfAborted(this.opts.signal);
      this.report();
      const { base, buf } = await loads.get(i)!;
      loads.delete(i);
      load(i + PREFETCH);
      this.applyPack(packs[i], base, buf);
    }
  }

  private async loadPack(p: PackPlan): Promise<{ base: number; buf: Buffer }> {
    let start = Infinity;
    let end = 0;
    for (const b of p.blobs.values()) {
      start = Math.min(start, b.offset);
      end = Math.max(end, b.offset + b.length);
    }
    return { base: start, buf: await this.repo.load({ type: 'data', name: p.packId }, { offset: start, length: end - start }) };
  }

  private applyPack(p: PackPlan, base: number, buf: Buffer): void {
    for (const [hex, b] of p.blobs) {
      const id = Buffer.from(hex, 'hex');
      const plain = this.repo.decodeBlob(id, buf.subarray(b.offset - base, b.offset - base + b.length), b.compressed, p.packId);
      if (plain.length !== b.rawLength || (this.opts.verify && !blobId(this.repo.key.idKey, plain).equals(id))) {
        throw new StrongboxError('INTEGRITY', `blob ${hex} in pack ${p.packId}: content does not match its ID`);
      }
      for (const t of b.targets) {
        const h = this.fds.get(t.file) ?? this.open(t.file);
        if (!(t.file.node.sparse && isZero(plain))) writeAt(h.fd, plain, t.offset, t.file.path);
        h.written += plain.length;
        if (--t.file.remaining === 0) this.finish(t.file, h);
      }
    }
  }

  private open(f: PlannedFile): { fd: number; written: number } {
    this.clear(f.path);
    const h = { fd: openSync(f.path, OPEN_FLAGS, 0o600), written: 0 };
    this.fds.set(f, h);
    return h;
  }

  private finish(f: PlannedFile, h: { fd: number; written: number }): void {
    if (f.node.sparse) ftruncateSync(h.fd, h.written);
    if (h.written !== f.node.size) this.opts.onWarning?.(displayPath(f.path), `restored ${h.written} bytes, the tree recorded ${f.node.size}`);
    this.meta(f.node, f.path, h.fd, false);
    closeSync(h.fd);
    this.fds.delete(f);
    this.stats.files++;
    this.stats.bytes += h.written;
  }

  hardlinks(): void {
    for (const l of this.plan.hardlinks) {
      this.clear(l.path);
      linkSync(l.to.path, l.path);
      this.stats.hardlinks++;
    }
  }

  /** Re-read every restored file and check each blob-sized piece against its ID. */
  verify(): void {
    for (const f of this.plan.files) {
      const fd = openSync(f.path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        let pos = 0;
        for (const id of f.node.content ?? []) {
          const len = this.repo.index.get(Buffer.from(id, 'hex'))!.rawLength;
          const buf = Buffer.allocUnsafe(len);
          const n = readSync(fd, buf, 0, len, pos);
          if (n !== len || !blobId(this.repo.key.idKey, buf).equals(Buffer.from(id, 'hex'))) {
            throw new StrongboxError('VERIFY_FAILED', `verify: ${displayPath(f.path)} differs from the snapshot at byte offset ${pos}`);
          }
          pos += len;
        }
        if (fstatSync(fd).size !== pos) throw new StrongboxError('VERIFY_FAILED', `verify: ${displayPath(f.path)} has the wrong size`);
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Deepest first: restoring children changes a directory's mtime. */
  directoryMetadata(): void {
    for (let i = this.plan.dirs.length - 1; i >= 1; i--) this.meta(this.plan.dirs[i].node!, this.plan.dirs[i].path, null, false);
  }

  closeAll(): void {
    for (const h of this.fds.values()) closeSync(h.fd);
    this.fds.clear();
  }

  private makeDir(path: FsPath): void {
    try {
      if (lstatSync(path).isDirectory()) return;
      if (!this.opts.overwrite) throw new StrongboxError('TARGET_NOT_EMPTY', `${displayPath(path)} exists; pass --overwrite to replace it`);
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
    const mtime = nsToSeconds(n.mtime); // atime is not recorded; it is set to mtime
    try {
      if (isLink) {
        if (isRoot) lchownSync(path, n.uid, n.gid);
        lutimesSync(path, mtime, mtime);
      } else if (fd !== null) {
        if (isRoot) fchownSync(fd, n.uid, n.gid);
        fchmodSync(fd, n.mode);
        futimesSync(fd, mtime, mtime);
      } else {
        if (isRoot) lchownSync(path, n.uid, n.gid);
        chmodSync(path, n.mode);
        utimesSync(path, mtime, mtime);
      }
    } catch (e) {
      this.opts.onWarning?.(displayPath(path), `could not restore metadata: ${(e as Error).message}`);
    }
  }
}

/**
 * Seconds for utimes. A double cannot carry nanoseconds at today's epoch, and libuv truncates it into a
 * timespec; aiming at the middle of the microsecond makes the truncation land on the recorded microsecond.
 */
function nsToSeconds(ns: string): number {
  const us = BigInt(ns) / 1000n;
  return (Number(us) + 0.5) / 1e6;
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
