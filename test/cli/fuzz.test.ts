// A fuzz test over the command line (issue 14, row 4): every command and subcommand, every option that takes a
// value and every positional argument, given boundary and random values one at a time, must end in a message with
// an exit status from the table, never an "internal error". The commands are read from the program itself, so a
// new command or option is fuzzed without touching this file. The CLI runs in-process (fast) in a scratch
// directory, against a local repository with one snapshot, made with a cheap key derivation.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, runCli } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/context.js';
import { ERROR_CODES } from '../../src/errors.js';
import { createRepository } from '../../src/repository/open.js';
import { backupPaths } from '../../src/ops/backup.js';
import { newContext } from '../../src/ops/context.js';
import { prng } from '../e2e/helpers.js';

const PASSWORD = 'fuzz-password';
const fastKdf = { N: 1024, r: 8, p: 1 };

/** Values at the edges of what options parse: numbers, durations, percentages, subsets, IDs, paths, odd text. */
const BOUNDARY = [
  '',
  ' ',
  '0',
  '-1',
  '1.5',
  '129',
  '99999999999999999999',
  '1e309',
  'NaN',
  '0x10',
  'abc',
  '101%',
  '-5%',
  '1/0',
  '3/2',
  '1m',
  '-1h',
  '999999y',
  'latest:/nope',
  ':',
  'f',
  '../x',
  '--',
  'x'.repeat(5000),
  '2026-13-45',
  '9999-12-31T23:59:59Z',
  '-5000-01-01',
];

/** Random strings from a seeded generator (the same every run): printable ASCII and some Unicode. */
function randomValues(n: number, seed: number): string[] {
  const rnd = prng(seed);
  const alphabet = 'abcdefxyz0123456789-_.:/%@ +=,*?[]{}~é漢\u{1F600}';
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rnd() * 24);
    let s = '';
    for (let j = 0; j < len; j++) s += [...alphabet][Math.floor(rnd() * [...alphabet].length)];
    out.push(rnd() < 0.3 ? String(Math.floor(rnd() * 2 ** 40) - 2 ** 39) : s);
  }
  return out;
}

/** Arguments that make each command get past its own checks, so a fuzzed option is used, not refused early. */
const BASE: Record<string, string[]> = {
  backup: ['data'],
  restore: ['latest', '--target', 'out'],
  ls: ['latest'],
  dump: ['latest', 'app'],
  forget: ['--dry-run', '--keep-last', '3'],
  prune: ['--dry-run'],
  cat: ['config'],
  'key remove': ['ffffffff'],
  'repair index': ['--dry-run'],
  'repair snapshots': ['--dry-run'],
  'backend test': ['store', '--size-mib', '1'],
  drill: ['--app', 'site'],
  copy: ['--to', 'copy-target', '--to-password-env', 'SB_FUZZ_PW'],
};

/** Options whose value is run as a shell command: only fixed values, never random text. */
const SHELL_OPTIONS = new Set(['--password-command', '--to-password-command']);
/** Options a fixed value is enough for (naming a file to read or write). */
const EXIT_STATUSES = new Set([0, ...Object.values(ERROR_CODES).map((c) => c.exit)]);

interface Case {
  args: string[];
}

function leafCommands(c: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  const subs = c.commands.filter((s) => s.name() !== 'help');
  if (subs.length === 0) return [{ path, cmd: c }];
  return subs.flatMap((s) => leafCommands(s, [...path, s.name()]));
}

function cases(): Case[] {
  const io: Io = { out: () => {}, err: () => {}, isTTY: false };
  const program = buildProgram(io);
  const out: Case[] = [];
  const random = randomValues(4, 14);
  for (const { path, cmd } of leafCommands(program)) {
    const base = BASE[path.join(' ')] ?? [];
    for (const opt of cmd.options) {
      if (!opt.required && !opt.optional) continue; // a flag without a value
      const flag = opt.long ?? opt.short!;
      const values = SHELL_OPTIONS.has(flag) ? ['false', 'exit 3', ''] : [...BOUNDARY, ...random];
      for (const v of values)
        out.push({ args: [...path, ...base.filter((a, i) => a !== flag && base[i - 1] !== flag), flag, v] });
    }
    // Positional arguments: each one fuzzed in turn, the others from the base.
    const positionals = cmd.registeredArguments;
    positionals.forEach((_, k) => {
      for (const v of [...BOUNDARY, ...random]) {
        const args = base.filter((a) => !a.startsWith('-')).slice(0, positionals.length);
        const opts = base.filter((a, i) => a.startsWith('-') || base[i - 1]?.startsWith('-'));
        const pos = positionals
          .map((p, i) => (i === k ? v : (args[i] ?? (p.required ? 'latest' : undefined))))
          .filter((x): x is string => x !== undefined);
        // A backup of random paths must not walk this machine, nor a store test write outside the scratch directory.
        if (
          (path[0] === 'backup' || path[0] === 'backend') &&
          (v.includes('..') || v.startsWith('/') || v === '' || v === ' ')
        )
          continue;
        out.push({ args: [...path, ...pos, ...opts] });
      }
    });
  }
  // Global options, on a command that uses them all.
  for (const opt of program.options) {
    if (!opt.required && !opt.optional) continue;
    const flag = opt.long!;
    const values = SHELL_OPTIONS.has(flag)
      ? ['false', 'exit 3', '', 'printf ""', 'printf "wrong\\n"']
      : [...BOUNDARY, ...random];
    for (const v of values) out.push({ args: [flag, v, 'snapshots'] });
  }
  return out;
}

describe('CLI fuzz: every command and option with boundary and random values', () => {
  let dir: string;
  let cwd: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    cwd = process.cwd();
    dir = mkdtempSync(join(tmpdir(), 'sb-fuzz-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'a.txt'), 'hello\n');
    writeFileSync(
      join(dir, 'strongbox.yaml'),
      [
        'repositories:',
        `  main: { location: ${join(dir, 'repo')}, passwordEnv: SB_FUZZ_PW }`,
        'apps:',
        '  - id: site',
        '    repository: main',
        `    files: [{ name: web, path: ${join(dir, 'data')} }]`,
        '',
      ].join('\n'),
    );
    const repo = await createRepository(join(dir, 'repo'), async () => PASSWORD, { kdf: fastKdf });
    await repo.close();
    // Where copy copies to (its base arguments name it): another repository, so copy gets past its checks.
    await (await createRepository(join(dir, 'copy-target'), async () => PASSWORD, { kdf: fastKdf })).close();
    process.env.STRONGBOX_REPOSITORY = join(dir, 'repo');
    process.env.STRONGBOX_PASSWORD = PASSWORD;
    process.env.SB_FUZZ_PW = PASSWORD;
    delete process.env.STRONGBOX_CONFIG;
    await backupPaths(
      { location: join(dir, 'repo'), password: { env: 'SB_FUZZ_PW' } },
      { paths: [join(dir, 'data')] },
      newContext(),
    );
    process.chdir(dir);
  });

  afterAll(() => {
    process.chdir(cwd);
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends every run in a message and a known exit status, never an internal error', async () => {
    const all = cases();
    const failures: string[] = [];
    let n = 0;
    const time = new Map<string, number>();
    for (const c of all) {
      const err: string[] = [];
      const io: Io = { out: () => {}, err: (s) => err.push(s), isTTY: false };
      // Each restore gets a fresh target, so a run is not refused only because an earlier one filled it.
      const args = c.args.map((a) => (a === 'out' ? `out-${n++}` : a));
      const t0 = performance.now();
      const code = await runCli(args, io);
      const key = c.args[0]!.startsWith('-') ? `global ${c.args[0]}` : c.args[0]!;
      time.set(key, (time.get(key) ?? 0) + performance.now() - t0);
      const text = err.join('\n');
      if (/internal error/.test(text) || !EXIT_STATUSES.has(code))
        failures.push(
          `strongbox ${args.map((a) => JSON.stringify(a.slice(0, 60))).join(' ')} → ${code}: ${text.slice(0, 300)}`,
        );
    }
    console.log(`CLI fuzz: ${all.length} runs, ${failures.length} failures`);
    console.log(
      [...time]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([k, v]) => `${k}: ${(v / 1000).toFixed(1)} s`)
        .join('\n'),
    );
    expect(all.length).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
  }, 600_000);

  it('init refuses --pack-size-mib outside 1..128 or not a whole number (exit 2, nothing created); takes the bounds', async () => {
    const io: Io = { out: () => {}, err: () => {}, isTTY: false };
    for (const v of ['0', 'abc', '-1', '1.5', '129', '100000', '', '1e2', '0x10']) {
      const loc = join(dir, `ps-${Buffer.from(v).toString('hex') || 'empty'}`);
      const err: string[] = [];
      const code = await runCli(['-r', loc, 'init', '--pack-size-mib', v], { ...io, err: (s) => err.push(s) });
      expect(code, `--pack-size-mib ${JSON.stringify(v)}: ${err.join('')}`).toBe(2);
      expect(err.join('\n')).toMatch(/pack-size-mib|pack size/);
      expect(existsSync(join(loc, 'config'))).toBe(false);
    }
    for (const v of ['1', '128'])
      expect(await runCli(['-r', join(dir, `ps-ok-${v}`), 'init', '--pack-size-mib', v], io)).toBe(0);
  });
});
