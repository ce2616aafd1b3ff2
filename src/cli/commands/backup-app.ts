// `strongbox backup --app ID | --all-apps [--only db|files]`: one snapshot per application, holding its
// databases and file trees. With --all-apps, every app is attempted and the worst failure decides the status.
import { backupApp, type AppBackupResult, type Only } from '../../app/backup.js';
import type { BackupResult } from '../../archiver/archiver.js';
import { exitStatusFor, StrongboxError } from '../../errors.js';
import { type GlobalOptions, type Io, findApp, loadAppConfig, lockWait, openAppRepo, printJson, withLock } from '../context.js';
import { bytes, duration, shortId } from '../output/format.js';
import { progressPrinter } from '../output/progress.js';
import { type BackupCmdOptions, labelOptions, parseTime } from './backup.js';

export function parseOnly(v: string | undefined): Only | undefined {
  if (v === undefined) return undefined;
  if (v === 'db' || v === 'files') return v;
  throw new StrongboxError('USAGE', `--only ${v}: use "db" or "files"`);
}

export async function runAppBackups(g: GlobalOptions, o: BackupCmdOptions, io: Io): Promise<BackupResult> {
  if (o.exclude?.length || o.excludeFile?.length || o.parent) throw new StrongboxError('USAGE', '--exclude, --exclude-file and --parent do not apply to --app (excludes are in the config)');
  const cfg = loadAppConfig(g);
  const apps = o.allApps ? cfg.apps : [findApp(cfg, o.app!)];
  if (!apps.length) throw new StrongboxError('USAGE', 'the config has no apps');
  const only = parseOnly(o.only);
  const time = parseTime(o.time);
  const labels = labelOptions(o);
  const results: AppBackupResult[] = [];
  const failures: { app: string; error: unknown }[] = [];
  for (const app of apps) {
    try {
      const repo = await openAppRepo(g, cfg, app, { index: false });
      const progress = g.quiet || g.json ? { update: () => {}, done: () => {} } : progressPrinter(process.stderr);
      const res = await withLock(repo, false, io, () => backupApp(repo, app, {
        only, tags: o.tag, host: o.host, time, ...labels,
        onProgress: progress.update,
        onWarning: (path, msg) => { progress.done(); io.err(`warning: ${path}: ${msg}`); },
        onStep: (m) => { progress.done(); if (!g.quiet && !g.json) io.err(`app ${app.id}: ${m}`); },
      }), lockWait(o.retryLock), { index: true });
      progress.done();
      results.push(res);
      if (!g.json) report(g, io, app.id, res);
    } catch (e) {
      if (apps.length === 1) throw e;
      failures.push({ app: app.id, error: e });
      const msg = (e as Error).message;
      io.err(`strongbox: backup failed: ${msg.startsWith(`app ${app.id}`) ? msg : `app ${app.id}: ${msg}`}`);
    }
  }
  if (g.json) {
    // One JSON document, also with --all-apps: a single app's result, or every app's and the failures.
    const docs = results.map((r) => jsonResult(r));
    printJson(io, o.allApps ? { snapshots: docs, failed: failures.map((f) => ({ app: f.app, message: (f.error as Error).message })) } : docs[0]);
  }
  if (failures.length) {
    const worst = failures.map((f) => f.error).sort((a, b) => exitStatusFor(b) - exitStatusFor(a))[0];
    throw new StrongboxError(worst instanceof StrongboxError ? worst.code : 'INTERNAL', `${failures.length} of ${apps.length} app backups failed: ${failures.map((f) => f.app).join(', ')}`);
  }
  const hookFailure = results.find((r) => r.afterHookError);
  if (hookFailure) throw new StrongboxError('HOOK', `snapshot ${shortId(hookFailure.id)} was saved, but ${hookFailure.afterHookError!.message}`);
  const incomplete = results.find((r) => r.snapshot.incomplete);
  if (incomplete) throw new StrongboxError('INCOMPLETE', `snapshot ${shortId(incomplete.id)} of app ${incomplete.snapshot.app} is incomplete: ${incomplete.snapshot.incomplete!.errors.length} path(s) could not be read (see warnings above)`);
  return results[0];
}

function jsonResult(res: AppBackupResult): Record<string, unknown> {
  return {
    id: res.id, app: res.snapshot.app, saved: res.saved, parent: res.parent, components: res.snapshot.components.map(({ name, kind }) => ({ name, kind })),
    summary: res.snapshot.summary, incomplete: res.snapshot.incomplete ?? null,
  };
}

function report(g: GlobalOptions, io: Io, app: string, res: AppBackupResult): void {
  const s = res.snapshot.summary!;
  if (g.quiet) return;
  if (s.databases) io.out(`Databases: ${s.databases} dumped (${bytes(s.databaseBytes ?? 0)})`);
  if (res.snapshot.paths.length) io.out(`Files: ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unmodified (${s.files} total, ${s.dirs} dirs, ${bytes(s.bytes)})`);
  io.out(`Added to the repository: ${bytes(s.dataAdded)} (${bytes(s.dataAddedPacked)} stored) in ${duration(s.durationMs)}`);
  const what = res.snapshot.components.map((c) => `${c.kind === 'database' ? 'db' : 'files'} ${c.name}`).join(', ');
  for (const s of res.saved) io.out(`snapshot ${shortId(s.id)} of app ${app} saved: ${s.periodicity} (${what})`);
}
