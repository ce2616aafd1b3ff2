// `strongbox serve`: the HTTP API alone, beside (or without) a daemon, on the same config and run history. Next
// scheduled runs come from the config's schedules, as the daemon's timetable computes them.
import { type Clock, systemClock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import { authPathFor } from '../auth/store.js';
import { jobKey, jobsOf, nextSlot } from '../daemon/jobs.js';
import { listAccess } from '../ops/access.js';
import { historyPath } from '../ops/runs.js';
import type { RepoChoice } from '../ops/target.js';
import { StrongboxError } from '../errors.js';
import { type Api, createApi } from './app.js';
import type { ServerLog } from './deps.js';
import { isLoopback, type Listener, listen, splitHostPort, type TlsFiles } from './listen.js';

export const DEFAULT_LISTEN = '127.0.0.1:8480';

export interface ServeOptions {
  configPath: string;
  /** HOST:PORT (default: daemon.http.listen, else 127.0.0.1:8480). */
  listen?: string;
  tls?: TlsFiles;
  log: ServerLog;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  choice?: RepoChoice;
}

export interface Server {
  api: Api;
  listener: Listener;
  /** Cancels the runs in progress (each is recorded as cancelled), then stops listening. */
  close(reason?: string): Promise<void>;
}

export async function startServer(o: ServeOptions): Promise<Server> {
  const { config } = await loadConfig(o.configPath, o.env);
  const clock = o.clock ?? systemClock;
  const at = o.listen ?? config.daemon.http?.listen ?? DEFAULT_LISTEN;
  const tls = o.tls ?? config.daemon.http?.tls;
  const jobs = new Map(jobsOf(config).map((j) => [j.key, j]));
  const api = createApi({
    config: () => config,
    choice: o.choice ?? { config: o.configPath },
    authPath: authPathFor(o.configPath),
    history: () => historyPath(config, o.env),
    clock,
    log: o.log,
    nextRun: (app, p) => {
      const j = jobs.get(jobKey(app, p));
      return j ? nextSlot(j, clock.now()) : null;
    },
    secure: !!tls,
    trustProxy: config.daemon.http?.trustProxy,
  });
  const { host } = splitHostPort(at);
  if (!isLoopback(host) && !tls)
    o.log.warn(
      `listening on ${at} without TLS: passwords and tokens cross the network in clear unless a reverse proxy ` +
        'terminates TLS in front (docs/usage/http-api.md)',
    );
  const access = await listAccess(authPathFor(o.configPath));
  if (!access.users.length && !access.tokens.length)
    o.log.warn(
      `no users or tokens in ${authPathFor(o.configPath)} yet: every request is refused until you add one ` +
        '(strongbox user add NAME, strongbox token add NAME --scope read)',
    );
  const listener = await listen(api.app.fetch, at, tls);
  o.log.info(`HTTP API on ${listener.scheme}://${listener.address}/api (OpenAPI: /api/openapi.json)`);
  return {
    api,
    listener,
    async close(reason = 'the server is stopping') {
      await api.runs.stop(new StrongboxError('INTERRUPTED', `cancelled: ${reason}`));
      await listener.close();
    },
  };
}
