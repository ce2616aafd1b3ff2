// Portable export of an app's snapshot: each database's native dump, each file tree as a plain POSIX tar (optionally
// zstd or gzip), a manifest.json and a SHA256SUMS, so that the standard tools alone restore it (docs/usage/export-import.md).
import { createHash } from 'node:crypto';
import { PassThrough, pipeline, Readable, Transform, type Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { CompressStream } from 'zstd-napi';
import { StrongboxError } from '../errors.js';
import { ignoreEvents, type Emit } from '../events.js';
import { repositorySource } from '../repository/blob-source.js';
import type { Repository } from '../repository/repository.js';
import {
  type DatabaseComponent,
  type DumpMeta,
  type FilesComponent,
  type Periodicity,
  recordedTrigger,
  type SnapshotRef,
  type Trigger,
} from '../repository/snapshot.js';
import { readStream } from '../repository/stream.js';
import { assertSafeName } from '../repository/tree.js';
import type { OpContext } from './context.js';
import { directorySink, type ExportSink, tarSink } from './export-sink.js';
import { type RepoSpec, SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';
import { resolveRef } from './snapshots.js';
import { type TarEntry, treeTarSize, writeTreeTar } from './tree-tar.js';

export const EXPORT_FORMAT = 'strongbox-export';
export const EXPORT_VERSION = 1;
export const EXPORT_MANIFEST = 'manifest.json';
export const EXPORT_SUMS = 'SHA256SUMS';

export type ExportCompression = 'zstd' | 'gzip';

/** A database component's dump as exported: its file and everything the snapshot recorded about it. */
export interface ExportedDump extends DumpMeta {
  kind: 'database';
  file: string;
  component: string;
  size: number;
  sha256: string;
}

/** A file tree as exported: its tar (compressed or not) and every entry of it. */
export interface ExportedTree {
  kind: 'files';
  file: string;
  component: string;
  /** Where the tree was backed up from. */
  paths: string[];
  compression: ExportCompression | null;
  /** Of the file as written (compressed, if it is). */
  size: number;
  sha256: string;
  entries: TarEntry[];
  /** Special files (devices, fifos, sockets) a tar of this kind leaves out. */
  skipped: string[];
}

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  snapshot: string;
  app: string;
  time: string;
  periodicity: Periodicity;
  trigger: Trigger;
  note?: string;
  host: string;
  program: string;
  files: (ExportedDump | ExportedTree)[];
  /** Components an export does not carry (buckets: `strongbox dump` writes them), as "name (kind)". */
  leftOut: string[];
}

/** A component's name becomes a file name of the export and a line of SHA256SUMS: nothing that could leave either. */
function checkComponentName(name: string, snapshot: string): void {
  assertSafeName(name, `snapshot ${snapshot.slice(0, 8)}`);
  if (/[\n\r\\]/.test(name) || name.startsWith('.'))
    throw new StrongboxError(
      'UNSAFE_PATH',
      `refusing component ${JSON.stringify(name)} of snapshot ${snapshot.slice(0, 8)}: it cannot be an export's file name`,
    );
}

/** The file name extension the dump's restore tool expects. */
export function dumpExtension(c: Pick<DatabaseComponent, 'engine'>): string {
  if (c.engine === 'sqlite') return 'sqlite3';
  if (c.engine === 'postgres') return 'pgdump';
  return 'sql';
}

const TREE_EXTENSION: Record<ExportCompression, string> = { zstd: '.tar.zst', gzip: '.tar.gz' };

export interface ExportInput {
  app: string;
  /** An ID (prefix) or 'latest' (of this app, and of `periodicity` when given). */
  snapshot: string;
  periodicity?: Periodicity;
  /** A directory that does not exist yet or is empty. */
  output: string;
  compress?: ExportCompression;
  lockWaitMs?: number;
}

export interface ExportResult {
  outcome: 'ok';
  snapshot: string;
  output: string;
  manifest: ExportManifest;
}

/** Exports a snapshot of an app into a new or empty directory; a failed export removes what it wrote. */
export async function exportSnapshot(spec: RepoSpec, input: ExportInput, ctx: OpContext): Promise<ExportResult> {
  const sink = await directorySink(input.output, ctx.signal);
  return withRepository(
    spec,
    ctx,
    { lock: 'shared', waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS, index: true },
    async (repo) => {
      const snap = await appSnapshot(repo, input.app, input.snapshot, input.periodicity);
      try {
        const manifest = await writeExport(repo, snap, sink, {
          compress: input.compress,
          signal: ctx.signal,
          emit: ctx.emit,
        });
        await sink.close();
        return { outcome: 'ok', snapshot: snap.id, output: input.output, manifest };
      } catch (e) {
        await sink.abort(e as Error);
        throw e;
      }
    },
  );
}

/**
 * The export as one uncompressed tar stream into `out` (ended): its members are the files an export directory would
 * hold, manifest.json and SHA256SUMS last (their content is known only at the end). `snapshot` is a full ID.
 */
export async function exportSnapshotTar(
  spec: RepoSpec,
  input: { app: string; snapshot: string },
  out: Writable,
  ctx: OpContext,
): Promise<{ outcome: 'ok'; snapshot: string; manifest: ExportManifest }> {
  return withRepository(spec, ctx, { lock: 'shared', waitMs: SHARED_LOCK_WAIT_MS, index: true }, async (repo) => {
    const snap = await appSnapshot(repo, input.app, input.snapshot);
    const sink = tarSink(out, new Date(snap.snapshot.time), ctx.signal);
    try {
      const manifest = await writeExport(repo, snap, sink, { signal: ctx.signal, emit: ctx.emit });
      await sink.close();
      return { outcome: 'ok', snapshot: snap.id, manifest };
    } catch (e) {
      await sink.abort(e as Error);
      throw e;
    }
  });
}

/** The snapshot named, which must be one of `app`'s. */
async function appSnapshot(repo: Repository, app: string, ref: string, periodicity?: Periodicity) {
  const snap = await resolveRef(repo, ref, { app, periodicity });
  if (snap.snapshot.app !== app)
    throw new StrongboxError(
      'NOT_FOUND',
      `snapshot ${snap.id.slice(0, 8)} is not a snapshot of app ${app} (it is ${snap.snapshot.app ? `app ${snap.snapshot.app}'s` : 'a plain backup'})`,
    );
  return snap;
}

/** Writes every file of the export into `sink`, the manifest and SHA256SUMS last; returns the manifest. */
export async function writeExport(
  repo: Repository,
  snap: SnapshotRef,
  sink: ExportSink,
  opts: { compress?: ExportCompression; signal: AbortSignal; emit?: Emit },
): Promise<ExportManifest> {
  const emit = opts.emit ?? ignoreEvents;
  const s = snap.snapshot;
  const files: (ExportedDump | ExportedTree)[] = [];
  const leftOut: string[] = [];
  for (const c of s.components) {
    checkComponentName(c.name, snap.id);
    emit({ type: 'phase', phase: 'export', state: 'started', app: s.app, component: c.name });
    if (c.kind === 'database') files.push(await exportDump(repo, snap, c, sink));
    else if (c.kind === 'files') files.push(await exportTree(repo, snap, c, sink, opts));
    else {
      leftOut.push(`${c.name} (${c.kind})`);
      emit({
        type: 'warning',
        app: s.app,
        component: c.name,
        message: `bucket ${c.name} is not part of an export; 'strongbox dump ${snap.id.slice(0, 8)} ${c.name}' writes it as a tar`,
      });
    }
    const f = files.at(-1);
    emit({
      type: 'phase',
      phase: 'export',
      state: 'finished',
      app: s.app,
      component: c.name,
      ...(f?.component === c.name ? { message: `${f.file}: ${f.size} bytes, sha256 ${f.sha256.slice(0, 16)}…` } : {}),
    });
  }
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    snapshot: snap.id,
    app: s.app!,
    time: s.time,
    periodicity: s.periodicity ?? 'manual',
    trigger: recordedTrigger(s),
    ...(s.note !== undefined ? { note: s.note } : {}),
    host: s.host,
    program: s.program,
    files,
    leftOut,
  };
  const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await sink.file(EXPORT_MANIFEST, json.length, Readable.from([json]));
  const sums = [
    ...files.map((f) => `${f.sha256}  ${f.file}\n`),
    `${createHash('sha256').update(json).digest('hex')}  ${EXPORT_MANIFEST}\n`,
  ].join('');
  await sink.file(EXPORT_SUMS, Buffer.byteLength(sums), Readable.from([Buffer.from(sums)]));
  return manifest;
}

async function exportDump(
  repo: Repository,
  snap: SnapshotRef,
  c: DatabaseComponent,
  sink: ExportSink,
): Promise<ExportedDump> {
  const file = `${c.name}.${dumpExtension(c)}`;
  const h = hashing();
  const what = `database ${c.name} of snapshot ${snap.id.slice(0, 8)}`;
  // readStream checks the recorded size and SHA-256 before it ends: a damaged dump fails the export.
  await sink.file(file, c.size, chain(readStream(repositorySource(repo), c, what), h.stream));
  const { name: _n, kind: _k, content: _c, size: _s, sha256: _h, durationMs: _d, ...meta } = c;
  return { kind: 'database', file, component: c.name, ...meta, size: h.size(), sha256: h.digest() };
}

async function exportTree(
  repo: Repository,
  snap: SnapshotRef,
  c: FilesComponent,
  sink: ExportSink,
  opts: { compress?: ExportCompression; signal: AbortSignal },
): Promise<ExportedTree> {
  const file = `${c.name}${opts.compress ? TREE_EXTENSION[opts.compress] : '.tar'}`;
  if (sink.needsSize && opts.compress)
    throw new StrongboxError('USAGE', 'a compressed file tree cannot go into a tar stream (its size is not known)');
  const size = sink.needsSize ? await treeTarSize(repo, snap, c, opts.signal) : undefined;
  const tarOut = new PassThrough();
  const h = hashing();
  // Native compressors (zstd-napi, zlib), never a JavaScript one.
  const compressor = opts.compress === 'zstd' ? new CompressStream() : opts.compress === 'gzip' ? createGzip() : null;
  const bytes = compressor ? chain(tarOut, compressor, h.stream) : chain(tarOut, h.stream);
  const [written] = await Promise.all([
    writeTreeTar(repo, snap, c, tarOut, opts.signal, { manifest: false }),
    sink.file(file, size, bytes),
  ]);
  return {
    kind: 'files',
    file,
    component: c.name,
    paths: c.paths,
    compression: opts.compress ?? null,
    size: h.size(),
    sha256: h.digest(),
    entries: written.entries,
    skipped: written.skipped,
  };
}

/** The streams piped into each other, an error in any destroying all; returns the last. */
function chain(...streams: [Readable, ...Transform[]]): Readable {
  pipeline(streams, () => {});
  return streams.at(-1)!;
}

/** A pass-through stream that counts and hashes what goes through it. */
function hashing(): { stream: Transform; digest: () => string; size: () => number } {
  const hash = createHash('sha256');
  let size = 0;
  let digest = '';
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return {
    stream,
    size: () => size,
    digest: () => (digest ||= hash.digest('hex')),
  };
}
