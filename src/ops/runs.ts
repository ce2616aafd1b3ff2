// The daemon's run history as the front ends ask for it (`strongbox runs`, later the HTTP API): where it is for a
// config, and its runs filtered by app.
import type { Config } from '../config/schema.js';
import { defaultHistoryPath, readRuns, type RunQuery, type RunRecord } from '../history/journal.js';

export type { RunRecord };

/** The history file the daemon of this config writes: `daemon.history`, else the default state directory. */
export function historyPath(cfg: Config | null, env: NodeJS.ProcessEnv = process.env): string {
  return cfg?.daemon.history ?? defaultHistoryPath(env);
}

export async function listRuns(path: string, q: RunQuery): Promise<{ path: string; runs: RunRecord[]; skipped: number }> {
  return { path, ...(await readRuns(path, q)) };
}
