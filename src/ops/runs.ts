// The daemon's run history as the front ends ask for it (`strongbox runs`, later the HTTP API): where it is for a
// config, and its runs filtered by app.
import type { Config } from '../config/schema.js';
import {
  defaultHistoryPath,
  type HistoryRecord,
  readHistory,
  type RunQuery,
  type RunRecord,
} from '../history/journal.js';

export type { HistoryRecord, RunRecord };
export { isHousekeeping } from '../history/journal.js';

/** The history file the daemon of this config writes: `daemon.history`, else the default state directory. */
export function historyPath(cfg: Config | null, env: NodeJS.ProcessEnv = process.env): string {
  return cfg?.daemon.history ?? defaultHistoryPath(env);
}

/** Every record (backups, and the forgets, prunes and checks of housekeeping), oldest first. */
export async function listRuns(
  path: string,
  q: RunQuery,
): Promise<{ path: string; runs: HistoryRecord[]; skipped: number }> {
  const { records, skipped } = await readHistory(path, q);
  return { path, runs: records, skipped };
}
