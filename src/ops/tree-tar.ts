// A file tree of a snapshot as a POSIX tar stream (pax where names are long), each file's content read and checked
// blob by blob as it goes, nothing staged on disk; a manifest of every entry (path, type, size, mode, mtime, and a
// file's SHA-256) is the archive's last member, since the digests are known only once the files are written.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { StrongboxError } from '../errors.js';
import { blobOrThrow, repositorySource } from '../repository/blob-source.js';
import type { Repository } from '../repository/repository.js';
import { type FilesComponent, filesComponents, type SnapshotRef } from '../repository/snapshot.js';
import { assertSafeNode, type TreeNode } from '../repository/tree.js';
import { selectSubpath } from '../restore/select.js';
import { throwIfAborted } from '../util/scope.js';
import type { OpContext } from './context.js';
import { type RepoSpec, SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';

export const TAR_MANIFEST = 'strongbox-manifest.json';

export interface TarEntry {
  path: string;
  /** A hard link names the file (earlier in the tar) it is a link to in `linktarget`, and has its size and SHA-256. */
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  size: number;
  mode: number;
  mtime: string;
  sha256?: string;
  linktarget?: string;
}

export interface TreeTarInput {
  /** The snapshot's full ID. */
  snapshot: string;
  component: string;
}

export interface TreeTarResult {
  outcome: 'ok';
  entries: number;
  /** Special files (devices, fifos, sockets) a tar of this kind leaves out. */
  skipped: string[];
}

/** Writes the tar to `out` (and ends it); paths start with the component's name. */
export async function tarTree(
  spec: RepoSpec,
  input: TreeTarInput,
  out: Writable,
  ctx: OpContext,
): Promise<TreeTarResult> {
  return withRepository(spec, ctx, { lock: 'shared', waitMs: SHARED_LOCK_WAIT_MS, index: true }, async (repo) => {
    const snap = await repo.snapshots.resolve(input.snapshot);
    const comp = filesComponents(snap.snapshot).find((c) => c.name === input.component);
    if (!comp)
      throw new StrongboxError('NOT_FOUND', `snapshot ${snap.id.slice(0, 8)} has no file tree ${input.component}`);
    const r = await writeTreeTar(repo, snap, comp, out, ctx.signal, { manifest: true });
    return { outcome: 'ok', entries: r.entries.length, skipped: r.skipped };
  });
}

/**
 * A file tree of an open repository as a tar into `out` (ended): the component's directory itself, then what is
 * below it, each entry with a pax header carrying its mtime to the nanosecond; with `manifest`, TAR_MANIFEST last.
 */
export async function writeTreeTar(
  repo: Repository,
  snap: SnapshotRef,
  comp: FilesComponent,
  out: Writable,
  signal: AbortSignal,
  opts: { manifest: boolean },
): Promise<{ entries: TarEntry[]; skipped: string[] }> {
  const pack = tar.pack();
  const piped = pipeline(pack, out, { signal });
  piped.catch(() => {}); // awaited below; an abort rejects it while the walk is still between entries
  const walk = new TreeWriter(repo, pack, signal);
  try {
    await walk.component(snap, comp);
    if (opts.manifest) {
      const manifest = {
        snapshot: snap.id,
        app: snap.snapshot.app ?? null,
        time: snap.snapshot.time,
        periodicity: snap.snapshot.periodicity ?? null,
        component: comp.name,
        paths: comp.paths,
        entries: walk.entries,
        skipped: walk.skipped,
      };
      pack.entry(
        { name: TAR_MANIFEST, mode: 0o644, mtime: new Date(snap.snapshot.time) },
        `${JSON.stringify(manifest, null, 2)}\n`,
      );
    }
    pack.finalize();
  } catch (e) {
    pack.destroy(e as Error);
    await piped.catch(() => {});
    throw e;
  }
  await piped;
  return { entries: walk.entries, skipped: walk.skipped };
}

/** The exact size in bytes of `writeTreeTar`'s tar without a manifest, from the trees alone (no content is read). */
export async function treeTarSize(
  repo: Repository,
  snap: SnapshotRef,
  comp: FilesComponent,
  signal: AbortSignal,
): Promise<number> {
  const walk = new TreeWriter(repo, null, signal);
  await walk.component(snap, comp);
  return walk.bytes + END_OF_TAR;
}

type Head = Partial<tar.Header> & { name: string; size: number; pax: Record<string, string> };

const BLOCK = 512;
/** Blobs of a file read ahead of the one being written. */
const AHEAD = 4;
const END_OF_TAR = 2 * BLOCK;
const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

/** One pax record as tar-stream writes it: "<length> key=value\n", the length counting its own digits. */
function paxRecordLength(key: string, value: string): number {
  const len = Buffer.byteLength(` ${key}=${value}\n`);
  let digits = Math.floor(Math.log10(len)) + 1;
  if (len + digits >= 10 ** digits) digits++;
  return len + digits;
}

/** Bytes tar-stream writes for an entry that has a pax header: the pax header block and records, the header, the content. */
function entryBytes(h: Head): number {
  let pax = paxRecordLength('path', h.name);
  if (h.linkname) pax += paxRecordLength('linkpath', h.linkname);
  for (const [k, v] of Object.entries(h.pax)) pax += paxRecordLength(k, v);
  return BLOCK + padded(pax) + BLOCK + padded(h.size);
}

/** Seconds since the epoch with nine decimals, from a node's mtime in nanoseconds (pax "mtime"). */
function paxTime(ns: string): string {
  const v = BigInt(ns);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  return `${neg ? '-' : ''}${abs / 1_000_000_000n}.${String(abs % 1_000_000_000n).padStart(9, '0')}`;
}

/** Writes entries into `pack`, or with no pack only counts the bytes they would take. */
class TreeWriter {
  private readonly source;
  readonly entries: TarEntry[] = [];
  readonly skipped: string[] = [];
  /** The first path of each hard-linked file (by device and inode) and its SHA-256: the others become links to it. */
  private readonly linked = new Map<string, { path: string; sha256?: string }>();
  bytes = 0;
  constructor(
    private readonly repo: Repository,
    private readonly pack: tar.Pack | null,
    private readonly signal: AbortSignal,
  ) {
    this.source = repositorySource(repo);
  }

  /** The component's directory entry (when the snapshot holds its node), then its tree. */
  async component(snap: SnapshotRef, comp: FilesComponent): Promise<void> {
    // The tree holds the tree's absolute path; the tar holds what is below it, under the component's name.
    const sel = await selectSubpath(this.repo, snap, comp.paths[0] ?? '/', comp);
    if (sel.kind !== 'tree') throw new StrongboxError('NOT_FOUND', `file tree ${comp.name} is not a directory`);
    const root = await this.rootNode(comp);
    if (root) await this.node(root, comp.name, false);
    await this.tree(sel.tree, comp.name);
  }

  private async rootNode(comp: FilesComponent): Promise<TreeNode | undefined> {
    let tree: string | undefined = comp.tree;
    let node: TreeNode | undefined;
    for (const part of (comp.paths[0] ?? '/').split('/').filter(Boolean)) {
      if (!tree) return undefined;
      node = (await this.repo.loadTree(tree)).nodes.find((n) => n.name === part && !n.nameBytes);
      tree = node?.type === 'dir' ? node.subtree : undefined;
    }
    return node?.type === 'dir' ? node : undefined;
  }

  async tree(id: string, prefix: string): Promise<void> {
    for (const n of (await this.repo.loadTree(id)).nodes) {
      assertSafeNode(n, prefix); // a name such as ".." never becomes a tar member that climbs out
      await this.node(n, `${prefix}/${n.name}`, true);
    }
  }

  private async node(n: TreeNode, path: string, descend: boolean): Promise<void> {
    throwIfAborted(this.signal);
    const base = {
      name: path,
      mode: n.mode & 0o7777,
      mtime: new Date(Number(BigInt(n.mtime) / 1_000_000n)),
      uid: n.uid,
      gid: n.gid,
      size: 0,
      pax: { mtime: paxTime(n.mtime) },
    };
    const mtime = base.mtime.toISOString();
    if (n.type === 'dir') {
      await this.entry({ ...base, name: `${path}/`, type: 'directory' });
      this.entries.push({ path, type: 'dir', size: 0, mode: base.mode, mtime });
      if (descend && n.subtree) await this.tree(n.subtree, path);
    } else if (n.type === 'symlink') {
      await this.entry({ ...base, type: 'symlink', linkname: n.linktarget ?? '' });
      this.entries.push({ path, type: 'symlink', size: 0, mode: base.mode, mtime, linktarget: n.linktarget ?? '' });
    } else if (n.type === 'file' && n.links > 1 && this.linked.has(`${n.dev}:${n.inode}`)) {
      const first = this.linked.get(`${n.dev}:${n.inode}`)!;
      await this.entry({ ...base, type: 'link', linkname: first.path });
      const sha256 = first.sha256 ? { sha256: first.sha256 } : {};
      this.entries.push({
        path,
        type: 'hardlink',
        size: n.size,
        mode: base.mode,
        mtime,
        linktarget: first.path,
        ...sha256,
      });
    } else if (n.type === 'file') {
      const sha256 = await this.file(n, { ...base, type: 'file', size: n.size });
      this.entries.push({ path, type: 'file', size: n.size, mode: base.mode, mtime, ...(sha256 ? { sha256 } : {}) });
      if (n.links > 1) this.linked.set(`${n.dev}:${n.inode}`, { path, sha256 });
    } else this.skipped.push(`${path} (${n.type})`);
  }

  private entry(h: Head): Promise<void> {
    this.bytes += entryBytes(h);
    const pack = this.pack;
    if (!pack) return Promise.resolve();
    // An entry's stream fails when the pack is destroyed (an abort): its error goes to the promise, never unheard.
    return new Promise((resolve, reject) => pack.entry(h, (e) => (e ? reject(e) : resolve())).on('error', reject));
  }

  /** The file's blobs in order, each verified, into one entry of its recorded size; its SHA-256 (none when sizing). */
  private async file(n: TreeNode, h: Head): Promise<string | undefined> {
    if (!this.pack) {
      this.bytes += entryBytes(h);
      return undefined;
    }
    this.bytes += entryBytes(h);
    const hash = createHash('sha256');
    let done!: (e: Error | null | undefined) => void;
    const written = new Promise<void>((resolve, reject) => (done = (e) => (e ? reject(e) : resolve())));
    written.catch(() => {}); // awaited below; a failure or abort before then must not go unhandled
    const w = this.pack.entry(h, (e) => done(e));
    w.on('error', (e: Error) => done(e));
    let size = 0;
    // A few blobs are read ahead, so reading and decrypting the next overlaps writing this one.
    const ids = n.content ?? [];
    const ahead: ReturnType<typeof this.source.load>[] = [];
    const fill = (from: number) => {
      while (ahead.length < AHEAD && from + ahead.length < ids.length) {
        const p = this.source.load(ids[from + ahead.length]);
        p.catch(() => {}); // awaited in turn; one past a failure is never awaited
        ahead.push(p);
      }
    };
    for (let i = 0; i < ids.length; i++) {
      throwIfAborted(this.signal);
      fill(i);
      const data = blobOrThrow(await ahead.shift()!);
      size += data.length;
      if (size > n.size) break;
      hash.update(data);
      if (!w.write(data)) await once(w, 'drain');
    }
    if (size !== n.size)
      throw new StrongboxError('INTEGRITY', `${String(h.name)}: its blobs hold ${size} bytes, the tree says ${n.size}`);
    w.end(Buffer.alloc(0));
    await written;
    return hash.digest('hex');
  }
}
