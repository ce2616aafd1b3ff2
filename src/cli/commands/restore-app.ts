// `strongbox restore SNAPSHOT --app ID [--only db|files] [--component NAME] [--target DIR] [--target-db DB]
// [--yes]`: restore an application's snapshot into it (or, with --from-app, another app's snapshot).
import { createInterface } from 'node:readline/promises';
import { restoreApp, type RestoredComponent } from '../../app/restore.js';
import { StrongboxError } from '../../errors.js';
import type { Snapshot } from '../../repository/snapshot.js';
import { resolveRef } from './snapshots.js';
import { type GlobalOptions, type Io, findApp, loadAppConfig, openAppRepo, printJson, lockWait, withLock } from '../context.js';
import { shortId } from '../output/format.js';
import { parseOnly } from './backup-app.js';
import type { RestoreCmdOptions } from './restore.js';

export async function runAppRestore(g: GlobalOptions, ref: string, o: RestoreCmdOptions, io: Io): Promise<RestoredComponent[]> {
  if (o.overwrite) throw new StrongboxError('USAGE', 'with --app, consent to replace data is --yes (or the interactive question), not --overwrite');
  const cfg = loadAppConfig(g);
  const app = findApp(cfg, o.app!);
  const repo = await openAppRepo(g, cfg, app, { index: false });
  const interactive = process.stdin.isTTY && io.isTTY;
  const { snap, done } = await withLock(repo, false, io, async () => {
    const only = parseOnly(o.only);
    const sourceApp = cfg.apps.find((a) => a.id === (o.fromApp ?? app.id));
    // 'latest' is the newest snapshot holding what this restore takes: a `backup --only db` is no one's
    // latest file trees, and with neither --only nor --component, a partial backup is no one's latest app.
    const has = (s: Snapshot): boolean => {
      if (o.component?.length) return o.component.every((n) => s.components.some((c) => c.name === n));
      const kinds = new Set(s.components.map((c) => c.kind));
      const wantDb = only !== 'files' && (only === 'db' || !!sourceApp?.databases.length);
      const wantFiles = only !== 'db' && (only === 'files' || !!sourceApp?.files.length);
      return (!wantDb || kinds.has('database')) && (!wantFiles || kinds.has('files'));
    };
    const snap = await resolveRef(repo, ref, { app: o.fromApp ?? app.id, periodicity: o.periodicity, has });
    // Another app's snapshot goes into this one only when asked for by name (--from-app).
    const from = o.fromApp ?? app.id;
    if (snap.snapshot.app !== undefined && snap.snapshot.app !== from) {
      throw new StrongboxError('USAGE', `snapshot ${shortId(snap.id)} belongs to app ${snap.snapshot.app}, not ${from}; to restore it into app ${app.id}, pass --from-app ${snap.snapshot.app}`);
    }
    const done = await restoreApp(repo, snap, app, {
      only, components: o.component, target: o.target, targetDb: o.targetDb, yes: o.yes, verify: o.verify,
      confirm: interactive ? (q) => ask(q) : undefined,
      onStep: (m) => { if (!g.quiet && !g.json) io.err(m); },
      onWarning: (p, m) => io.err(`warning: ${p}: ${m}`),
    });
    return { snap, done };
  }, lockWait(o.retryLock), { index: true });
  if (g.json) printJson(io, { snapshot: snap.id, app: app.id, restored: done });
  else if (!g.quiet) io.out(`restored snapshot ${shortId(snap.id)} into app ${app.id}: ${done.map((d) => `${d.kind === 'database' ? 'db' : 'files'} ${d.name}`).join(', ')}`);
  return done;
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes)$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
