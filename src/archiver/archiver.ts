// Backup of file trees: walks the given paths (with excludes), sends changed files through the worker
// pool, reuses the content of files unchanged since the parent snapshot, and writes trees bottom-up.
// The walk uses synchronous lstat/readdir/readlink: for cached metadata they take microseconds, while
// each promise-based call costs a thread-pool round trip; the main thread would only wait meanwhile.
import { lstatSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { monotonicMs } from '../clock.js';
import { StrongboxError } from '../errors.js';
import { BLOB_DATA, BLOB_TREE } from '../repository/index-memory.js';
import { Packer } from '../repository/packer.js';
import type { Repository } from '../repository/repository.js';
import {
  filesComponent,
  type Periodicity,
  samePaths,
  type SnapshotRef,
  type SnapshotSummary,
} from '../repository/snapshot.js';
import {
  compareEntryNames,
  compareNames,
  encodeTree,
  linkFields,
  nameKey,
  nodeKey,
  type Tree,
  type TreeNode,
} from '../repository/tree.js';
import { childPath, displayPath, type EntryName, type FsPath, readNames } from '../util/names.js';
import { dirIdentity } from '../util/local-paths.js';
import { throwIfAborted } from '../util/scope.js';
import { LSTAT_FIELDS, lstatRaw } from '../util/utimens.js';
import { recordSnapshots, type RecordedSnapshots } from './record.js';
import { type Excluder, makeExcluder } from './excludes.js';
import { nodeFromRaw, nodeFromStat, unchanged } from './nodes.js';
import { FilePool } from './pool.js';
import { type BackupProgress, Counters } from './progress.js';

export interface BackupOptions {
  paths: string[];
  excludes?: string[];
  tags?: string[];
  host?: string;
  /** A snapshot ID, or undefined to pick the newest written snapshot of the same host and paths. */
  parent?: string;
  /** Record the snapshot at this time (ms since epoch) instead of now. */
  time?: number;
  /** Default "manual"; "all" records one snapshot per time-based periodicity. */
  periodicity?: Periodicity | 'all';
  note?: string;
  threads?: number;
  /** Cancels the backup: the walk stops, the workers end, no snapshot is written. */
  signal?: AbortSignal;
  /** Do not descend into other filesystems: a mount point is recorded as an empty directory. */
  oneFileSystem?: boolean;
  onProgress?: (p: BackupProgress) => void;
  onWarning?: (path: string, message: string) => void;
}

export interface BackupResult extends RecordedSnapshots {
  parent: string | null;
}

interface PathTrie {
  children: Map<string, PathTrie>;
  target: boolean;
}

export async function backup(repo: Repository, opts: BackupOptions): Promise<BackupResult> {
  const t0 = monotonicMs();
  const paths = checkPaths(opts.paths);
  const host = opts.host ?? hostname();
  const parent = await findParent(repo, opts.parent, host, paths);
  const packer = new Packer(repo);
  const pool = newPool(repo, opts.threads, opts.signal);
  try {
    const res = await archivePaths(repo, packer, pool, {
      paths,
      excludes: opts.excludes,
      oneFileSystem: opts.oneFileSystem,
      parentTree: parent ? (filesComponent(parent.snapshot)?.tree ?? null) : null,
      signal: opts.signal,
      onProgress: opts.onProgress,
      onWarning: opts.onWarning,
    });
    await packer.flush();
    throwIfAborted(opts.signal);
    const recorded = await recordSnapshots(repo, {
      time: opts.time,
      host,
      paths,
      tags: opts.tags,
      parent: parent?.id ?? null,
      components: [{ name: 'files', kind: 'files', tree: res.tree, paths }],
      summary: summarize([res.counters], packer, monotonicMs() - t0),
      errors: res.errors,
      periodicity: opts.periodicity,
      note: opts.note,
    });
    return { ...recorded, parent: parent?.id ?? null };
  } finally {
    await pool.close();
    await packer.abandon();
  }
}

/** Absolute, deduplicated, sorted paths; each must exist (a typo must not become an empty snapshot). */
export function checkPaths(input: string[]): string[] {
  const paths = [...new Set(input.map((p) => resolvePath(p)))].sort();
  if (!paths.length) throw new StrongboxError('USAGE', 'backup needs at least one path');
  for (const p of paths) {
    try {
      lstatSync(p);
    } catch (e) {
      throw new StrongboxError('USAGE', `cannot back up ${p}: ${(e as Error).message}`, { cause: e });
    }
  }
  return paths;
}

export function newPool(repo: Repository, threads?: number, signal?: AbortSignal): FilePool {
  const init = {
    encKey: repo.key.encKey,
    idKey: repo.key.idKey,
    chunkerSeed: repo.key.chunkerSeed,
    chunker: repo.config.chunker,
  };
  return new FilePool(init, threads, signal);
}

export interface ArchiveOptions {
  paths: string[];
  excludes?: string[];
  /** The root tree of the same paths in the parent snapshot: unchanged files are not read again. */
  parentTree: string | null;
  signal?: AbortSignal;
  /** Stay on the filesystem of each given path (see BackupOptions.oneFileSystem). */
  oneFileSystem?: boolean;
  onProgress?: (p: BackupProgress) => void;
  onWarning?: (path: string, message: string) => void;
}

export interface ArchiveResult {
  tree: string;
  counters: Counters;
  errors: { path: string; message: string }[];
}

/**
 * Walks `paths` into a root tree through a shared packer and worker pool (one snapshot may hold several
 * file trees); the caller flushes the packer and writes the snapshot.
 */
export async function archivePaths(
  repo: Repository,
  packer: Packer,
  pool: FilePool,
  opts: ArchiveOptions,
): Promise<ArchiveResult> {
  const t0 = monotonicMs();
  const run = new Walk(
    repo,
    packer,
    pool,
    makeExcluder(opts.excludes ?? []),
    !!opts.oneFileSystem,
    opts.onWarning,
    opts.signal,
    repositoryDir(repo),
  );
  const ticker = opts.onProgress
    ? setInterval(() => opts.onProgress!(run.counters.snapshot(monotonicMs() - t0)), 250)
    : null;
  try {
    const rootDone = await run.scanVirtual(buildTrie(opts.paths), '', opts.parentTree);
    run.counters.walkDone = true;
    const tree = await rootDone.p;
    return { tree, counters: run.counters, errors: run.errors };
  } finally {
    if (ticker) clearInterval(ticker);
    opts.onProgress?.(run.counters.snapshot(monotonicMs() - t0));
  }
}

/** The snapshot summary over one or more walks that shared `packer`. */
export function summarize(walks: Counters[], packer: Packer, durationMs: number, streamBlobs = 0): SnapshotSummary {
  const sum = (f: (c: Counters) => number) => walks.reduce((a, c) => a + f(c), 0);
  const dataBlobs = sum((c) => c.dataBlobs) + streamBlobs;
  return {
    files: sum((c) => c.files - c.filesFailed),
    dirs: sum((c) => c.dirs),
    bytes: sum((c) => c.bytes),
    filesNew: sum((c) => c.filesNew),
    filesChanged: sum((c) => c.filesChanged),
    filesUnmodified: sum((c) => c.filesUnmodified),
    dataBlobs,
    treeBlobs: packer.stats.blobsAdded - dataBlobs,
    dataAdded: packer.stats.bytesAdded,
    dataAddedPacked: packer.stats.bytesStored,
    durationMs: Math.round(durationMs),
  };
}

async function findParent(
  repo: Repository,
  ref: string | undefined,
  host: string,
  paths: string[],
): Promise<SnapshotRef | null> {
  if (ref) return repo.snapshots.resolve(ref);
  const all = await repo.snapshots.list();
  return (
    repo.snapshots.newestWritten(
      all.filter((s) => s.snapshot.host === host && samePaths(s.snapshot.paths, paths) && filesComponent(s.snapshot)),
    ) ?? null
  );
}

function buildTrie(paths: string[]): PathTrie {
  const root: PathTrie = { children: new Map(), target: false };
  for (const p of paths) {
    let n = root;
    for (const part of p.split('/').filter(Boolean)) {
      if (n.target) break;
      let c = n.children.get(part);
      if (!c) n.children.set(part, (c = { children: new Map(), target: false }));
      n = c;
    }
    n.target = true;
  }
  return root;
}

/** The node with its subtree (assigned, not spread: see newNode in nodes.ts). */
function withSubtree(node: TreeNode, id: string): TreeNode {
  node.subtree = id;
  return node;
}

/** A result that arrives later; boxed because an async function would flatten a returned promise. */
interface Later<T> {
  p: Promise<T>;
}

function later<T>(p: Promise<T>): Later<T> {
  p.catch(() => {}); // observed later through Promise.all; this only stops an early 'unhandled' report
  return { p };
}

/**
 * The repository's own directory when it is on this filesystem, by device and inode (so a symlink or bind mount
 * to it is recognised too): a backed-up path that holds it leaves it out rather than backing up the backup.
 */
function repositoryDir(repo: Repository): { key: string; path: string } | undefined {
  const key = dirIdentity(repo.localPath);
  return key === undefined ? undefined : { key, path: repo.localPath! };
}

class Walk {
  readonly counters = new Counters();
  readonly errors: { path: string; message: string }[] = [];
  private readonly hardlinks = new Map<string, Promise<string[] | null>>();
  private readonly raw = new Float64Array(LSTAT_FIELDS);

  constructor(
    private readonly repo: Repository,
    private readonly packer: Packer,
    private readonly pool: FilePool,
    private readonly excluder: Excluder,
    private readonly oneFileSystem: boolean,
    private readonly warn?: (path: string, message: string) => void,
    private readonly signal?: AbortSignal,
    private readonly repoDir?: { key: string; path: string },
  ) {}

  /** The directories above the backed-up paths: metadata from lstat, children only the wanted ones. */
  async scanVirtual(trie: PathTrie, abs: string, prevId: string | null): Promise<Later<string>> {
    const prev = await this.prevTree(prevId);
    const nodes: Later<TreeNode | null>[] = [];
    for (const name of [...trie.children.keys()].sort(compareNames)) {
      const child = trie.children.get(name)!;
      const path = `${abs}/${name}`;
      const prevNode = prev.get(name);
      if (child.target) {
        nodes.push(await this.scanEntry(path, { str: name }, '', prevNode, null));
        continue;
      }
      const st = lstatSync(path, { bigint: true });
      const node = nodeFromStat({ str: name }, st);
      const sub = await this.scanVirtual(child, path, prevNode?.type === 'dir' ? (prevNode.subtree ?? null) : null);
      nodes.push(later(sub.p.then((id) => withSubtree(node, id))));
    }
    return this.saveTree(nodes);
  }

  /** `dev`: the device of the backed-up path this directory is under (for --one-file-system). */
  private async scanDir(abs: FsPath, rel: string, prevId: string | null, dev: string): Promise<Later<string>> {
    const prev = await this.prevTree(prevId);
    let names: EntryName[] = [];
    try {
      names = readNames(abs).sort(compareEntryNames);
    } catch (e) {
      this.error(abs, e);
    }
    const nodes: Later<TreeNode | null>[] = [];
    for (const name of names) {
      // Excludes see the lossy UTF-8 form: a pattern cannot spell an invalid byte, but "*" matches its U+FFFD.
      const r = rel ? `${rel}/${name.str}` : name.str;
      nodes.push(await this.scanEntry(childPath(abs, name), name, r, prev.get(nameKey(name)), dev));
    }
    return this.saveTree(nodes);
  }

  /** `dev` is null for a backed-up path itself: its own device is the one --one-file-system stays on. */
  private async scanEntry(
    path: FsPath,
    name: EntryName,
    rel: string,
    prevNode: TreeNode | undefined,
    dev: string | null,
  ): Promise<Later<TreeNode | null>> {
    throwIfAborted(this.signal);
    this.counters.currentFile = path; // made printable only when progress is sampled
    const node = this.statNode(path, name);
    if (!node) return later(Promise.resolve(null));
    if (this.excluder.excluded(rel, node.type === 'dir')) return later(Promise.resolve(null));
    if (node.type === 'dir' && this.repoDir?.key === `${node.dev}:${node.inode}`) {
      this.warn?.(
        displayPath(path),
        `the repository ${this.repoDir.path} is inside the backed-up path; it is left out of the snapshot`,
      );
      return later(Promise.resolve(null));
    }
    if (this.oneFileSystem && dev !== null && node.dev !== dev) {
      // Like restic and tar: the mount point directory is kept (empty, with its metadata) so a restore recreates it.
      if (node.type !== 'dir') return later(Promise.resolve(null));
      this.counters.dirs++;
      return later(
        this.saveTree([])
          .then((t) => t.p)
          .then((id) => withSubtree(node, id)),
      );
    }
    switch (node.type) {
      case 'dir': {
        this.counters.dirs++;
        const sub = await this.scanDir(
          path,
          rel,
          prevNode?.type === 'dir' ? (prevNode.subtree ?? null) : null,
          dev ?? node.dev,
        );
        return later(sub.p.then((id) => withSubtree(node, id)));
      }
      case 'symlink':
        try {
          Object.assign(node, linkFields(readlinkSync(path, { encoding: 'buffer' })));
        } catch (e) {
          this.error(path, e);
          return later(Promise.resolve(null));
        }
        return later(Promise.resolve(node));
      case 'file':
        return this.file(path, node, prevNode);
      default:
        return later(Promise.resolve(node));
    }
  }

  /**
   * lstat as a tree node, or null (reported) when it fails. Kept out of the async walk so the large
   * BigInt stat object dies young instead of being held across an await and promoted.
   */
  private statNode(path: FsPath, name: EntryName): TreeNode | null {
    try {
      if (lstatRaw(path, this.raw)) return nodeFromRaw(name, this.raw);
      return nodeFromStat(name, lstatSync(path, { bigint: true }));
    } catch (e) {
      this.error(path, e);
      return null;
    }
  }

  /**
   * Decides at once whether the file's content can be taken from the parent snapshot; otherwise waits for
   * room in the worker pool's queue before submitting it, so the walk never runs far ahead of the readers
   * (a tree of 100,000 small files must not become 100,000 pending reads in memory).
   */
  private async file(path: FsPath, node: TreeNode, prevNode: TreeNode | undefined): Promise<Later<TreeNode | null>> {
    const c = this.counters;
    c.files++;
    c.bytesTotal += node.size;
    if (unchanged(prevNode, node) && prevNode.content.every((id) => this.packer.has(Buffer.from(id, 'hex')))) {
      c.filesUnmodified++;
      c.bytes += node.size;
      c.bytesDone += node.size;
      c.filesDone++;
      node.content = prevNode.content;
      return later(Promise.resolve(node));
    }
    const key = node.links > 1 ? `${node.dev}:${node.inode}` : '';
    let content = key ? this.hardlinks.get(key) : undefined;
    if (!content) {
      await this.pool.hasRoom();
      content = this.readFile(path, node);
      if (key) this.hardlinks.set(key, content);
    }
    return later(
      content.then((ids) => {
        c.filesDone++;
        // Counted once stored: a file that could not be read is an error, not a new or changed file.
        if (!ids) {
          c.filesFailed++;
          return null;
        }
        if (prevNode) c.filesChanged++;
        else c.filesNew++;
        c.bytes += node.size;
        node.content = ids;
        return node;
      }),
    );
  }

  private async readFile(path: FsPath, node: TreeNode): Promise<string[] | null> {
    const ids: string[] = [];
    const out = await this.pool.submit(path, node.size, (ch) => {
      const id = Buffer.from(ch.id); // a copy: the ID is a view of the worker's ring, written over once released
      ids.push(id.toString('hex'));
      this.counters.bytesDone += ch.rawLength;
      const added = this.packer.addSealed(BLOB_DATA, id, ch.sealed, ch.rawLength, ch.compressed);
      if (added === true) this.counters.dataBlobs++;
      else if (added !== false)
        return added.then((a) => {
          if (a) this.counters.dataBlobs++;
        });
    });
    if (out.error) {
      this.error(path, new Error(out.error));
      return null;
    }
    node.size = out.size;
    return ids;
  }

  private async saveTree(nodes: Later<TreeNode | null>[]): Promise<Later<string>> {
    return later(
      Promise.all(nodes.map((n) => n.p)).then(async (list) => {
        const tree: Tree = { nodes: list.filter((n): n is TreeNode => n !== null) };
        return (await this.packer.addPlain(BLOB_TREE, encodeTree(tree))).toString('hex');
      }),
    );
  }

  private async prevTree(id: string | null): Promise<Map<string, TreeNode>> {
    if (!id) return new Map();
    try {
      return new Map((await this.repo.loadTree(id)).nodes.map((n) => [nodeKey(n), n]));
    } catch {
      return new Map();
    }
  }

  private error(p: FsPath, e: unknown): void {
    // Node's messages repeat the path: escaped too, so a crafted name cannot fake lines in the warnings.
    const message = displayPath((e as Error).message ?? String(e));
    const path = displayPath(p);
    this.errors.push({ path, message });
    this.counters.errors++;
    this.warn?.(path, message);
  }
}
