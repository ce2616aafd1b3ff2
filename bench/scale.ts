// The scale section (`npm run bench -- --scale`): a tree of a million small files and one multi-GiB file, each
// through backup, no-change backup, restore, ls, check --read-data and forget+prune, timed with peak RSS, against
// restic in the same run when it is installed. Memory must stay under 256 MiB whatever the size (issue 9).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateLargeFile, generateManyFiles } from './scale-tree.js';
import { run, timed, type Command, type Timing } from './tools.js';

export const SCALE_LIMIT_MIB = 256;

export interface ScaleOptions {
  work: string;
  strongbox: string[];
  password: string;
  /** Files in the tree (default 1,000,000), in files/1000 directories. */
  files: number;
  /** Size of the single large file, GiB. */
  largeGib: number;
  /** Whether restic is on PATH: it runs the same steps. */
  withRestic: boolean;
  log(line: string): void;
}

export interface ScaleRow {
  dataset: string;
  step: string;
  tool: string;
  seconds: number;
  peakRssMiB: number;
}

interface Tool {
  name: string;
  cmd(repo: string, ...args: string[]): Command;
  init: string[];
  restoredRoot(target: string, source: string): string;
}

function tools(o: ScaleOptions): Tool[] {
  const list: Tool[] = [
    {
      name: 'strongbox',
      cmd: (repo, ...args) => ({
        argv: [...o.strongbox, '-r', repo, ...args],
        env: { STRONGBOX_PASSWORD: o.password },
      }),
      init: ['init'],
      restoredRoot: (t, s) => join(t, s),
    },
  ];
  if (o.withRestic)
    list.push({
      name: 'restic',
      cmd: (repo, ...args) => ({
        argv: ['restic', '-r', repo, ...args],
        env: { RESTIC_PASSWORD: o.password, RESTIC_CACHE_DIR: join(o.work, 'scale', 'restic-cache') },
      }),
      init: ['init', '--repository-version', '2'],
      restoredRoot: (t, s) => join(t, s),
    });
  return list;
}

/** stdout to /dev/null through exec, so GNU time still measures the tool itself (a listing of 1M lines). */
function quiet(c: Command): Command {
  return { ...c, argv: ['bash', '-c', 'exec "$@" > /dev/null', 'quiet', ...c.argv] };
}

/** Files and bytes under `dir` (`find -type f` with sizes): a cheap completeness check of a restore. */
function census(dir: string): { files: number; bytes: number } {
  const out = execFileSync(
    'bash',
    ['-c', `find "$1" -type f -printf '%s\\n' | awk '{n++; s+=$1} END {print n+0, s+0}'`, 'c', dir],
    {
      encoding: 'utf8',
    },
  );
  const [files, bytes] = out.trim().split(' ').map(Number);
  return { files, bytes };
}

async function dataset(o: ScaleOptions, name: string, source: string, rows: ScaleRow[]): Promise<void> {
  const base = join(o.work, 'scale', name);
  const want = census(source);
  for (const t of tools(o)) {
    const repo = join(base, `${t.name}-repo`);
    const target = join(base, `${t.name}-restore`);
    rmSync(repo, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
    mkdirSync(base, { recursive: true });
    const logFile = (step: string) => join(base, `${t.name}-${step}.log`);
    await run(t.cmd(repo, ...t.init), logFile('init'));
    const step = async (label: string, c: Command): Promise<Timing> => {
      const r = await timed(c, logFile(label.replace(/\W+/g, '-')));
      const row = { dataset: name, step: label, tool: t.name, seconds: r.seconds, peakRssMiB: r.peakRssKb / 1024 };
      rows.push(row);
      o.log(`  ${name} ${label} ${t.name}: ${r.seconds.toFixed(1)} s, peak RSS ${row.peakRssMiB.toFixed(0)} MiB`);
      return r;
    };
    await step('backup', t.cmd(repo, 'backup', source));
    await step('no-change backup', t.cmd(repo, 'backup', source));
    await step('restore', t.cmd(repo, 'restore', 'latest', '--target', target));
    const got = census(t.restoredRoot(target, source));
    if (got.files !== want.files || got.bytes !== want.bytes)
      throw new Error(`${t.name} restored ${got.files} files, ${got.bytes} bytes of ${want.files}, ${want.bytes}`);
    rmSync(target, { recursive: true, force: true });
    await step('ls', quiet(t.cmd(repo, 'ls', 'latest')));
    await step('check --read-data', t.cmd(repo, 'check', '--read-data'));
    await step('forget + prune', t.cmd(repo, 'forget', '--keep-last', '1', '--prune'));
    rmSync(repo, { recursive: true, force: true });
  }
}

/** Generated once and kept (a marker file says it is complete): a million files take a while to write. */
function prepare(o: ScaleOptions): { tree: string; large: string } {
  const dir = join(o.work, 'scale-data');
  const tree = join(dir, `tree-${o.files}`);
  const large = join(dir, `large-${o.largeGib}g`, 'large.bin');
  if (!existsSync(`${tree}.done`)) {
    rmSync(tree, { recursive: true, force: true });
    const t = performance.now();
    const plan = generateManyFiles(tree, o.files, Math.max(1, Math.round(o.files / 1000)));
    writeFileSync(`${tree}.done`, '');
    o.log(
      `generated ${plan.files} files (${(plan.bytes / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t) / 1000).toFixed(0)} s`,
    );
  }
  if (!existsSync(large) || statSync(large).size !== o.largeGib * 2 ** 30) {
    mkdirSync(join(dir, `large-${o.largeGib}g`), { recursive: true });
    generateLargeFile(large, o.largeGib * 2 ** 30);
  }
  return { tree, large: join(dir, `large-${o.largeGib}g`) };
}

export async function scaleSection(o: ScaleOptions): Promise<{ rows: ScaleRow[]; md: string }> {
  const { tree, large } = prepare(o);
  const rows: ScaleRow[] = [];
  await dataset(o, `${o.files.toLocaleString('en')} files`, tree, rows);
  await dataset(o, `one ${o.largeGib} GiB file`, large, rows);
  rmSync(join(o.work, 'scale'), { recursive: true, force: true });
  return { rows, md: scaleMarkdown(rows) };
}

export function scaleMarkdown(rows: ScaleRow[]): string {
  const names = [...new Set(rows.map((r) => r.tool))];
  const head = `| data | step | ${names.map((n) => `${n} time | ${n} peak RSS`).join(' | ')} | ≤ ${SCALE_LIMIT_MIB} MiB |`;
  const sep = `|---|---|${names.map(() => '---:|---:').join('|')}|---|`;
  const keys = [...new Set(rows.map((r) => `${r.dataset}\u0000${r.step}`))];
  const lines = keys.map((k) => {
    const [d, s] = k.split('\u0000');
    const cells = names.map((n) => {
      const r = rows.find((x) => x.dataset === d && x.step === s && x.tool === n);
      return r ? `${r.seconds.toFixed(1)} s | ${r.peakRssMiB.toFixed(0)} MiB` : '— | —';
    });
    const mine = rows.find((x) => x.dataset === d && x.step === s && x.tool === 'strongbox');
    return `| ${d} | ${s} | ${cells.join(' | ')} | ${mine && mine.peakRssMiB < SCALE_LIMIT_MIB ? 'yes' : 'NO'} |`;
  });
  return [head, sep, ...lines].join('\n') + '\n';
}
