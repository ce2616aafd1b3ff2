// `strongbox serve`: the HTTP API of the control panel in the foreground (docs/usage/http-api.md), logging to
// stdout like the daemon; SIGTERM/SIGINT cancel the runs it started (recorded as cancelled) and stop it.
import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import { configPath } from '../../config/load.js';
import { StrongboxError } from '../../errors.js';
import { type GlobalOptions, type Io, signalOwner } from '../context.js';
import { parseLogFormat } from './daemon.js';

interface ServeCmdOptions {
  listen?: string;
  tlsCert?: string;
  tlsKey?: string;
  logFormat?: string;
}

export async function runServe(g: GlobalOptions, o: ServeCmdOptions, io: Io): Promise<void> {
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
    throw new StrongboxError('USAGE', '--tls-cert and --tls-key go together');
  // The server (Hono) and the logger load only for this command: every other command starts without them.
  const [{ makeLog }, { startServer }] = await Promise.all([
    import('../../daemon/log.js'),
    import('../../server/serve.js'),
  ]);
  const log = makeLog(parseLogFormat(o.logFormat ?? (g.json ? 'json' : undefined)), io.out, systemClock);
  const server = await startServer({
    configPath: configPath(g.config),
    listen: o.listen,
    tls: o.tlsCert !== undefined ? { cert: o.tlsCert, key: o.tlsKey! } : undefined,
    log,
  });
  let done!: () => void;
  const stopped = new Promise<void>((resolve) => (done = resolve));
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${sig}: stopping`);
    void server.close(`the server is stopping (${sig})`).then(done);
  };
  signalOwner.handle = stop;
  const onAbort = () => stop('abort');
  io.signal?.addEventListener('abort', onAbort, { once: true });
  if (io.signal?.aborted) onAbort();
  try {
    await stopped;
  } finally {
    signalOwner.handle = undefined;
    io.signal?.removeEventListener('abort', onAbort);
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('serve the HTTP API of the control panel (users: strongbox user add; tokens: strongbox token add)')
    .option('--listen <host:port>', 'where to listen (default daemon.http.listen, else 127.0.0.1:8480)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate chain (PEM)')
    .option('--tls-key <file>', 'and this private key (PEM)')
    .option('--log-format <format>', 'text (default; json with --json) or json')
    .action(async (o: ServeCmdOptions) => {
      await runServe(globals(), o, io);
    });
}
