// Running database tools (pg_dump, mysqldump, psql, …) as child processes: their output as a byte stream,
// their input from one, and failures turned into SOURCE errors that name the app, component and tool.
// Secrets reach the tools only through `env` or files named in `args`; they are never put in argv.
import { type ChildProcess, spawn, type SpawnOptions, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { StrongboxError } from '../errors.js';
import { childEnv } from '../util/child-env.js';
import { killChild, type Scope } from '../util/scope.js';

export interface ToolSpec {
  cmd: string;
  args: string[];
  /** Added to (or, with undefined, removed from) the inherited environment. */
  env?: Record<string, string | undefined>;
  /** "app shop, database main". */
  label: string;
  /** The operation the tool runs for: an abort of it kills the tool at once. */
  scope: Scope;
  /** How to get the tool when it is missing ("Debian: apt-get install postgresql-client"). */
  installHint?: string;
  /**
   * Run the tool under `stdbuf -o 1M` when stdbuf (GNU coreutils) is installed. Dump tools write their
   * output through stdio in 4 KiB pieces; a 1 MiB buffer cuts their write calls, and our reads and wake-ups,
   * by a large factor (on a 650 MB pg_dump: 167,000 writes and 40,000 reads became 650 and 11,000, and
   * reading it took 15% less time). Output is unchanged; only how it is cut into writes.
   */
  bufferStdout?: boolean;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

const STDERR_KEEP = 8192;

export { childEnv, OWN_SECRETS } from '../util/child-env.js';

/** The executable `cmd` names (a path, or a name looked up on PATH), or null when there is none. */
function findExecutable(cmd: string): string | null {
  const candidates = cmd.includes('/')
    ? [cmd]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

let stdbuf: string | null | undefined;

/**
 * stdbuf, if it is installed and works (it preloads a library of its own, which a broken install lacks): found
 * and tried once. A speed-up must never be why a dump fails.
 */
function usableStdbuf(): string | null {
  if (stdbuf !== undefined) return stdbuf;
  const found = findExecutable('stdbuf');
  stdbuf =
    found && spawnSync(found, ['-o', '1M', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0 ? found : null;
  return stdbuf;
}

function start(t: ToolSpec, stdin: 'ignore' | 'pipe'): { child: ChildProcess; exit: Promise<Exit> } {
  if (t.scope.signal.aborted)
    throw new StrongboxError('INTERRUPTED', `${t.label}: not starting ${t.cmd}: the operation was cancelled`);
  const env = childEnv(t.env);
  // A missing tool is run unwrapped, so that it fails as ENOENT and is reported as not installed.
  const wrapper = t.bufferStdout && findExecutable(t.cmd) ? usableStdbuf() : null;
  // stdbuf execs the tool, so the child's pid is the tool's own (signals and kills reach it directly). The tool
  // leads a process group of its own, so a kill also ends what it started (a wrapper script's children), and a
  // terminal's Ctrl-C reaches strongbox, which cancels the operation and kills the group, not the tool behind it.
  const opts: SpawnOptions = { env, stdio: [stdin, 'pipe', 'pipe'], detached: true };
  const child = wrapper ? spawn(wrapper, ['-o', '1M', t.cmd, ...t.args], opts) : spawn(t.cmd, t.args, opts);
  t.scope.track(child, true);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr += d;
    if (stderr.length > 2 * STDERR_KEEP) stderr = stderr.slice(-STDERR_KEEP);
  });
  const exit = new Promise<Exit>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, stderr, error }));
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, exit };
}

function failure(t: ToolSpec, r: Exit): StrongboxError | null {
  const tool = t.cmd.split('/').pop();
  if (r.error) {
    if (r.error.code === 'ENOENT') {
      const where = t.cmd.includes('/') ? `${t.cmd} does not exist` : `${t.cmd} is not installed or not on PATH`;
      return new StrongboxError('SOURCE', `${t.label}: ${where}${t.installHint ? ` (${t.installHint})` : ''}`, {
        cause: r.error,
      });
    }
    return new StrongboxError('SOURCE', `${t.label}: cannot run ${t.cmd}: ${r.error.message}`, { cause: r.error });
  }
  if (r.code === 0) return null;
  const why = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.code}`;
  const said = r.stderr.trim().split('\n').slice(-6).join(' | ').slice(-1500);
  return new StrongboxError('SOURCE', `${t.label}: ${tool} ${why}${said ? `: ${said}` : ''}`);
}

/** Runs a tool to its end and returns its standard output (for small outputs: versions, queries). */
export async function runTool(t: ToolSpec, input?: string): Promise<string> {
  const { child, exit } = start(t, input === undefined ? 'ignore' : 'pipe');
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    out += d;
  });
  if (input !== undefined) {
    child.stdin!.on('error', () => {}); // a tool that exits early is reported through its exit status
    child.stdin!.end(input);
  }
  const r = await exit;
  const err = failure(t, r);
  if (err) throw err;
  return out;
}

/**
 * The tool's standard output as a stream. It throws after the last byte when the tool failed (non-zero
 * status, killed, not installed), so a torn dump is never taken for a whole one. Stopping early kills the tool.
 */
export async function* streamTool(t: ToolSpec): AsyncGenerator<Buffer> {
  const { child, exit } = start(t, 'ignore');
  let finished = false;
  try {
    for await (const b of child.stdout!) yield b as Buffer;
    finished = true;
  } finally {
    if (!finished) killChild(child);
  }
  const err = failure(t, await exit);
  if (err) throw err;
}

/**
 * Writes `input` into a tool's stdin; resolves when all is written (or the tool exited early, which its exit
 * status reports). Rejects with the input's own error when reading `input` fails.
 */
async function pump(
  input: AsyncIterable<Buffer>,
  stdin: NodeJS.WritableStream & { destroyed: boolean },
  exit: Promise<Exit>,
): Promise<void> {
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  stdin.on('error', () => {}); // EPIPE when the tool exits early: its exit status says why
  for await (const b of input) {
    if (exited || stdin.destroyed) break;
    // A tool that stops reading (it rejected its input) makes the write fail with EPIPE: that is not the
    // error to report, its exit status and message are.
    if (!stdin.write(b)) await Promise.race([once(stdin, 'drain').catch(() => {}), exit]);
  }
}

/**
 * Feeds `input` to the tool's standard input. When reading `input` fails (a damaged backup), the tool is
 * killed before its input is closed, so it never sees a clean end of a truncated dump and commits it.
 */
export async function feedTool(t: ToolSpec, input: AsyncIterable<Buffer>): Promise<void> {
  const { child, exit } = start(t, 'pipe');
  child.stdout!.resume();
  try {
    await pump(input, child.stdin!, exit);
  } catch (e) {
    killChild(child);
    await exit;
    throw e;
  }
  child.stdin!.end();
  const err = failure(t, await exit);
  if (err) throw err;
}

/**
 * Feeds `input` through two tools: `first`'s output becomes `second`'s input (pg_restore's SQL into psql).
 * `second`'s input is closed only after `first` succeeded; on any failure `second` is killed instead, so
 * it never takes a cut-off script for a whole one (psql would commit it).
 */
export async function feedPipe(first: ToolSpec, second: ToolSpec, input: AsyncIterable<Buffer>): Promise<void> {
  const b = start(second, 'pipe');
  b.child.stdout!.resume();
  b.child.stdin!.on('error', () => {});
  const a = start(first, 'pipe');
  a.child.stdout!.pipe(b.child.stdin!, { end: false });
  const abort = async () => {
    killChild(b.child);
    killChild(a.child);
    // The first tool's output may sit paused in our pipe to the second: a paused stream never ends, so the
    // first tool's 'close' would never come. Drop it.
    a.child.stdout!.unpipe();
    a.child.stdout!.destroy();
    b.child.stdin!.destroy();
    await Promise.all([a.exit, b.exit]);
  };
  let bDone: Exit | null = null;
  void b.exit.then((r) => {
    bDone = r;
  });
  try {
    // The second tool stopping early (psql on an SQL error) stops the feeding too: the first would block
    // forever on its full output pipe.
    await pump(input, a.child.stdin!, Promise.race([a.exit, b.exit]));
  } catch (e) {
    await abort();
    throw e;
  }
  if (bDone) {
    await abort();
    throw (
      failure(second, bDone) ??
      new StrongboxError('SOURCE', `${second.label}: ${second.cmd} ended before its input did`)
    );
  }
  a.child.stdin!.end();
  const ra = await Promise.race([a.exit, b.exit.then(() => null)]);
  if (ra === null) {
    // The second tool ended while the first was still writing: its error is the one that explains.
    await abort();
    throw (
      failure(second, await b.exit) ??
      new StrongboxError('SOURCE', `${second.label}: ${second.cmd} ended before its input did`)
    );
  }
  const errA = failure(first, ra);
  if (errA) {
    // The second tool's message (e.g. psql's) is usually the cause when it stopped first.
    const rb = await Promise.race([b.exit, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
    await abort();
    throw (rb && failure(second, rb)) ?? errA;
  }
  b.child.stdin!.end();
  const err = failure(second, await b.exit);
  if (err) throw err;
}

/** The first "major.minor" version number in a tool's `--version` output. */
export function versionOf(text: string): string {
  return /(\d+(?:\.\d+)+)/.exec(text)?.[1] ?? text.trim();
}
