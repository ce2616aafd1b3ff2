// The cancel section of `npm run bench` (issue 8): a running backup of a multi-GB file tree, and of an app whose
// database is the bench's PostgreSQL one, gets SIGINT or SIGTERM; it must stop within 2 s, exit 130, write no
// snapshot, pass `check`, tell its after hook `failure`, and leave no temp file, lock or child process behind.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { descendants, ensureTree, leftovers, type Proc } from './cancel-probe.js';
import { benchDatabaseName, benchDatabaseYaml, ensureDatabase } from './database.js';
import { run } from './tools.js';

/** The issue's target: from the signal to the process's exit. */
export const STOP_TARGET_MS = 2000;
/** A backup is signalled at its first progress event with this many bytes done: well into its data, files open. */
export const UNDER_WAY_BYTES = 64 * 2 ** 20;
/** A backup still running this long after the signal is killed (SIGKILL), and its case fails. */
const GIVE_UP_MS = 60_000;
/** Children get this long after the CLI's exit to be gone before they count as left running. */
const CHILD_GRACE_MS = 500;

export interface CancelRow {
  case: string;
  signal: string;
  /** Bytes the backup reported done when it was signalled. */
  bytesAtSignal: number;
  /** From the signal to the exit; null when it never got signalled or never exited. */
  stopMs: number | null;
  exit: number | null;
  snapshots: number | null;
  checkExit: number | null;
  /** `check`'s notes (e.g. a pack of the stopped backup that no index lists: unreferenced data, not an error). */
  checkNotes: string[];
  /** The commands of the backup's child processes when it was signalled. */
  childrenAtSignal: string[];
  /** What the after hook wrote ($STRONGBOX_OUTCOME); undefined for a case without hooks. */
  hookTold?: string;
  leftovers: string[];
  /** Why the case could not be measured (the backup ended before the signal, …). */
  problem?: string;
  met: boolean;
}

export interface CancelContext {
  work: string;
  strongbox: string[];
  password: string;
  treeGib: number;
  dbSizeMb: number;
  log(l: string): void;
}

/** `group`: the signal goes to the CLI's whole process group (pg_dump too), as a terminal's Ctrl-C sends it. */
interface Case {
  name: string;
  signal: NodeJS.Signals;
  db: boolean;
  group?: boolean;
}

/** Every target of the issue at once: quick, 130, no snapshot, a clean check, the hook told failure, nothing left. */
export function cancelMet(r: Omit<CancelRow, 'met'>): boolean {
  return (
    !r.problem &&
    r.stopMs !== null &&
    r.stopMs <= STOP_TARGET_MS &&
    r.exit === 130 &&
    r.snapshots === 0 &&
    r.checkExit === 0 &&
    (r.hookTold === undefined || r.hookTold === 'failure') &&
    r.leftovers.length === 0
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function appConfig(repo: string, db: string, hookFile: string): string {
  const hook = `printf '%s' "$STRONGBOX_OUTCOME" > '${hookFile}'`;
  return [
    'repositories:',
    '  bench:',
    `    location: ${repo}`,
    'apps:',
    '  - id: bench-cancel',
    '    repository: bench',
    '    databases:',
    benchDatabaseYaml(db),
    '    hooks:',
    `      after: [${JSON.stringify(hook)}]`,
    '',
  ].join('\n');
}

/** A started backup: its process, its exit, and the bytes done it last reported. */
interface Running {
  child: ChildProcess;
  exited: Promise<number | null>;
  ended(): boolean;
  bytes(): number;
}

/** Starts `args` with --json output kept in `logFile`; resolves once it reported UNDER_WAY_BYTES done, or exited. */
async function startBackup(
  ctx: CancelContext,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<Running> {
  const [bin, ...pre] = ctx.strongbox;
  // A process group of its own, which a group case signals whole.
  const child = spawn(bin, [...pre, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stderr!.on('data', (d: Buffer) => appendFileSync(logFile, d));
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      ended = true;
      resolve(code);
    }),
  );
  let bytes = 0;
  const underWay = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      appendFileSync(logFile, `${line}\n`);
      let e: { type?: string; bytesDone?: number } = {};
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        // not an event (the CLI prints only JSON lines with --json; the log keeps whatever this was)
      }
      if (e.type === 'progress' && (e.bytesDone ?? 0) >= UNDER_WAY_BYTES) {
        bytes = e.bytesDone!;
        resolve();
      }
    });
  });
  await Promise.race([underWay, exited]);
  return { child, exited, ended: () => ended, bytes: () => bytes };
}

/** Signals the backup and waits for its exit: the stop time, its children at the signal, and what went wrong. */
async function stop(
  b: Running,
  signal: NodeJS.Signals,
  group = false,
): Promise<Pick<CancelRow, 'stopMs' | 'exit' | 'problem'> & { procs: Proc[] }> {
  const procs = descendants(b.child.pid!);
  const t0 = performance.now();
  if (group) process.kill(-b.child.pid!, signal);
  else b.child.kill(signal);
  const giveUp = setTimeout(() => b.child.kill('SIGKILL'), GIVE_UP_MS);
  const exit = await b.exited;
  clearTimeout(giveUp);
  const stopMs = Math.round(performance.now() - t0);
  const problem = stopMs >= GIVE_UP_MS ? `still running ${GIVE_UP_MS / 1000} s after ${signal}; killed` : undefined;
  return { stopMs, exit, procs, problem };
}

/** `snapshots --json` and `check` on the repository a stopped backup used; their output goes to `logFile`. */
function inspectRepo(
  ctx: CancelContext,
  repo: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Pick<CancelRow, 'snapshots' | 'checkExit' | 'checkNotes'> {
  const [bin, ...pre] = ctx.strongbox;
  const sb = (...args: string[]) => spawnSync(bin, [...pre, '-r', repo, ...args], { env, encoding: 'utf8' });
  const snaps = sb('snapshots', '--json');
  const check = sb('check');
  appendFileSync(
    logFile,
    `--- snapshots --json (${snaps.status}):\n${snaps.stdout}${snaps.stderr}` +
      `--- check (${check.status}):\n${check.stdout}${check.stderr}`,
  );
  return {
    snapshots: snaps.status === 0 ? (JSON.parse(snaps.stdout) as unknown[]).length : null,
    checkExit: check.status,
    checkNotes: `${check.stdout}${check.stderr}`
      .split('\n')
      .filter((l) => l.startsWith('note: '))
      .map((l) => l.slice(6)),
  };
}

/** Runs one backup, signals it once it is under way, and inspects what it left. */
async function runCase(ctx: CancelContext, c: Case, i: number, tree: string, db: string): Promise<CancelRow> {
  const dir = join(ctx.work, 'cancel');
  const [repo, tmp, logFile, hookFile] = ['repo', 'tmp', 'log', 'hook'].map((n) => join(dir, `${n}-${i}`));
  mkdirSync(tmp);
  // A private TMPDIR: what the CLI's scopes create there is this backup's, whatever else runs on the machine.
  const env = { ...process.env, STRONGBOX_PASSWORD: ctx.password, TMPDIR: tmp };
  await run({ argv: [...ctx.strongbox, '-r', repo, 'init', '-q'], env }, logFile);
  const config = join(dir, `config-${i}.yaml`);
  writeFileSync(config, appConfig(repo, db, hookFile));
  const args = c.db
    ? ['-c', config, '--json', 'backup', '--app', 'bench-cancel']
    : ['-r', repo, '--json', 'backup', tree];
  const b = await startBackup(ctx, args, env, logFile);
  const bytesAtSignal = b.bytes();
  const stopped = b.ended()
    ? { stopMs: null, exit: await b.exited, procs: [], problem: 'the backup ended before it could be signalled' }
    : await stop(b, c.signal, c.group);
  await sleep(CHILD_GRACE_MS);
  const row: Omit<CancelRow, 'met'> = {
    case: c.name,
    signal: c.group ? `${c.signal} to its group` : c.signal,
    bytesAtSignal,
    stopMs: stopped.stopMs,
    exit: stopped.exit,
    problem: stopped.problem,
    childrenAtSignal: stopped.procs.map((p) => p.comm),
    leftovers: leftovers(repo, tmp, stopped.procs),
    ...inspectRepo(ctx, repo, env, logFile),
    hookTold: c.db ? (existsSync(hookFile) ? readFileSync(hookFile, 'utf8') : '(not run)') : undefined,
  };
  ctx.log(
    `  ${c.name}, ${row.signal} at ${(row.bytesAtSignal / 1e6).toFixed(0)} MB ` +
      `(children: ${row.childrenAtSignal.join(' ') || 'none'}): stopped in ${row.stopMs ?? '—'} ms, exit ${row.exit}, ` +
      `${row.snapshots ?? '?'} snapshots, check ${row.checkExit} (${row.checkNotes.length} notes), ` +
      `hook told ${row.hookTold ?? '—'}, ` +
      `leftovers: ${row.leftovers.join(', ') || 'none'}${row.problem ? `; ${row.problem}` : ''} (log ${logFile})`,
  );
  return { ...row, met: cancelMet(row) };
}

export interface CancelResult {
  rows: CancelRow[];
  treeGib: number;
  dbPlainBytes: number;
}

/** Every case in turn, each into a fresh repository; the tree and the database are made once and kept. */
export async function cancelSection(ctx: CancelContext): Promise<CancelResult> {
  const dir = join(ctx.work, 'cancel');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tree = join(ctx.work, `cancel-tree-${ctx.treeGib}g`);
  ensureTree(tree, ctx.treeGib, ctx.log);
  const db = benchDatabaseName(ctx.dbSizeMb);
  const dbPlainBytes = ensureDatabase({ sizeMb: ctx.dbSizeMb, log: ctx.log }, db);
  const treeCase = `backup of a ${ctx.treeGib} GiB tree`;
  const dbCase = `backup --app, ${(dbPlainBytes / 1e6).toFixed(0)} MB PostgreSQL`;
  const cases: Case[] = [
    { name: treeCase, signal: 'SIGINT', db: false },
    { name: treeCase, signal: 'SIGTERM', db: false },
    { name: dbCase, signal: 'SIGINT', db: true },
    { name: dbCase, signal: 'SIGTERM', db: true },
    { name: dbCase, signal: 'SIGINT', db: true, group: true },
  ];
  const rows: CancelRow[] = [];
  for (const [i, c] of cases.entries()) rows.push(await runCase(ctx, c, i + 1, tree, db));
  if (process.env.BENCH_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  return { rows, treeGib: ctx.treeGib, dbPlainBytes };
}

/** `check`'s verdict, with its notes counted (an unreferenced pack is what prune is for, not an error). */
function checkCell(r: CancelRow): string {
  const packs = r.checkNotes.filter((n) => n.includes('not in any index')).length;
  const other = r.checkNotes.length - packs;
  const notes = [
    packs ? `${packs} unreferenced pack${packs > 1 ? 's' : ''}` : '',
    other ? `${other} other notes` : '',
  ].filter(Boolean);
  const verdict = r.checkExit === 0 ? 'exit 0' : `**exit ${r.checkExit ?? '?'}**`;
  return `${verdict}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

const HEADER =
  '| case | signal | done at signal (MB) | stop (ms) | exit | snapshots | check | after hook told' +
  ' | leftovers | met? |';

export function cancelMarkdown(rows: CancelRow[]): string {
  const lines = [HEADER, '|---|---|---:|---:|---:|---:|---|---|---|---|'];
  for (const r of rows) {
    const left = [...r.leftovers, ...(r.problem ? [r.problem] : [])].join('; ') || 'none';
    lines.push(
      `| ${r.case} | ${r.signal} | ${(r.bytesAtSignal / 1e6).toFixed(0)} | ${r.stopMs ?? '—'} | ` +
        `${r.exit ?? '—'} | ${r.snapshots ?? '?'} | ${checkCell(r)} | ${r.hookTold ?? '—'} | ${left} | ` +
        `${r.met ? 'yes' : '**NO**'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
