// The package as a user installs it: `npm pack` on a copy of the checkout (prepack builds it), then
// `npm install -g` of the tarball into a private prefix, then the installed `strongbox` command and library.
// It needs the npm registry for the dependencies, and a C++ toolchain when zstd-napi has no prebuilt binary.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, ROOT, type RunResult, tempDir } from './helpers.js';

const exec = promisify(execFile);
const VERSION = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The environment without the npm_* variables an outer `npm test` sets, so the inner npm reads its own config. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return { ...env, ...extra };
}

async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const r = await exec('npm', args, { cwd, env: cleanEnv(), maxBuffer: 64 << 20 });
    return r.stdout;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed: ${err.message}\nstdout: ${err.stdout}\nstderr: ${err.stderr}`);
  }
}

/** Copy what a fresh clone holds (tracked and new, not ignored files) from the checkout to `dest`. */
async function copyCheckout(dest: string): Promise<void> {
  const { stdout } = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
  });
  for (const rel of stdout.split('\0').filter(Boolean)) {
    const from = join(ROOT, rel);
    if (!existsSync(from) && !isSymlink(from)) continue; // deleted in the worktree, not yet committed
    const to = join(dest, rel);
    mkdirSync(dirname(to), { recursive: true });
    if (isSymlink(from)) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
  }
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Run an installed program directly (its shebang and mode decide whether it starts). */
function run(cmd: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, {
      cwd,
      env: cleanEnv({ STRONGBOX_PASSWORD: PASSWORD }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
}

async function runOk(cmd: string, args: string[], cwd: string): Promise<RunResult> {
  const r = await run(cmd, args, cwd);
  if (r.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

describe('npm pack + npm install -g', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let tarball: string;
  let prefix: string;
  let bin: string;

  beforeAll(async () => {
    tmp = await tempDir('sb-package-');
    const clone = join(tmp.path, 'clone');
    await mkdir(clone);
    await copyCheckout(clone);
    // The build needs the dev dependencies (typescript); a fresh clone would have them from `npm ci`.
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    const out = join(tmp.path, 'out');
    await mkdir(out);
    await npm(['pack', '--pack-destination', out], clone);
    tarball = join(out, `strongbox-${VERSION}.tgz`);
    prefix = join(tmp.path, 'global');
    // --allow-scripts approves the install scripts of zstd-napi and of strongbox itself (their native builds: zstd,
    // and the nanosecond-mtime addon in native/utimens), as the README tells users to.
    await npm(['install', '-g', '--prefix', prefix, '--allow-scripts=zstd-napi,strongbox', tarball], tmp.path);
    bin = join(prefix, 'bin', 'strongbox');
    // npm 11.19 still runs unapproved install scripts too: ssh2's optional crypto binding and cpu-features build with
    // node-gyp, which on a loaded two-core machine takes the install past five minutes.
  }, 600_000);
  afterAll(async () => tmp?.cleanup());

  it('packs the built program, its types and the schema, and no sources or tests', async () => {
    const { stdout } = await exec('tar', ['-tzvf', tarball], { maxBuffer: 64 << 20 });
    const lines = stdout.split('\n').filter(Boolean);
    const names = lines.map((l) => l.split(/\s+/).pop()!);
    for (const f of [
      'dist/cli/main.js',
      'dist/index.js',
      'dist/index.d.ts',
      'schema/strongbox.schema.json',
      'README.md',
      'package.json',
      'native/utimens/binding.gyp',
      'native/utimens/utimens.c',
    ]) {
      expect(names).toContain(`package/${f}`);
    }
    expect(
      names.filter((n) => /^package\/(src|test|bench|scripts|examples|dist\/demo)\//.test(n) || n.endsWith('.map')),
    ).toEqual([]);
    const main = lines.find((l) => l.endsWith('package/dist/cli/main.js'))!;
    expect(main.slice(0, 10)).toMatch(/^-rwx/);
  });

  it('installs an executable strongbox command that reports the package version', async () => {
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const r = await runOk(bin, ['--version'], tmp.path);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('the installed command backs up, lists and restores a directory (zstd-napi and native/utimens built and loaded)', async () => {
    const repo = join(tmp.path, 'repo');
    const data = join(tmp.path, 'data');
    await mkdir(data);
    // Compressible text, so the backup goes through zstd and so needs the native binding.
    const text = Array.from({ length: 4000 }, (_, i) => `line ${i} of a compressible file\n`).join('');
    await writeFile(join(data, 'notes.txt'), text);
    execFileSync('touch', ['-m', '-d', '@1700000000.123456789', join(data, 'notes.txt')]);
    await runOk(bin, ['-r', repo, 'init'], tmp.path);
    await runOk(bin, ['-r', repo, 'backup', data], tmp.path);
    const snaps = JSON.parse((await runOk(bin, ['-r', repo, '--json', 'snapshots'], tmp.path)).stdout) as unknown[];
    expect(snaps).toHaveLength(1);
    const stats = JSON.parse((await runOk(bin, ['-r', repo, '--json', 'stats'], tmp.path)).stdout) as Record<
      string,
      number
    >;
    expect(stats.storedBytes).toBeLessThan(text.length / 4);
    const target = join(tmp.path, 'restored');
    await runOk(bin, ['-r', repo, 'restore', 'latest', '--target', target, '--verify'], tmp.path);
    expect(await readFile(join(target, data, 'notes.txt'), 'utf8')).toBe(text);
    // To the nanosecond: only the installed package's own addon can set that.
    expect(statSync(join(target, data, 'notes.txt'), { bigint: true }).mtimeNs).toBe(1_700_000_000_123_456_789n);
  });

  it('the installed package is importable as a library, with its types where exports say', async () => {
    const pkgDir = join(prefix, 'lib', 'node_modules', 'strongbox');
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as {
      exports: { '.': { types: string } };
    };
    expect(existsSync(join(pkgDir, pkg.exports['.'].types))).toBe(true);
    // A module beside node_modules resolves 'strongbox' through the package's exports, as a dependent would.
    const probe = join(prefix, 'lib', 'probe.mjs');
    await writeFile(
      probe,
      [
        "import { VERSION, initRepository, listSnapshots, newContext, loadConfig, StrongboxError } from 'strongbox';",
        "process.env.SB_PROBE_PW = 'pw';",
        "const spec = { location: 'memory:probe', password: { env: 'SB_PROBE_PW' } };",
        'await initRepository(spec, newContext());',
        'const { snapshots } = await listSnapshots(spec, {}, newContext());',
        'console.log(JSON.stringify({ VERSION, snapshots: snapshots.length, loadConfig: typeof loadConfig, error: typeof StrongboxError }));',
      ].join('\n'),
    );
    const r = await runOk(process.execPath, [probe], tmp.path);
    expect(JSON.parse(r.stdout)).toEqual({ VERSION, snapshots: 0, loadConfig: 'function', error: 'function' });
  });
});
