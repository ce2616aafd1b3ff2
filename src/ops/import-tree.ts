// A file tree from a tar stream, stored as a backup stores one: each file's content chunked into data blobs (the same
// chunker, so it deduplicates with backups of the same files), directories written bottom-up as tree blobs, and the
// whole placed under the app's configured path so that a restore treats it exactly like a backed-up tree.
import { lstatSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { Emit } from '../events.js';
import { StrongboxError } from '../errors.js';
import { BLOB_TREE } from '../repository/index-memory.js';
import type { Packer } from '../repository/packer.js';
import type { Repository } from '../repository/repository.js';
import type { SealPool } from '../repository/seal-pool.js';
import { saveStream } from '../repository/stream.js';
import { compareNames, encodeTree, type TreeNode } from '../repository/tree.js';
import { throwIfAborted } from '../util/scope.js';

interface Dir {
  node: TreeNode;
  children: Map<string, Dir | TreeNode>;
}

export interface ImportedTree {
  tree: string;
  files: number;
  dirs: number;
  bytes: number;
  blobsNew: number;
  /** SHA-256 of each file's content by its path below the tree (what an export's manifest is checked against). */
  digests: Map<string, string>;
}

export interface TreeImportOptions {
  /** The absolute path the tree belongs at (the app's configured path). */
  path: string;
  /** A first path component every member has (an export's tree tar holds `<component>/…`); stripped. */
  prefix?: string;
  /** Directories the tar does not describe get this time (ms). */
  time: number;
  signal: AbortSignal;
  emit: Emit;
  component: string;
  sealPool?: SealPool;
}

const isDir = (x: Dir | TreeNode): x is Dir => 'children' in x;

/** Reads the tar `input` (uncompressed) to its end and stores it as a tree; the caller flushes the packer. */
export async function importTree(
  repo: Repository,
  packer: Packer,
  input: Readable,
  opts: TreeImportOptions,
): Promise<ImportedTree> {
  const b = new TreeBuilder(repo, packer, opts);
  const extract = tar.extract();
  const fed = pipeline(input, extract);
  fed.catch(() => {}); // awaited below
  try {
    for await (const entry of extract) {
      throwIfAborted(opts.signal);
      await b.add(entry.header, entry as unknown as AsyncIterable<Buffer>);
    }
  } catch (e) {
    extract.destroy(e as Error);
    throw e;
  }
  await fed;
  return b.finish();
}

class TreeBuilder {
  private readonly root: Dir;
  private inodes = 0;
  readonly out: Omit<ImportedTree, 'tree'> = { files: 0, dirs: 0, bytes: 0, blobsNew: 0, digests: new Map() };

  constructor(
    private readonly repo: Repository,
    private readonly packer: Packer,
    private readonly opts: TreeImportOptions,
  ) {
    this.root = { node: this.dirNode(this.basePath().at(-1) ?? '', this.statOf(opts.path)), children: new Map() };
  }

  private basePath(): string[] {
    return this.opts.path.split('/').filter(Boolean);
  }

  /** Path components below the tree's root; null for a member outside it (or an export tar's other members). */
  private parts(name: string): string[] {
    const parts = name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.some((p) => p === '..' || p.includes('\0')))
      throw new StrongboxError('UNSAFE_PATH', `refusing tar member ${JSON.stringify(name)}: it climbs out of the tree`);
    if (this.opts.prefix !== undefined) {
      if (parts[0] !== this.opts.prefix)
        throw new StrongboxError(
          'USAGE',
          `tar member ${JSON.stringify(name)} of file tree ${this.opts.component} is not under ${this.opts.prefix}/`,
        );
      parts.shift();
    }
    return parts;
  }

  async add(h: tar.Header, data: AsyncIterable<Buffer>): Promise<void> {
    const parts = this.parts(h.name);
    const meta = {
      mode: (h.mode ?? 0) & 0o7777,
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      mtime: mtimeNs(h),
    };
    if (h.type === 'directory') {
      await drain(data);
      const d = parts.length ? this.dir(parts) : this.root;
      Object.assign(d.node, meta, { ctime: meta.mtime });
      return;
    }
    if (!parts.length) {
      await drain(data);
      throw new StrongboxError('USAGE', `tar member ${JSON.stringify(h.name)} is the tree's root but not a directory`);
    }
    const name = parts.at(-1)!;
    const parent = this.dir(parts.slice(0, -1));
    const node: TreeNode = {
      name,
      type: 'file',
      ...meta,
      ctime: meta.mtime,
      size: 0,
      inode: '0',
      dev: '0',
      links: 1,
    };
    if (h.type === 'file' || h.type === 'contiguous-file') {
      const stored = await saveStream(this.repo, this.packer, data, this.opts.sealPool);
      Object.assign(node, { size: stored.size, content: stored.content, inode: String(++this.inodes) });
      this.out.files++;
      this.out.bytes += stored.size;
      this.out.blobsNew += stored.blobsNew;
      this.out.digests.set(parts.join('/'), stored.sha256);
    } else if (h.type === 'symlink') {
      await drain(data);
      Object.assign(node, { type: 'symlink', linktarget: h.linkname ?? '' });
    } else if (h.type === 'link') {
      await drain(data);
      const to = this.find(this.parts(h.linkname ?? ''));
      if (!to || isDir(to) || to.type !== 'file')
        throw new StrongboxError(
          'USAGE',
          `tar member ${JSON.stringify(h.name)} is a hard link to a file not before it`,
        );
      to.links++;
      Object.assign(node, { size: to.size, content: to.content, inode: to.inode, links: to.links });
      this.out.files++;
      this.out.digests.set(parts.join('/'), this.out.digests.get(this.parts(h.linkname ?? '').join('/')) ?? '');
    } else {
      await drain(data);
      this.opts.emit({
        type: 'warning',
        component: this.opts.component,
        path: h.name,
        message: `file tree ${this.opts.component}: tar member ${h.name} (${h.type}) is not imported`,
      });
      return;
    }
    parent.children.set(name, node);
  }

  private find(parts: string[]): Dir | TreeNode | undefined {
    let cur: Dir | TreeNode = this.root;
    for (const p of parts) {
      if (!isDir(cur)) return undefined;
      const next: Dir | TreeNode | undefined = cur.children.get(p);
      if (!next) return undefined;
      cur = next;
    }
    return cur;
  }

  /** The directory at `parts`, made (with default metadata) where the tar did not describe it first. */
  private dir(parts: string[]): Dir {
    let cur = this.root;
    for (const [i, p] of parts.entries()) {
      let next = cur.children.get(p);
      if (next && !isDir(next))
        throw new StrongboxError('USAGE', `tar member ${parts.slice(0, i + 1).join('/')} is a file and a directory`);
      if (!next) {
        next = { node: this.dirNode(p), children: new Map() };
        cur.children.set(p, next);
        this.out.dirs++;
      }
      cur = next;
    }
    return cur;
  }

  private dirNode(name: string, st?: { mode: number; uid: number; gid: number; mtime: string }): TreeNode {
    const mtime = st?.mtime ?? (BigInt(this.opts.time) * 1_000_000n).toString();
    return {
      name,
      type: 'dir',
      mode: st?.mode ?? 0o755,
      uid: st?.uid ?? 0,
      gid: st?.gid ?? 0,
      mtime,
      ctime: mtime,
      size: 0,
      inode: '0',
      dev: '0',
      links: 1,
    };
  }

  /** Metadata of a local directory above the tree, as a backup records it (none when it does not exist here). */
  private statOf(path: string) {
    try {
      const st = lstatSync(path, { bigint: true });
      if (!st.isDirectory()) return undefined;
      return {
        mode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
        mtime: st.mtimeNs.toString(),
      };
    } catch {
      return undefined;
    }
  }

  async finish(): Promise<ImportedTree> {
    let top = await this.write(this.root);
    // The tree's own directory, then the directories above it, as a backup records them from the walk's start.
    const base = this.basePath();
    for (let i = base.length - 1; i >= 0; i--) {
      const own = i === base.length - 1;
      const node = own ? this.root.node : this.dirNode(base[i], this.statOf(`/${base.slice(0, i + 1).join('/')}`));
      top = await this.save([{ ...node, name: base[i], subtree: top }]);
    }
    return { tree: top, ...this.out };
  }

  /** The tree blob of `d`'s children, subdirectories first written; its ID. */
  private async write(d: Dir): Promise<string> {
    const nodes: TreeNode[] = [];
    for (const [name, c] of [...d.children].sort((a, b) => compareNames(a[0], b[0]))) {
      throwIfAborted(this.opts.signal);
      nodes.push(isDir(c) ? { ...c.node, name, subtree: await this.write(c) } : c);
    }
    return this.save(nodes);
  }

  private async save(nodes: TreeNode[]): Promise<string> {
    return (await this.packer.addPlain(BLOB_TREE, encodeTree({ nodes }))).toString('hex');
  }
}

/** A member's mtime in nanoseconds: the pax "mtime" record when there is one (fractions too), else whole seconds. */
export function mtimeNs(h: tar.Header): string {
  const pax = (h as { pax?: Record<string, string> | null }).pax?.mtime;
  const m = pax && /^(-?)(\d+)(?:\.(\d+))?$/.exec(pax);
  if (m) {
    const ns = BigInt(m[2]) * 1_000_000_000n + BigInt((m[3] ?? '').slice(0, 9).padEnd(9, '0'));
    return (m[1] ? -ns : ns).toString();
  }
  return (BigInt(Math.floor((h.mtime ?? new Date(0)).getTime() / 1000)) * 1_000_000_000n).toString();
}

/** Reads what is left of a member (a tar's next member comes only after it). */
export async function drain(data: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of data);
}
