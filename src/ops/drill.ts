// A restore drill: the app's newest whole snapshot restored into scratch places — its file trees into a scratch
// directory (re-read and verified), each database into a scratch database on its server (its dump verified
// against its recorded size and SHA-256 before loading) — then each table's rows counted and compared with the
// dump's record, the configured smoke queries run, and everything scratch removed again.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig, Config, DatabaseConfig } from '../config/schema.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import {
  bucketComponents,
  databaseComponents,
  type DatabaseComponent,
  filesComponents,
  type Periodicity,
} from '../repository/snapshot.js';
import { openSource, parseTargetDb } from '../sources/index.js';
import type { ConnOverride } from '../sources/server.js';
import type { OpContext } from './context.js';
import { withRepository } from './repo.js';
import { restoreAppSnapshot } from './restore-app.js';
import { resolveRef } from './snapshots.js';
import { appRepo, type RepoChoice } from './target.js';

export interface DrillInput {
  app: AppConfig;
  periodicity?: Periodicity;
  lockWaitMs?: number;
}

export interface DrillCheck {
  /** The component checked ("" for the drill as a whole). */
  component: string;
  check: 'restore' | 'rows' | 'smoke' | 'cleanup';
  ok: boolean;
  detail: string;
}

export interface DrillResult {
  outcome: 'ok' | 'failed';
  app: string;
  snapshot: string;
  checks: DrillCheck[];
}

export async function drillApp(
  choice: RepoChoice,
  cfg: Config,
  input: DrillInput,
  ctx: OpContext,
): Promise<DrillResult> {
  const { app } = input;
  if (!app.files.length && !app.buckets?.length && !app.databases.length)
    throw new StrongboxError('USAGE', `app ${app.id} has no databases or file trees to drill`);
  const spec = appRepo(choice, cfg, app);
  const whole = (kinds: Set<string>) =>
    (!app.databases.length || kinds.has('database')) &&
    (!app.files.length || kinds.has('files')) &&
    (!app.buckets?.length || kinds.has('bucket'));
  const snap = await withRepository(spec, ctx, { lock: 'none' }, (repo) =>
    resolveRef(repo, 'latest', {
      app: app.id,
      periodicity: input.periodicity,
      has: (s) => whole(new Set(s.components.map((c) => c.kind))),
    }),
  );
  const checks: DrillCheck[] = [];
  const check = (c: DrillCheck) => {
    checks.push(c);
    ctx.emit({
      type: 'phase',
      phase: 'drill',
      state: 'finished',
      app: app.id,
      component: c.component || undefined,
      message: `${c.ok ? 'ok' : 'FAILED'}: ${c.component ? `${c.component}: ` : ''}${c.detail}`,
    });
  };
  const dir = await mkdtemp(join(app.drill.directory ?? tmpdir(), `strongbox-drill-${app.id}-`));
  const suffix = randomBytes(4).toString('hex');
  const scratch: { db: DatabaseConfig; target: string; override: ConnOverride }[] = [];
  const base = { app, snapshot: snap.id, yes: false, lockWaitMs: input.lockWaitMs };
  try {
    // A restore that fails outright (a tool's error, a target in the way) is a failed check, not the end of the drill.
    const attempt = async <T>(component: string, fn: () => Promise<T>): Promise<T | null> => {
      try {
        return await fn();
      } catch (e) {
        if (ctx.signal.aborted || isStrongboxError(e, 'INTERRUPTED')) throw e;
        check({ component, check: 'restore', ok: false, detail: `restore failed: ${(e as Error).message}` });
        return null;
      }
    };
    // Buckets too: under --target they go to the scratch directory as plain files, never into a bucket.
    if (filesComponents(snap.snapshot).length || bucketComponents(snap.snapshot).length) {
      const r = await attempt('', () =>
        restoreAppSnapshot(choice, cfg, { ...base, only: 'files', target: join(dir, 'files'), verify: true }, ctx),
      );
      for (const c of r?.restored ?? [])
        check({
          component: c.name,
          check: 'restore',
          ok: c.complete,
          detail: c.complete
            ? `${c.files?.files ?? 0} files restored and verified`
            : `${c.failed?.length ?? 0} files could not be restored`,
        });
    }
    for (const comp of databaseComponents(snap.snapshot)) {
      const db = app.databases.find((d) => d.name === comp.name);
      if (!db) continue;
      const target =
        db.engine === 'sqlite' ? join(dir, `${db.name}.sqlite`) : `${db.database}_sbdrill_${suffix}`.slice(-63);
      // Another server for the scratch copy, when configured: the restore takes it as a --target-db URL.
      const server = db.engine === 'sqlite' ? undefined : app.drill.servers[db.name];
      const targetDb = server ? `${server.replace(/\/$/, '')}/${encodeURIComponent(target)}` : target;
      const override = server ? parseTargetDb(targetDb, db.engine).override : {};
      scratch.push({ db, target, override });
      const r = await attempt(comp.name, () =>
        restoreAppSnapshot(choice, cfg, { ...base, components: [comp.name], targetDb }, ctx),
      );
      if (!r) continue;
      const restored = r.restored[0];
      check({
        component: comp.name,
        check: 'restore',
        ok: restored.complete,
        detail: restored.complete
          ? `dump verified (${comp.size} bytes, SHA-256) and loaded into ${restored.target}`
          : `not loaded: ${restored.failed?.map((f) => f.message).join('; ')}`,
      });
      if (!restored.complete) continue;
      const source = openSource(db, app.id, { scope: ctx.scope, override });
      check(compareRows(comp, await source.countRows(target)));
      for (const s of app.drill.smoke.filter((x) => x.database === comp.name)) {
        const out = await source.query(target, s.sql).catch((e: Error) => e);
        const ok = !(out instanceof Error) && (s.expect ? new RegExp(s.expect).test(out) : out.length > 0);
        check({
          component: comp.name,
          check: 'smoke',
          ok,
          detail:
            out instanceof Error
              ? `smoke query failed: ${out.message}`
              : ok
                ? 'smoke query passed'
                : `smoke query returned ${JSON.stringify(out.slice(0, 200))}` +
                  (s.expect ? `, not matching /${s.expect}/` : ''),
        });
      }
    }
  } finally {
    for (const { db, target, override } of scratch) {
      await openSource(db, app.id, { override })
        .drop(target)
        .catch((e: Error) =>
          check({
            component: db.name,
            check: 'cleanup',
            ok: false,
            detail: `scratch database ${target} could not be removed: ${e.message}`,
          }),
        );
    }
    await rm(dir, { recursive: true, force: true });
  }
  return { outcome: checks.every((c) => c.ok) ? 'ok' : 'failed', app: app.id, snapshot: snap.id, checks };
}

/**
 * Exact counts must match the dump's; estimated ones (PostgreSQL, MySQL statistics) cannot, so there the tables
 * must be the same and no table the statistics said had rows may come back empty.
 */
export function compareRows(comp: DatabaseComponent, counted: Record<string, number>): DrillCheck {
  const recorded = comp.tables ?? {};
  const names = Object.keys(recorded);
  const missing = names.filter((t) => !(t in counted));
  const extra = Object.keys(counted).filter((t) => !(t in recorded));
  const wrong =
    comp.rowCounts === 'exact'
      ? names
          .filter((t) => t in counted && counted[t] !== recorded[t])
          .map((t) => `${t}: ${counted[t]} rows, the dump recorded ${recorded[t]}`)
      : names
          .filter((t) => recorded[t] > 0 && counted[t] === 0)
          .map((t) => `${t}: empty, the server counted about ${recorded[t]} rows`);
  const problems = [
    ...missing.map((t) => `table ${t} missing`),
    ...extra.map((t) => `table ${t} not in the dump's record`),
    ...wrong,
  ];
  const total = Object.values(counted).reduce((a, b) => a + b, 0);
  return {
    component: comp.name,
    check: 'rows',
    ok: !problems.length,
    detail: problems.length
      ? problems.slice(0, 10).join('; ')
      : `${names.length} tables, ${total} rows` +
        (comp.rowCounts === 'exact' ? ', as recorded' : ' (the dump recorded estimates: tables compared)'),
  };
}
