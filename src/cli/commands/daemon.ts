// `strongbox daemon`: runs the config's schedules in the foreground, logging to stdout (text, or JSON lines with
// --log-format json). SIGHUP or a change of the config file reloads it; SIGTERM/SIGINT take the shutdown
// backups and stop (exit 0 when they were saved), a second signal cancels them (exit 130).
import type { Command } from 'commander';
import { systemClock } from '../../clock.js';
import { configPath } from '../../config/load.js';
import type { LogFormat } from '../../daemon/log.js';
import { StrongboxError } from '../../errors.js';
import { type GlobalOptions, type Io, signalOwner } from '../context.js';

interface DaemonCmdOptions {
  logFormat?: string;
  verbose?: boolean;
}

export function parseLogFormat(v: string | undefined): LogFormat {
  if (v === undefined || v === 'text' || v === 'json') return v ?? 'text';
  throw new StrongboxError('USAGE', `--log-format ${v}: use "text" or "json"`);
}

export async function runDaemon(g: GlobalOptions, o: DaemonCmdOptions, io: Io): Promise<void> {
  // --json (global) asks for machine-readable output: the log as JSON lines, unless --log-format says otherwise.
  const format = parseLogFormat(o.logFormat ?? (g.json ? 'json' : undefined));
  // The daemon's modules (croner, pino, the notifiers, prom-client) load only for this command.
  const [{ makeLog }, { Daemon }] = await Promise.all([
    import('../../daemon/log.js'),
    import('../../daemon/daemon.js'),
  ]);
  const log = makeLog(format, io.out, systemClock, !!o.verbose);
  const d = await Daemon.start({ configPath: configPath(g.config), log });
  let signals = 0;
  let finished!: (e: StrongboxError | null) => void;
  const stopped = new Promise<StrongboxError | null>((resolve) => {
    finished = resolve;
  });
  const onSignal = (sig: string) => {
    if (++signals === 1) void d.shutdown(sig).then(finished);
    else {
      log.warn(`${sig} again: cancelling the shutdown backups`);
      d.cancel();
    }
  };
  const onHup = () => {
    void d.reload('SIGHUP');
  };
  const onAbort = () => onSignal('abort');
  signalOwner.handle = onSignal;
  process.on('SIGHUP', onHup);
  io.signal?.addEventListener('abort', onAbort, { once: true });
  // A signal that came while the daemon was starting (before it could listen) is not lost.
  if (io.signal?.aborted) onAbort();
  try {
    const err = await stopped;
    if (err) throw err;
  } finally {
    signalOwner.handle = undefined;
    process.off('SIGHUP', onHup);
    io.signal?.removeEventListener('abort', onAbort);
  }
}

export function register(program: Command, io: Io, globals: () => GlobalOptions): void {
  program
    .command('daemon')
    .description(
      'run the scheduled backups of the config in the foreground ' +
        '(SIGHUP reloads; SIGTERM takes the shutdown backups and stops)',
    )
    .option('--log-format <format>', 'text (default; json with --json) or json (one JSON object per line)')
    .option('--verbose', "also log each job's schedule and each queued run")
    .action(async (o: DaemonCmdOptions) => {
      await runDaemon(globals(), o, io);
    });
}
