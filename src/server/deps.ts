// What the API's routes are given: the config (re-read by the server on reload), where users, tokens and the run
// history live, the clock, the timetable's next runs, the runs it started, sessions and the login limits.
import type { Clock } from '../clock.js';
import type { AppConfig, Config } from '../config/schema.js';
import type { OpEvent } from '../events.js';
import type { RunRecord } from '../history/journal.js';
import type { Periodicity } from '../repository/snapshot.js';
import type { RepoChoice } from '../ops/target.js';
import type { FailureLimiter } from './limiter.js';
import type { RunRegistry } from './runs.js';
import type { Sessions } from './sessions.js';

export interface ServerLog {
  info(msg: string, fields?: Record<string, string | number | boolean | undefined>): void;
  warn(msg: string, fields?: Record<string, string | number | boolean | undefined>): void;
  error(msg: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

export interface ServerOptions {
  config: () => Config;
  choice: RepoChoice;
  /** strongbox-auth.json (users and tokens). */
  authPath: string;
  /** The run history file. */
  history: () => string;
  clock: Clock;
  log: ServerLog;
  /** When an app's periodicity runs next (ms), from the daemon's timetable; null: not scheduled. */
  nextRun: (app: string, periodicity: string) => number | null;
  /** The listener speaks TLS: cookies get `Secure`. */
  secure: boolean;
  /** Behind a reverse proxy: the client's address is the last X-Forwarded-For entry. */
  trustProxy?: boolean;
  /**
   * Under the daemon: a backup goes into its queue (one run per repository at a time, its metrics and notifications),
   * which records it; null when the same backup already waits or runs.
   */
  queueBackup?: (req: QueuedBackup) => Promise<RunRecord> | null;
  /**
   * Under the daemon: every other action (restore, forget, prune, check, drill) waits its turn in the repository's
   * queue too; `run` gets a signal aborted by the API's cancel or the daemon's shutdown.
   */
  queueTask?: <T>(
    key: string,
    repository: string,
    outer: AbortSignal,
    run: (signal: AbortSignal) => Promise<T>,
  ) => Promise<T>;
}

export interface QueuedBackup {
  app: AppConfig;
  periodicity: Periodicity;
  id: string;
  user: string;
  note?: string;
  emit: (e: OpEvent) => void;
}

export interface ApiDeps extends ServerOptions {
  runs: RunRegistry;
  sessions: Sessions;
  limits: { perUser: FailureLimiter; perAddress: FailureLimiter };
}
