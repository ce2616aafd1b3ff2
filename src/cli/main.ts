#!/usr/bin/env -S node --max-semi-space-size=2
// The strongbox command line: global options, the commands, and the one place that turns errors into
// messages and exit statuses (the table in src/errors.ts).
import { realpathSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ERROR_CODES, exitStatusFor, StrongboxError, toUserError } from '../errors.js';
import { INTERRUPT_HOOK_SECONDS } from '../app/hooks.js';
import { VERSION } from '../version.js';
import { type GlobalOptions, type Io, liveScopes, processIo, signalOwner, stdoutState } from './context.js';
import * as backendCmd from './commands/backend.js';
import * as backupCmd from './commands/backup.js';
import * as checkCmd from './commands/check.js';
import * as configCmd from './commands/config.js';
import * as copyCmd from './commands/copy.js';
import * as daemonCmd from './commands/daemon.js';
import * as drillCmd from './commands/drill.js';
import * as dumpCmd from './commands/dump.js';
import * as exportCmd from './commands/export.js';
import * as forgetCmd from './commands/forget.js';
import * as importCmd from './commands/import.js';
import * as initCmd from './commands/init.js';
import * as inspectCmd from './commands/inspect.js';
import * as keyCmd from './commands/key.js';
import * as repairCmd from './commands/repair.js';
import * as restoreCmd from './commands/restore.js';
import * as runsCmd from './commands/runs.js';
import * as serveCmd from './commands/serve.js';
import * as snapshotsCmd from './commands/snapshots.js';
import * as statusCmd from './commands/status.js';
import * as syncCmd from './commands/sync.js';
import * as userCmd from './commands/user.js';

export function exitCodeHelp(): string {
  const rows = new Map<number, string[]>();
  for (const [code, v] of Object.entries(ERROR_CODES)) rows.set(v.exit, [...(rows.get(v.exit) ?? []), code]);
  return [
    'Exit status:',
    '  0    success',
    ...[...rows]
      .sort((a, b) => a[0] - b[0])
      .map(
        ([n, codes]) =>
          `  ${String(n).padEnd(4)} ${codes.map((c) => `${c} (${ERROR_CODES[c as keyof typeof ERROR_CODES].summary})`).join('; ')}`,
      ),
  ].join('\n');
}

export function buildProgram(io: Io): Command {
  const program = new Command('strongbox')
    .description('encrypted, deduplicated backups of web applications')
    .version(VERSION)
    .option('-r, --repo <location>', 'repository location (or STRONGBOX_REPOSITORY): a path, local:PATH or memory:NAME')
    .option('-c, --config <file>', 'configuration file (or STRONGBOX_CONFIG; default ./strongbox.yaml)')
    .option('--password-file <file>', 'read the repository password from a file')
    .option('--password-command <cmd>', 'run a command that prints the repository password')
    .option('--password-command-timeout <duration>', 'stop a password command that runs longer than this (default 60s)')
    .option('--json', 'machine-readable output')
    .option('-q, --quiet', 'print only errors')
    .option('--debug', 'print the stack trace of an unexpected error')
    .addHelpText(
      'after',
      `\nEnvironment: STRONGBOX_REPOSITORY, STRONGBOX_CONFIG, STRONGBOX_PASSWORD, STRONGBOX_NEW_PASSWORD (key add), STRONGBOX_USER_PASSWORD (user add)\n\n${exitCodeHelp()}`,
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const globals = () => program.opts<GlobalOptions>();
  const commands = [
    initCmd,
    backupCmd,
    restoreCmd,
    snapshotsCmd,
    dumpCmd,
    exportCmd,
    importCmd,
    forgetCmd,
    statusCmd,
    checkCmd,
    syncCmd,
    copyCmd,
    inspectCmd,
    keyCmd,
    repairCmd,
    configCmd,
    backendCmd,
    daemonCmd,
    runsCmd,
    drillCmd,
    serveCmd,
    userCmd,
  ];
  for (const m of commands) m.register(program, io, globals);
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  program.commands.forEach(override);
  return program;
}

/** Run the CLI and return the exit status (does not exit). */
export async function runCli(argv: string[], outer: Io = processIo): Promise<number> {
  // With --json, a failure ends a JSON-lines stream (events, then an error line), never a JSON document.
  let onlyLines = true;
  const io: Io = {
    ...outer,
    out: (s) => {
      onlyLines &&= s.startsWith('{"type":');
      outer.out(s);
    },
  };
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (caught) {
    if (caught instanceof CommanderError) return caught.exitCode === 0 ? 0 : ERROR_CODES.USAGE.exit;
    const e = toUserError(caught);
    // Cut short because the reader of stdout went away: nothing to tell it, and a pipe's reader sets the status.
    if (stdoutState.closed && e instanceof StrongboxError && e.code === 'INTERRUPTED') return exitStatusFor(e);
    const { json: wantJson, debug } = program.opts<GlobalOptions>();
    const json = !!wantJson && onlyLines;
    if (e instanceof StrongboxError) {
      io.err(`strongbox: ${e.message}`);
      if (debug && e.cause instanceof Error) io.err(`cause: ${e.cause.stack ?? e.cause.message}`);
      if (json) io.out(JSON.stringify({ type: 'error', code: e.code, exit: exitStatusFor(e), message: e.message }));
    } else {
      // A bug: the trace only with --debug, so a user sees one line and how to report it.
      const message = (e as Error)?.message ?? String(e);
      io.err(
        debug
          ? `strongbox: internal error: ${(e as Error)?.stack ?? String(e)}`
          : `strongbox: internal error: ${message}\n(this is a bug in strongbox; run again with --debug for the stack trace and report it)`,
      );
      if (json)
        io.out(
          JSON.stringify({
            type: 'error',
            code: 'INTERNAL',
            exit: exitStatusFor(e),
            message: String((e as Error)?.message ?? e),
          }),
        );
    }
    return exitStatusFor(e);
  }
}

const isMain = !!process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) {
  // A backup allocates short-lived objects fast, and V8's default heap growth lets the main isolate swell to
  // several times its live size between full collections. A 1.15x growth factor keeps peak RSS within the
  // memory budget (a 100,000-file backup: about 275 MiB by default, 247-256 MiB at 1.3x, 247-252 at 1.2x,
  // 246-247 at 1.15x) for some more CPU.
  setFlagsFromString('--heap-growing-percent=15');
  // The first line starts node with 2 MiB semi-spaces (V8's default grows them to 16 MiB): the young generation
  // is sized when the heap is made, so no flag set from here could change it. Some 25-60 MiB less peak RSS (a
  // 100,000-file backup 221 -> 194 MiB, its restore 204 -> 136) for ~10% more CPU in a backup of small files.
  // Run as `strongbox` or `dist/cli/main.js`; `node dist/cli/main.js` starts without it.
  // SIGINT/SIGTERM cancel the running operation: its tools are killed at once, an app backup still runs its
  // after hooks (each within INTERRUPT_HOOK_SECONDS), locks are released, and the CLI exits 130. A second
  // signal kills what is left and exits at once.
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: string) => {
    // The daemon stops on its own terms: its shutdown backups within their deadline, a second signal cancels them.
    if (signalOwner.handle) {
      signals++;
      return signalOwner.handle(sig);
    }
    if (++signals > 1) {
      // Kills their tools and removes their temporary files (a restore's half-written files among them).
      for (const s of liveScopes) s.close();
      process.exit(ERROR_CODES.INTERRUPTED.exit);
    }
    process.stderr.write(`strongbox: interrupted (${sig}); stopping\n`);
    controller.abort(new StrongboxError('INTERRUPTED', `interrupted by ${sig}`));
    // Whatever still runs after the hooks' budget is not waited for.
    setTimeout(() => process.exit(ERROR_CODES.INTERRUPTED.exit), 10_000 + INTERRUPT_HOOK_SECONDS * 1000 * 4).unref();
  };
  // The reader of stdout went away (`strongbox ls | head`): stop writing and end the operation as SIGPIPE would,
  // but cleanly (its lock released), and quietly: the reader asked for no more.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    if (stdoutState.closed) return;
    stdoutState.closed = true;
    controller.abort(new StrongboxError('INTERRUPTED', 'the output was closed'));
  });
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  runCli(process.argv.slice(2), { ...processIo, signal: controller.signal }).then((code) => {
    process.exitCode = code;
    // Interrupted: nothing the cancelled operation left behind may keep the process alive.
    if (signals) setImmediate(() => process.exit(code));
  });
}
