// Import into an app's repository: a strongbox export (checked against its SHA256SUMS first), or a plain database
// dump and a tar of media as other hosts hand them out, stored as one snapshot of the app at its original time,
// indistinguishable from a backup for restore (docs/usage/export-import.md).
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { recordSnapshots } from '../archiver/record.js';
import { monotonicMs } from '../clock.js';
import type { AppConfig, Config } from '../config/schema.js';
import { StrongboxError } from '../errors.js';
import { Packer } from '../repository/packer.js';
import type { Repository } from '../repository/repository.js';
import { SealPool } from '../repository/seal-pool.js';
import type { Component, DumpMeta, Periodicity, Snapshot, SnapshotSummary } from '../repository/snapshot.js';
import { saveStream } from '../repository/stream.js';
import { checkSnapshotTime } from '../util/time.js';
import type { OpContext } from './context.js';
import { type ExportManifest } from './export.js';
import { detectDump, type ImportPart, openExport, type PartReader, plainReader } from './import-source.js';
import { importTree } from './import-tree.js';
import { SHARED_LOCK_WAIT_MS, withRepository } from './repo.js';
import { appRepo, type RepoChoice } from './target.js';

/** The tag every imported snapshot carries. */
export const IMPORT_TAG = 'imported';

export interface ImportInput {
  app: AppConfig;
  /** A strongbox export: its directory, or the tar the API's export download gives. */
  from?: string;
  /** Plain dumps, by the app's database names (pg_dump custom format, SQL for MySQL/MariaDB, an SQLite file). */
  databases?: { name: string; path: string }[];
  /** Plain tars (plain, gzip or zstd), by the app's file tree names; members are paths below the tree. */
  files?: { name: string; path: string }[];
  /** The snapshot's time (ms); default the export's time, or for plain files the newest of their mtimes. */
  time?: number;
  lockWaitMs?: number;
}

export interface ImportResult {
  outcome: 'ok';
  id: string;
  snapshot: Snapshot;
  /** The export's snapshot ID, for an export. */
  from?: string;
}

interface Plan {
  parts: ImportPart[];
  read: PartReader;
  manifest?: ExportManifest;
  time: number;
}

export async function importSnapshot(
  choice: RepoChoice,
  cfg: Config,
  input: ImportInput,
  ctx: OpContext,
): Promise<ImportResult> {
  const plan = await planImport(input, ctx.signal);
  checkSnapshotTime(plan.time, ctx.clock.now());
  const app = input.app;
  checkParts(app, plan.parts);
  return withRepository(
    appRepo(choice, cfg, app),
    ctx,
    { lock: 'shared', waitMs: input.lockWaitMs ?? SHARED_LOCK_WAIT_MS },
    async (repo) => {
      const packer = new Packer(repo);
      try {
        const r = await store(repo, packer, app, plan, ctx);
        return { outcome: 'ok', ...r, ...(plan.manifest ? { from: plan.manifest.snapshot } : {}) };
      } finally {
        await packer.abandon();
      }
    },
  );
}

async function planImport(input: ImportInput, signal: AbortSignal): Promise<Plan> {
  const plain = [...(input.databases ?? []), ...(input.files ?? [])];
  if (input.from !== undefined) {
    if (plain.length)
      throw new StrongboxError(
        'USAGE',
        'import takes an export, or plain dumps and tars (--database, --files), not both',
      );
    const src = await openExport(input.from, signal);
    return {
      parts: src.parts,
      read: src.read,
      manifest: src.manifest,
      time: input.time ?? Date.parse(src.manifest.time),
    };
  }
  if (!plain.length)
    throw new StrongboxError(
      'USAGE',
      'import needs an export (DIR or TARBALL), or --database NAME=FILE / --files NAME=FILE',
    );
  const parts: ImportPart[] = [
    ...(input.databases ?? []).map((d) => ({ kind: 'database' as const, component: d.name, file: d.path })),
    ...(input.files ?? []).map((f) => ({ kind: 'files' as const, component: f.name, file: f.path })),
  ];
  let newest = 0;
  for (const p of parts) {
    const st = await stat(p.file).catch((e: Error) => {
      throw new StrongboxError('USAGE', `cannot import ${p.file}: ${e.message}`, { cause: e });
    });
    if (!st.isFile()) throw new StrongboxError('USAGE', `cannot import ${p.file}: not a file`);
    newest = Math.max(newest, st.mtimeMs);
  }
  return { parts, read: plainReader(parts), time: input.time ?? Math.floor(newest) };
}

const FAMILY: Record<string, string> = { postgres: 'postgres', sqlite: 'sqlite', mysql: 'mysql', mariadb: 'mysql' };
const RESTORED_BY: Record<string, string> = {
  postgres: 'a pg_dump custom-format dump (pg_dump -Fc)',
  sqlite: 'an SQLite database file',
  mysql: 'an SQL dump (mysqldump / mariadb-dump)',
};

/** Every part names a component of the app's config of the same kind (and a dump one its engine restores). */
function checkParts(app: AppConfig, parts: ImportPart[]): void {
  const seen = new Set<string>();
  for (const p of parts) {
    if (seen.has(p.component)) throw new StrongboxError('USAGE', `component ${p.component} is given twice`);
    seen.add(p.component);
    if (p.kind === 'files' && !app.files.some((f) => f.name === p.component))
      throw new StrongboxError(
        'USAGE',
        `app ${app.id} has no file tree named ${p.component} (it has: ${app.files.map((f) => f.name).join(', ') || 'none'}); add it to the config to import it`,
      );
    const db = app.databases.find((d) => d.name === p.component);
    if (p.kind === 'database' && !db)
      throw new StrongboxError(
        'USAGE',
        `app ${app.id} has no database named ${p.component} (it has: ${app.databases.map((d) => d.name).join(', ') || 'none'}); add it to the config to import it`,
      );
    if (p.kind === 'database' && p.meta && FAMILY[p.meta.engine] !== FAMILY[db!.engine])
      throw new StrongboxError(
        'USAGE',
        `database ${p.component} of the export is a ${p.meta.engine} dump, but app ${app.id}'s database ${p.component} is ${db!.engine}`,
      );
  }
}

async function store(
  repo: Repository,
  packer: Packer,
  app: AppConfig,
  plan: Plan,
  ctx: OpContext,
): Promise<{ id: string; snapshot: Snapshot }> {
  const t0 = monotonicMs();
  const components: Component[] = [];
  const sum = { files: 0, dirs: 0, bytes: 0, blobs: 0, databases: 0, databaseBytes: 0 };
  const sealPool = new SealPool(repo.key.encKey);
  try {
    await plan.read(async (p, data) => {
      ctx.emit({ type: 'phase', phase: 'import', state: 'started', app: app.id, component: p.component });
      if (p.kind === 'database') {
        const db = app.databases.find((d) => d.name === p.component)!;
        const meta = p.meta ?? (await plainMeta(p.file, db));
        const stored = await saveStream(repo, packer, data, sealPool);
        if (p.sha256 && stored.sha256 !== p.sha256)
          throw new StrongboxError('INTEGRITY', `${p.file}: read ${stored.sha256}, the manifest says ${p.sha256}`);
        const { content, size, sha256 } = stored;
        components.push({ name: p.component, kind: 'database', ...meta, content, size, sha256, durationMs: 0 });
        sum.databases++;
        sum.databaseBytes += stored.size;
        sum.blobs += stored.blobsNew;
      } else {
        const conf = app.files.find((f) => f.name === p.component)!;
        const t = await importTree(repo, packer, data, {
          path: conf.path,
          prefix: p.prefix,
          time: plan.time,
          signal: ctx.signal,
          emit: ctx.emit,
          component: p.component,
          sealPool,
        });
        for (const e of p.entries ?? []) {
          if (e.sha256 && t.digests.get(e.path.slice(p.component.length + 1)) !== e.sha256)
            throw new StrongboxError('INTEGRITY', `${p.file}: ${e.path} does not match the manifest's SHA-256`);
        }
        components.push({ name: p.component, kind: 'files', tree: t.tree, paths: [conf.path] });
        Object.assign(sum, { files: sum.files + t.files, dirs: sum.dirs + t.dirs, bytes: sum.bytes + t.bytes });
        sum.blobs += t.blobsNew;
      }
      ctx.emit({ type: 'phase', phase: 'import', state: 'finished', app: app.id, component: p.component });
    });
  } finally {
    await sealPool.close();
  }
  await packer.flush();
  const summary: SnapshotSummary = {
    files: sum.files,
    dirs: sum.dirs,
    bytes: sum.bytes,
    filesNew: sum.files,
    filesChanged: 0,
    filesUnmodified: 0,
    dataBlobs: sum.blobs,
    treeBlobs: Math.max(0, packer.stats.blobsAdded - sum.blobs),
    dataAdded: packer.stats.bytesAdded,
    dataAddedPacked: packer.stats.bytesStored,
    durationMs: Math.round(monotonicMs() - t0),
    databases: sum.databases,
    databaseBytes: sum.databaseBytes,
  };
  const m = plan.manifest;
  const recorded = await recordSnapshots(repo, {
    time: plan.time,
    host: m?.host ?? hostname(),
    app: app.id,
    paths: components.flatMap((c) => (c.kind === 'files' ? c.paths : [])),
    tags: [IMPORT_TAG],
    parent: null,
    components,
    summary,
    errors: [],
    periodicity: (m?.periodicity ?? 'manual') as Periodicity,
    note: m?.note ?? (m ? undefined : `imported from ${plan.parts.map((p) => basename(p.file)).join(', ')}`),
  });
  return { id: recorded.id, snapshot: recorded.snapshot };
}

/** What a plain dump file is, checked against the engine of the database it is imported as. */
async function plainMeta(file: string, db: AppConfig['databases'][number]): Promise<DumpMeta> {
  const d = await detectDump(file);
  const family = FAMILY[db.engine];
  if (d.family !== family)
    throw new StrongboxError(
      'USAGE',
      `${file} looks like ${RESTORED_BY[d.family]}, but database ${db.name} is ${db.engine}, which strongbox restores from ${RESTORED_BY[family]}`,
    );
  return {
    engine: db.engine,
    format: d.format,
    tool: d.tool,
    toolVersion: 'unknown (imported)',
    database: 'database' in db ? db.database : basename(db.path),
  };
}
