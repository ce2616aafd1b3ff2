// What an import reads: a strongbox export (a directory, or the one tar the API download gives), checked against its
// SHA256SUMS before anything is stored, or plain files (a database dump, a tar of media) recognised by their first
// bytes. Each yields its parts in order as byte streams, a file tree already decompressed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { DecompressStream } from 'zstd-napi';
import { drain } from './import-tree.js';
import { StrongboxError } from '../errors.js';
import type { DumpMeta } from '../repository/snapshot.js';
import {
  EXPORT_FORMAT,
  EXPORT_MANIFEST,
  EXPORT_SUMS,
  EXPORT_VERSION,
  type ExportedDump,
  type ExportedTree,
  type ExportManifest,
} from './export.js';

/** One part to store: a database dump or a file tree's tar, with what is known about it. */
export type ImportPart =
  | { kind: 'database'; component: string; file: string; meta?: DumpMeta; sha256?: string }
  | {
      kind: 'files';
      component: string;
      file: string;
      prefix?: string;
      entries?: ExportedTree['entries'];
      compression?: Compression;
    };

/** Each part with its bytes (a tree's tar decompressed), handed out one at a time in order. */
export type PartReader = (visit: (part: ImportPart, data: Readable) => Promise<void>) => Promise<void>;

export interface ExportSource {
  manifest: ExportManifest;
  parts: ImportPart[];
  read: PartReader;
}

const MAX_SMALL = 256 * 1024 * 1024;

/** An export directory or tarball, verified whole against its SHA256SUMS (refused naming the first file that fails). */
export async function openExport(path: string, signal: AbortSignal): Promise<ExportSource> {
  const st = await stat(path).catch((e: Error) => {
    throw new StrongboxError('USAGE', `cannot import ${path}: ${e.message}`, { cause: e });
  });
  return st.isDirectory() ? openExportDir(path, signal) : openExportTar(path, signal);
}

/** Lines "<sha256>  <name>" (or " *<name>"); a name must be a plain file name of the export. */
function parseSums(text: string, where: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n').filter((l) => l.trim())) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m || m[2].includes('/') || m[2].startsWith('.'))
      throw new StrongboxError('INTEGRITY', `${where}: ${EXPORT_SUMS} has a line that is not "<sha256>  <file>"`);
    sums.set(m[2], m[1]);
  }
  if (!sums.has(EXPORT_MANIFEST))
    throw new StrongboxError('INTEGRITY', `${where}: ${EXPORT_SUMS} does not list ${EXPORT_MANIFEST}`);
  return sums;
}

function mismatch(where: string, name: string, why: string): StrongboxError {
  return new StrongboxError(
    'INTEGRITY',
    `${where}: ${name} ${why}; the export is damaged or incomplete, nothing was imported`,
  );
}

function parseManifest(json: Buffer, where: string): ExportManifest {
  let m: ExportManifest;
  try {
    m = JSON.parse(json.toString('utf8')) as ExportManifest;
  } catch (e) {
    throw new StrongboxError('INTEGRITY', `${where}: ${EXPORT_MANIFEST} is not JSON`, { cause: e });
  }
  if (m?.format !== EXPORT_FORMAT || m.version !== EXPORT_VERSION || !Array.isArray(m.files))
    throw new StrongboxError(
      'USAGE',
      `${where}: ${EXPORT_MANIFEST} is not a strongbox export of version ${EXPORT_VERSION} (format ${String(m?.format)}, version ${String(m?.version)})`,
    );
  return m;
}

function partsOf(m: ExportManifest, sums: Map<string, string>, where: string): ImportPart[] {
  return m.files.map((f: ExportedDump | ExportedTree) => {
    if (sums.get(f.file) !== f.sha256)
      throw mismatch(where, f.file, `is not listed in ${EXPORT_SUMS} as the manifest says`);
    if (f.kind === 'database') {
      const { kind: _k, file: _f, component: _c, size: _s, sha256: _h, ...meta } = f;
      return { kind: 'database', component: f.component, file: f.file, meta, sha256: f.sha256 };
    }
    const { component, file, entries, compression } = f;
    return { kind: 'files', component, file, prefix: component, entries, compression };
  });
}

async function hashFile(file: string, signal: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h, { signal });
  return h.digest('hex');
}

async function openExportDir(dir: string, signal: AbortSignal): Promise<ExportSource> {
  const sumsText = await readFile(join(dir, EXPORT_SUMS), 'utf8').catch((e: Error) => {
    throw new StrongboxError('USAGE', `${dir} is not a strongbox export: ${EXPORT_SUMS}: ${e.message}`, { cause: e });
  });
  const sums = parseSums(sumsText, dir);
  for (const [name, want] of sums) {
    const got = await hashFile(join(dir, name), signal).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw mismatch(dir, name, 'is missing');
      throw e;
    });
    if (got !== want) throw mismatch(dir, name, `does not match ${EXPORT_SUMS} (sha256 ${got}, listed ${want})`);
  }
  const manifest = parseManifest(await readFile(join(dir, EXPORT_MANIFEST)), dir);
  const parts = partsOf(manifest, sums, dir);
  return {
    manifest,
    parts,
    async read(visit) {
      for (const p of parts) await visit(p, await openPart(join(dir, p.file), p));
    },
  };
}

/** Each member of the tar in order, its bytes to `visit` (which must read them to the end). */
async function eachMember(
  file: string,
  signal: AbortSignal,
  visit: (name: string, data: Readable) => Promise<void>,
): Promise<void> {
  const extract = tar.extract();
  const fed = pipeline(createReadStream(file), extract, { signal });
  fed.catch(() => {});
  try {
    for await (const entry of extract) {
      const data = entry as unknown as AsyncIterable<Buffer>;
      if (entry.header.type !== 'file') await drain(data);
      else await visit(entry.header.name, Readable.from(data, { objectMode: false }));
    }
  } catch (e) {
    extract.destroy(e as Error);
    throw e;
  }
  await fed;
}

/** An export as one tar: read once to check every member against SHA256SUMS (its last members), then once to store. */
async function openExportTar(file: string, signal: AbortSignal): Promise<ExportSource> {
  const digests = new Map<string, string>();
  let sumsText: string | undefined;
  let manifestJson: Buffer | undefined;
  await eachMember(file, signal, async (name, data) => {
    const h = createHash('sha256');
    const keep = name === EXPORT_SUMS || name === EXPORT_MANIFEST ? ([] as Buffer[]) : null;
    let size = 0;
    for await (const b of data as AsyncIterable<Buffer>) {
      h.update(b);
      size += b.length;
      if (keep && size > MAX_SMALL)
        throw new StrongboxError('USAGE', `${file}: ${name} is larger than ${MAX_SMALL} bytes`);
      keep?.push(b);
    }
    digests.set(name, h.digest('hex'));
    if (name === EXPORT_SUMS) sumsText = Buffer.concat(keep!).toString('utf8');
    if (name === EXPORT_MANIFEST) manifestJson = Buffer.concat(keep!);
  });
  if (sumsText === undefined)
    throw new StrongboxError('USAGE', `${file} is not a strongbox export (no ${EXPORT_SUMS} member)`);
  const sums = parseSums(sumsText, file);
  for (const [name, want] of sums) {
    const got = digests.get(name);
    if (got === undefined) throw mismatch(file, name, 'is missing');
    if (got !== want) throw mismatch(file, name, `does not match ${EXPORT_SUMS} (sha256 ${got}, listed ${want})`);
  }
  const manifest = parseManifest(manifestJson!, file);
  const parts = partsOf(manifest, sums, file);
  const byFile = new Map(parts.map((p) => [p.file, p]));
  return {
    manifest,
    parts,
    async read(visit) {
      await eachMember(file, signal, async (name, data) => {
        const p = byFile.get(name);
        if (!p) return drain(data);
        await visit(p, p.kind === 'files' ? decompressed(data, p.compression ?? null) : data);
      });
    },
  };
}

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const PGDMP = Buffer.from('PGDMP');
const SQLITE = Buffer.from('SQLite format 3\0');

type Compression = 'gzip' | 'zstd' | null;

function compressionOf(head: Buffer): Compression {
  if (head.subarray(0, 2).equals(GZIP)) return 'gzip';
  if (head.subarray(0, 4).equals(ZSTD)) return 'zstd';
  return null;
}

async function head(file: string, n = 16): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function decompressed(data: Readable, c: Compression): Readable {
  if (!c) return data;
  const d = c === 'gzip' ? createGunzip() : new DecompressStream();
  data.on('error', (e) => d.destroy(e));
  return data.pipe(d);
}

async function openPart(file: string, p: ImportPart): Promise<Readable> {
  const data = createReadStream(file);
  return p.kind === 'files' ? decompressed(data, compressionOf(await head(file))) : data;
}

/** What a plain dump file is, by its first bytes: the restore tool it is for. */
export async function detectDump(file: string): Promise<Pick<DumpMeta, 'format' | 'tool'> & { family: string }> {
  const h = await head(file).catch((e: Error) => {
    throw new StrongboxError('USAGE', `cannot import ${file}: ${e.message}`, { cause: e });
  });
  if (h.subarray(0, PGDMP.length).equals(PGDMP))
    return { format: 'pg_dump-custom', tool: 'pg_dump', family: 'postgres' };
  if (h.subarray(0, SQLITE.length).equals(SQLITE))
    return { format: 'sqlite3-database', tool: 'sqlite3', family: 'sqlite' };
  if (compressionOf(h))
    throw new StrongboxError('USAGE', `${file} is compressed; decompress it first (a dump is imported as it is)`);
  return { format: 'mysqldump-sql', tool: 'mysqldump', family: 'mysql' };
}

/** Plain files: each dump and each tar (plain, gzip or zstd, told by its first bytes) read in the order given. */
export function plainReader(parts: ImportPart[]): PartReader {
  return async (visit) => {
    for (const p of parts) await visit(p, await openPart(p.file, p));
  };
}
