// A restore drill as a run-history record (format: docs/design/run-history.md): the verdict the daemon's, the
// API's and the command line's drills all record, and a drill run by hand (`strongbox drill`) written to the history.
import { randomUUID } from 'node:crypto';
import { chown, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { monotonicMs } from '../clock.js';
import type { Config } from '../config/schema.js';
import { isStrongboxError } from '../errors.js';
import { appendRun, HISTORY_VERSION, type HousekeepingRecord } from '../history/journal.js';
import type { OpContext } from './context.js';
import { drillApp, type DrillInput, type DrillResult } from './drill.js';
import type { RepoChoice } from './target.js';

/** What a drill's record says of its result: ok, or failed (VERIFY_FAILED) naming each failed check, one a line. */
export function drillVerdict(r: DrillResult): Pick<HousekeepingRecord, 'outcome' | 'detail' | 'error'> {
  const failed = r.checks.filter((c) => !c.ok);
  const detail = { snapshot: r.snapshot, checks: r.checks.length, failed: failed.length };
  if (r.outcome === 'ok') return { outcome: 'ok', detail };
  const lines = failed.map((c) => `${c.component ? `${c.component} ` : ''}${c.check}: ${c.detail}`);
  return {
    outcome: 'failed',
    detail,
    error: { code: 'VERIFY_FAILED', message: `drill of app ${r.app} failed:\n${lines.join('\n')}` },
  };
}

/**
 * `drillApp`, then its record (trigger `cli`) appended to the run history at `history`, so that `strongbox runs`
 * shows drills run by hand beside the daemon's. A drill that could not run (no snapshot, a lock, cancelled) is
 * recorded too, and its error thrown as before; a history that cannot be written is a warning, not a failed drill.
 */
export async function drillRecorded(
  choice: RepoChoice,
  cfg: Config,
  input: DrillInput,
  history: string,
  ctx: OpContext,
): Promise<DrillResult> {
  const t0 = monotonicMs();
  const base = {
    v: HISTORY_VERSION,
    id: randomUUID(),
    op: 'drill',
    repository: input.app.repository,
    app: input.app.id,
    trigger: 'cli',
    host: hostname(),
    startedAt: new Date(ctx.clock.now()).toISOString(),
  } as const;
  const end = () => ({ endedAt: new Date(ctx.clock.now()).toISOString(), durationMs: Math.round(monotonicMs() - t0) });
  const record = (rec: HousekeepingRecord) =>
    recordRun(history, rec).catch((e: Error) =>
      ctx.emit({ type: 'warning', message: `the drill is not in the run history: ${e.message}` }),
    );
  let r: DrillResult;
  try {
    r = await drillApp(choice, cfg, input, ctx);
  } catch (e) {
    const code = isStrongboxError(e) ? e.code : 'INTERNAL';
    const cancelled = ctx.signal.aborted || code === 'INTERRUPTED';
    const message = (e as Error)?.message ?? String(e);
    await record({ ...base, ...end(), outcome: cancelled ? 'cancelled' : 'failed', error: { code, message } });
    throw e;
  }
  await record({ ...base, ...end(), ...drillVerdict(r) });
  return r;
}

/**
 * Appends a record written outside the daemon. Root creating the file in a directory another user owns (the
 * daemon's state directory) gives it to that user, so that the daemon can still append to it.
 */
async function recordRun(path: string, rec: HousekeepingRecord): Promise<void> {
  const existed = await stat(path).then(
    () => true,
    () => false,
  );
  await appendRun(path, rec);
  if (existed || process.getuid?.() !== 0) return;
  const dir = await stat(dirname(path));
  if (dir.uid !== 0) await chown(path, dir.uid, dir.gid);
}
