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
import { filesComponents } from '../repository/snapshot.js';
import type { TreeNode } from '../repository/tree.js';
import { selectSubpath } from '../restore/select.js';
import { throwIfAborted } from '../util/scope.js';
import type { OpContext } from './context.js';
import { type RepoSpec, SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';

export const TAR_MANIFEST = 'strongbox-manifest.json';

export interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
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
    const snap = await repo.resolveSnapshot(input.snapshot);
    const comp = filesComponents(snap.snapshot).find((c) => c.name === input.component);
    if (!comp)
      throw new StrongboxError('NOT_FOUND', `snapshot ${snap.id.slice(0, 8)} has no file tree ${input.component}`);
    const pack = tar.pack();
    const piped = pipeline(pack, out, { signal: ctx.signal });
    const entries: TarEntry[] = [];
    const skipped: string[] = [];
    const walk = new TreeWriter(repo, pack, entries, skipped, ctx.signal);
    try {
      // The tree holds the tree's absolute path; the tar holds what is below it, under the component's name.
      const sel = await selectSubpath(repo, snap, comp.paths[0] ?? '/', comp);
      if (sel.kind !== 'tree') throw new StrongboxError('NOT_FOUND', `file tree ${comp.name} is not a directory`);
      await walk.tree(sel.tree, comp.name);
      const manifest = {
        snapshot: snap.id,
        app: snap.snapshot.app ?? null,
        time: snap.snapshot.time,
        periodicity: snap.snapshot.periodicity ?? null,
        component: comp.name,
        paths: comp.paths,
        entries,
        skipped,
      };
      pack.entry(
        { name: TAR_MANIFEST, mode: 0o644, mtime: new Date(snap.snapshot.time) },
        `${JSON.stringify(manifest, null, 2)}\n`,
      );
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
      await piped.catch(() => {});
      throw e;
    }
    await piped;
    return { outcome: 'ok', entries: entries.length, skipped };
  });
}

type Head = Partial<tar.Header> & { name: string };

class TreeWriter {
  private readonly source;
  constructor(
    private readonly repo: Repository,
    private readonly pack: tar.Pack,
    private readonly entries: TarEntry[],
    private readonly skipped: string[],
    private readonly signal: AbortSignal,
  ) {
    this.source = repositorySource(repo);
  }

  async tree(id: string, prefix: string): Promise<void> {
    for (const n of (await this.repo.loadTree(id)).nodes) {
      throwIfAborted(this.signal);
      const path = `${prefix}/${n.name}`;
      const base = {
        name: path,
        mode: n.mode & 0o7777,
        mtime: new Date(Number(BigInt(n.mtime) / 1_000_000n)),
        uid: n.uid,
        gid: n.gid,
      };
      const mtime = base.mtime.toISOString();
      if (n.type === 'dir') {
        await this.entry({ ...base, name: `${path}/`, type: 'directory' });
        this.entries.push({ path, type: 'dir', size: 0, mode: base.mode, mtime });
        if (n.subtree) await this.tree(n.subtree, path);
      } else if (n.type === 'symlink') {
        await this.entry({ ...base, type: 'symlink', linkname: n.linktarget ?? '' });
        this.entries.push({ path, type: 'symlink', size: 0, mode: base.mode, mtime, linktarget: n.linktarget ?? '' });
      } else if (n.type === 'file') {
        const sha256 = await this.file(n, { ...base, type: 'file', size: n.size });
        this.entries.push({ path, type: 'file', size: n.size, mode: base.mode, mtime, sha256 });
      } else this.skipped.push(`${path} (${n.type})`);
    }
  }

  private entry(h: Head): Promise<void> {
    return new Promise((resolve, reject) => this.pack.entry(h, (e) => (e ? reject(e) : resolve())));
  }

  /** The file's blobs in order, each verified, into one entry of its recorded size; its SHA-256. */
  private async file(n: TreeNode, h: Head): Promise<string> {
    const hash = createHash('sha256');
    let done!: (e: Error | null | undefined) => void;
    const written = new Promise<void>((resolve, reject) => (done = (e) => (e ? reject(e) : resolve())));
    const w = this.pack.entry(h, (e) => done(e));
    let size = 0;
    for (const id of n.content ?? []) {
      throwIfAborted(this.signal);
      const data = blobOrThrow(await this.source.load(id));
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
