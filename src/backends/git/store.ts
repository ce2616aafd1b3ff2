// The commit protocol of docs/design/git-backend.md: the tip this process knows and its tree, a queue of saves and
// removals committed one batch at a time on the tip and pushed with a lease, fetched and replayed when another host
// pushed first; removals of anything but locks make the commit a new root (history rewrite).
import { existsSync } from 'node:fs';
import { realpath, rm, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { monotonicMs, systemClock } from '../../clock.js';
import { sleep } from '../../util/scope.js';
import { BackendError } from '../backend.js';
import { buildTree, readTree, type Entry } from './tree.js';
import { gitError } from './errors.js';
import { GitFailure, type GitRunner } from './run.js';
import type { GitTarget } from './location.js';

interface Put {
  kind: 'put';
  path: string;
  entry: Entry;
  exclusive: boolean;
  resolve(): void;
  reject(err: unknown): void;
}
interface Del {
  kind: 'del';
  path: string;
}
type Op = Put | Del;

export interface StoreSettings {
  gitDir: string;
  /** This process's own ref in the cache (refs/strongbox/<pid>-<random>). */
  ref: string;
  location: string;
  timeoutMs: number;
  /** How old a lock file left on the remote by a git that did not finish must be before it is removed or reported. */
  staleLockMs: number;
  /** Reports what the store did that the user should know of (a stale lock file it removed). */
  warn?: (message: string) => void;
  /** Called with a put refused because its path exists: the error to reject it with. */
  exists(path: string): Error;
}

/** At most this many bytes of new objects go into one push (GitHub refuses pushes over 2 GB). */
const BATCH_BYTES = 512 * 1024 * 1024;
const MAX_ATTEMPTS = 30;
/**
 * A push that lost the race: the lease was stale (another host pushed since our fetch), or the server found the
 * branch taken or locked by a push landing at the same moment.
 */
const STALE =
  /\[rejected\] \((stale info|fetch first|non-fast-forward)\)|cannot lock ref|failed to update ref|reference already exists/;
/**
 * A push that found a lock file of the remote repository taken (its path there): another push holding it for a
 * moment, or a git on the remote's machine killed while it held it, which nobody will remove (git says to remove
 * it by hand).
 */
const LOCK_TAKEN = /Unable to create '([^'\n]+\.lock)': File exists/;

export class GitStore {
  private tip: string | null = null;
  private tipTree: string | null = null;
  private files = new Map<string, Entry>();
  private fetched = false;
  private queue: Op[] = [];
  /** Paths removed by this process whose removal is not pushed yet: gone for its own reads. */
  private removing = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private scheduled = false;
  /** Set once this process rewrote history, for the cache's clean-up. */
  rewrites = 0;

  constructor(
    private git: GitRunner,
    private readonly target: GitTarget,
    private readonly s: StoreSettings,
  ) {}

  /**
   * After the operation was cancelled: fails the saves still queued, and sends what remains (removals: a released
   * lock must not outlive the process) through `runner`, which the cancellation does not stop.
   */
  finishCancelled(runner: GitRunner, err: Error): void {
    this.git = runner;
    for (const op of this.queue) if (op.kind === 'put') op.reject(err);
    this.queue = this.queue.filter((op) => op.kind === 'del');
    // A lock whose push was cut off may have landed all the same; nobody will release it: remove it, after a
    // fetch (this process's view does not have it).
    const locks = [...this.cutOff].filter((path) => path.startsWith('locks/'));
    for (const path of locks) this.remove(path);
    if (locks.length > 0) this.fetched = false;
  }

  /** Paths of saves whose push was killed by a cancellation: they may or may not be on the remote. */
  private cutOff = new Set<string>();

  /** Runs `fn` after everything queued before it: one fetch or push at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => {});
    return p;
  }

  /** The object at `path` as this process sees it; with `fresh`, fetched first when it is not known. */
  async lookup(path: string, fresh: boolean): Promise<Entry | undefined> {
    if (this.removing.has(path)) return undefined;
    if (!this.files.has(path) && fresh) await this.serial(() => this.fetch());
    return this.removing.has(path) ? undefined : this.files.get(path);
  }

  /**
   * Every path under `prefix`, fetched first: every save that resolved is in it, this process's queued removals are
   * left out. Listing does not send the queue, so that a command's removals and its lock's removal, queued around
   * its listings, still go out in one commit.
   */
  async entries(prefix: string): Promise<[string, Entry][]> {
    await this.serial(() => this.fetch());
    return [...this.files].filter(([p]) => p.startsWith(prefix) && !this.removing.has(p));
  }

  /** Queues an object already written to the cache; resolves once a push holding it has landed. */
  put(path: string, entry: Entry, exclusive: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'put', path, entry, exclusive, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      this.serial(async () => {
        this.scheduled = false;
        await this.drain();
      }).catch(() => {}); // each put's own promise carries its failure
    });
  }

  /** Queues a removal: effective for this process now, on the remote with the next commit. */
  remove(path: string): void {
    this.queue.push({ kind: 'del', path });
    this.removing.add(path);
  }

  /** Sends everything queued (close() calls it: queued removals must not be lost silently). */
  flush(): Promise<void> {
    return this.serial(() => this.drain());
  }

  /**
   * Commits batch after batch until the queue is empty. A failed batch fails its own saves only: the saves queued
   * behind it are still tried; when only removals are left after a failure they wait for the next commit.
   */
  private async drain(): Promise<void> {
    let failure: unknown;
    while (this.queue.length > 0) {
      try {
        await this.commitBatch();
      } catch (err) {
        failure = err;
        if (!this.queue.some((op) => op.kind === 'put')) break;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Fetches, after what is running (a push) has finished. */
  refresh(): Promise<void> {
    return this.serial(() => this.fetch());
  }

  /** Fetches the branch into this process's ref and reads its tree if the tip moved. */
  private async fetch(): Promise<void> {
    const { url, branch, localPath } = this.target;
    if (localPath !== undefined && !existsSync(localPath)) return this.setTip(null); // create() makes it
    try {
      await this.git.run(
        ['fetch', '--quiet', '--no-write-fetch-head', '--no-tags', url, `+refs/heads/${branch}:${this.s.ref}`],
        { timeoutMs: this.s.timeoutMs },
      );
    } catch (err) {
      if (err instanceof GitFailure && /couldn't find remote ref/i.test(err.stderr)) return this.setTip(null);
      throw gitError(err, 'fetch', this.s.location);
    }
    const [tip, tree] = (await this.git.run(['rev-parse', this.s.ref, `${this.s.ref}^{tree}`]))
      .toString('utf8')
      .split('\n');
    await this.setTip(tip, tree);
  }

  private async setTip(tip: string | null, tree: string | null = null): Promise<void> {
    if (this.fetched && tip === this.tip) return;
    this.files = tip === null ? new Map<string, Entry>() : await readTree(this.git, tip);
    this.tip = tip;
    this.tipTree = tree;
    this.fetched = true;
  }

  /** Takes the queue's head up to the batch limit (at least one op). */
  private take(): Op[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length) {
      const op = this.queue[n];
      if (op.kind === 'put') {
        if (n > 0 && bytes + op.entry.size > BATCH_BYTES) break;
        bytes += op.entry.size;
      }
      n++;
    }
    return this.queue.splice(0, n);
  }

  /** Commits and pushes one batch, fetching and replaying it on the new tip while another host pushes first. */
  private async commitBatch(): Promise<void> {
    const batch = this.take();
    const puts = batch.filter((op): op is Put => op.kind === 'put');
    try {
      if (!this.fetched) await this.fetch();
      let races = 0;
      let lockedSince: number | undefined;
      for (;;) {
        const plan = this.plan(batch);
        const pushed = plan.changes.length === 0 ? true : await this.push(plan.changes, plan.rewrite);
        if (pushed === true) {
          this.settle(batch, plan.refused);
          return;
        }
        if (pushed === false) {
          lockedSince = undefined; // the lock was free for this push: a lock seen later is another one
          if (++races >= MAX_ATTEMPTS) {
            throw new GitFailure('push', 1, `another host kept pushing first (${MAX_ATTEMPTS} attempts)`);
          }
          await sleep(Math.random() * Math.min(1000, 50 * races));
        } else {
          lockedSince ??= monotonicMs();
          await this.waitOutLock(pushed.lock, lockedSince);
        }
        await this.fetch();
      }
    } catch (err) {
      const e = gitError(err, 'push', this.s.location);
      if (err instanceof GitFailure && err.cancelled) for (const p of puts) this.cutOff.add(p.path);
      for (const p of puts) p.reject(e);
      // Removals stay queued (their callers were told they are done): the next commit or close() sends them.
      this.queue.unshift(...batch.filter((op) => op.kind === 'del'));
      throw e;
    }
  }

  /** The changes a batch makes to the tip's tree; exclusive puts whose path is taken are refused. */
  private plan(batch: Op[]): { changes: [string, Entry | null][]; refused: Set<Put>; rewrite: boolean } {
    const next = new Map<string, Entry | null>();
    const refused = new Set<Put>();
    const current = (p: string) => (next.has(p) ? next.get(p) : this.files.get(p));
    for (const op of batch) {
      if (op.kind === 'del') next.set(op.path, null);
      else if (op.exclusive && current(op.path)) refused.add(op);
      else next.set(op.path, op.entry);
    }
    const changes = [...next].filter(([p, e]) => (e === null ? this.files.has(p) : this.files.get(p)?.oid !== e.oid));
    const rewrite = changes.some(([p, e]) => e === null && !p.startsWith('locks/'));
    return { changes, refused, rewrite };
  }

  /**
   * Before the next try of a push that found `lock` (a path on the remote's machine) taken since `since`. On this
   * machine, a lock older than staleLockMs was left by a git that did not finish (a push killed while it updated
   * the branch): it is removed, with a warning; a younger one is waited for. A remote elsewhere cannot be touched:
   * the push fails once the lock has been in the way for that long, saying which file to remove there.
   */
  private async waitOutLock(lock: string, since: number): Promise<void> {
    const file = await this.localLockFile(lock);
    const { staleLockMs } = this.s;
    if (file !== undefined) {
      const st = await stat(file).catch(() => undefined);
      if (st === undefined) return; // released meanwhile
      const age = systemClock.now() - st.mtimeMs; // the file's age: wall-clock time
      if (age >= staleLockMs) {
        await rm(file, { force: true });
        this.s.warn?.(
          `removed ${file} from ${this.s.location}: a lock on the branch, ${Math.round(age / 1000)} s old, that a ` +
            'git killed while it updated the branch left behind; no push could land while it was there',
        );
        return;
      }
      return sleep(Math.min(staleLockMs - age, 100 + Math.random() * 200));
    }
    const waited = monotonicMs() - since;
    if (waited >= staleLockMs) {
      throw new BackendError(
        'permanent',
        `cannot push at ${this.s.location}: the lock file ${lock} on the remote has refused every push for ` +
          `${Math.round(waited / 1000)} s. A git there did not finish (it was killed while it updated the branch) ` +
          'and nobody will remove its lock: if no git is running on that repository, remove it (git itself says so)',
      );
    }
    return sleep(Math.min(staleLockMs - waited, 100 + Math.random() * 400));
  }

  /** The lock file git named, when the remote is a directory on this machine and the file is inside it. */
  private async localLockFile(lock: string): Promise<string | undefined> {
    const root = this.target.localPath;
    if (root === undefined) return undefined;
    try {
      const [top, dir] = await Promise.all([realpath(root), realpath(dirname(resolve(root, lock)))]);
      if (dir !== top && !dir.startsWith(top + sep)) return undefined;
      return resolve(dir, lock.slice(lock.lastIndexOf('/') + 1));
    } catch {
      return undefined; // its directory is gone: then so is the lock (the next push says what is wrong)
    }
  }

  /**
   * Builds the commit on the tip and pushes it with the tip as lease; false when the lease was stale, the lock
   * file's path when a lock on the remote was taken.
   */
  private async push(changes: [string, Entry | null][], rewrite: boolean): Promise<boolean | { lock: string }> {
    const tree = await buildTree(this.git, this.s.gitDir, this.tip, changes);
    if (tree === this.tipTree) return true;
    const saved = changes.filter(([, e]) => e !== null).length;
    const message = `strongbox: ${saved} saved, ${changes.length - saved} removed${rewrite ? ' (history rewritten: a new root holds what remains)' : ''}`;
    const parent = this.tip === null || rewrite ? [] : ['-p', this.tip];
    const commit = (await this.git.run(['commit-tree', tree, ...parent, '-m', message])).toString('utf8').trim();
    const { url, branch } = this.target;
    try {
      await this.git.run(
        [
          'push',
          '--porcelain',
          '--quiet',
          `--force-with-lease=refs/heads/${branch}:${this.tip ?? ''}`,
          url,
          `${commit}:refs/heads/${branch}`,
        ],
        { timeoutMs: this.s.timeoutMs },
      );
    } catch (err) {
      if (!(err instanceof GitFailure)) throw err;
      const lock = LOCK_TAKEN.exec(err.stderr)?.[1];
      if (lock !== undefined) return { lock };
      if (STALE.test(err.stdout) || STALE.test(err.stderr)) return false;
      throw err;
    }
    await this.git.run(['update-ref', this.s.ref, commit]);
    for (const [p, e] of changes) {
      if (e === null) this.files.delete(p);
      else this.files.set(p, e);
    }
    this.tip = commit;
    this.tipTree = tree;
    if (rewrite) this.rewrites++;
    return true;
  }

  private settle(batch: Op[], refused: Set<Put>): void {
    for (const op of batch) {
      if (op.kind === 'del') continue;
      if (refused.has(op)) op.reject(this.s.exists(op.path));
      else op.resolve();
    }
    this.removing = new Set(this.queue.filter((op) => op.kind === 'del').map((op) => op.path));
  }
}
