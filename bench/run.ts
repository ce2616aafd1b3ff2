// Entry point of `npm run bench`: generates the webroot, times strongbox against restic and tar+zstd, checks the
// targets, verifies strongbox's restore byte for byte, and writes bench/.work/results.{json,md}. Settings: see README.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { restic, strongbox, tarZstd, type Contender } from './contenders.js';
import { cancelMarkdown, cancelSection, STOP_TARGET_MS, UNDER_WAY_BYTES } from './cancel.js';
import { databaseSection, dbMarkdown } from './database.js';
import { floorSection } from './floor.js';
import { DEFAULT_SEED, generateWebroot } from './generate-webroot.js';
import { gitSizeMarkdown, gitSizeSection } from './git-size.js';
import { measure } from './measure.js';
import { remoteSection } from './remote.js';
import { buildRows, toMarkdown, type Row } from './report.js';
import { ensureTools, versionOf } from './tools.js';
import { hashTree, type TreeHash } from './tree-hash.js';
import { indexMarkdown, indexScale } from './index-scale.js';
import { SCALE_LIMIT_MIB, scaleSection } from './scale.js';

const env = process.env;
const config = {
  sizeMb: Number(env.BENCH_SIZE_MB ?? 400),
  runs: Number(env.BENCH_RUNS ?? 3),
  seed: env.BENCH_SEED ?? DEFAULT_SEED,
  onlyPeers: env.BENCH_ONLY_PEERS === '1',
  strongboxBin: env.STRONGBOX_BIN?.trim().split(/\s+/),
  skipBuild: env.BENCH_SKIP_BUILD === '1',
  strict: env.BENCH_STRICT === '1',
  keep: env.BENCH_KEEP === '1',
  // `npm run bench -- --scale`: the scale sections alone (unless BENCH_SECTIONS says otherwise).
  sections: (
    env.BENCH_SECTIONS ?? (process.argv.includes('--scale') ? 'scale,index' : 'files,floor,db,cancel,remote')
  ).split(','),
  scaleFiles: Number(env.BENCH_SCALE_FILES ?? 1_000_000),
  scaleLargeGib: Number(env.BENCH_SCALE_LARGE_GB ?? 4),
  indexBlobs: Number(env.BENCH_INDEX_BLOBS ?? 10_000_000),
  remoteMb: Number(env.BENCH_REMOTE_MB ?? env.BENCH_SIZE_MB ?? 400),
  dbSizeMb: Number(env.BENCH_DB_MB ?? 650),
  cancelGib: Number(env.BENCH_CANCEL_GB ?? 2),
  gitSizeMb: Number(env.BENCH_GIT_MB ?? 100),
  gitDays: Number(env.BENCH_GIT_DAYS ?? 30),
};
const password = env.BENCH_PASSWORD ?? 'strongbox-bench-password';
const warnings: string[] = [];
const log = (line: string): void => console.log(line);
const warn = (line: string): void => {
  warnings.push(line);
  console.log(`WARNING: ${line}`);
};
const secondsSince = (t: number): number => (performance.now() - t) / 1000;

/** The strongbox checkout: the nearest ancestor of this file with a package.json (works from bench/ and its build). */
function projectRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error('cannot find the project root (no package.json above bench/)');
}

/** STRONGBOX_BIN if set; otherwise builds the CLI (unless BENCH_SKIP_BUILD=1) and runs dist/cli/main.js. */
function strongboxCommand(root: string): string[] {
  if (config.strongboxBin) return config.strongboxBin;
  if (!config.skipBuild) {
    log('building strongbox: npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const main = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist; build strongbox first, or set BENCH_ONLY_PEERS=1`);
  // Run as the installed command runs: through its first line, which starts node with the flags it needs.
  return [main];
}

/** Generates the webroot afresh, then reads it all once: its reference hash, and a warm page cache for every tool. */
function prepareSource(work: string, source: string): { dirs: number; hash: TreeHash; warmupSeconds: number } {
  const stale = ['webroot', 'repos', 'restore', 'restic-cache', 'logs', 'results.json', 'results.md'];
  for (const d of stale) rmSync(join(work, d), { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  let t = performance.now();
  const plan = generateWebroot(source, { seed: config.seed, sizeMb: config.sizeMb });
  log(
    `generated ${source}: ${plan.files.length} files, ${plan.dirs.length} dirs, ${config.sizeMb} MiB` +
      ` in ${secondsSince(t).toFixed(1)} s`,
  );
  t = performance.now();
  const hash = hashTree(source);
  const warmupSeconds = secondsSince(t);
  log(
    `warm-up read of the whole tree (also its reference hash) in ${warmupSeconds.toFixed(1)} s: page cache is warm` +
      ' for every tool; caches are NOT dropped between runs, so these are warm-cache figures',
  );
  return { dirs: plan.dirs.length, hash, warmupSeconds };
}

function describeSetup(root: string, loadStart: number) {
  return {
    versions: {
      node: process.version,
      restic: versionOf(['restic', 'version']),
      zstd: versionOf(['zstd', '--version']),
      tar: versionOf(['tar', '--version']),
      strongbox: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string,
    },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadAverage: { start: loadStart, end: loadavg()[0] },
    },
  };
}

/** Fails early when `work` cannot hold the webroot plus one repo and one restore per tool and run. */
function checkFreeSpace(work: string, tools: number): void {
  const needed = config.sizeMb * 2 ** 20 * (1 + 2 * tools * config.runs) * 1.1;
  const fs = statfsSync(work);
  const free = fs.bavail * fs.bsize;
  if (free < needed) {
    throw new Error(
      `${work} has ${(free / 2 ** 30).toFixed(1)} GiB free, the benchmark needs about ` +
        `${(needed / 2 ** 30).toFixed(1)} GiB; free some space, or lower BENCH_SIZE_MB or BENCH_RUNS`,
    );
  }
}

async function main(): Promise<void> {
  const root = projectRoot();
  const work = env.BENCH_WORK ?? join(root, 'bench', '.work');
  mkdirSync(work, { recursive: true });
  const loadStart = loadavg()[0];
  if (loadStart > cpus().length / 2) {
    warn(
      `load average was ${loadStart.toFixed(1)} on ${cpus().length} CPUs at the start: other work is running, timings are noisy`,
    );
  }
  let md = '# strongbox benchmark\n';
  const json: Record<string, unknown> = { date: new Date().toISOString(), config };
  const command = config.onlyPeers ? null : strongboxCommand(root);
  let filesRows: Row[] | undefined;
  if (config.sections.includes('files')) {
    const files = await filesSection(root, work, command);
    md += files.md;
    Object.assign(json, files.json);
    filesRows = files.rows;
  }
  if (config.sections.includes('floor')) {
    log(
      `\nfloor section: each step of strongbox's pipeline on one core, in memory, over the ${config.sizeMb} MiB webroot`,
    );
    const floor = await floorSection({
      work,
      sizeMb: config.sizeMb,
      seed: config.seed,
      keep: config.keep,
      filesRows,
      log,
    });
    md += `\n## CPU floor\n\n${floor.md}`;
    json.floor = floor.json;
    log(`\n${floor.md}`);
  }
  if (config.sections.includes('db')) {
    if (!command) throw new Error('the database section needs strongbox (unset BENCH_ONLY_PEERS)');
    log(`\ndatabase section: PostgreSQL, ~${config.dbSizeMb} MB of plain dump, ${config.runs} runs`);
    const db = await databaseSection({
      work,
      strongbox: command,
      password,
      runs: config.runs,
      sizeMb: config.dbSizeMb,
      log,
    });
    const table = dbMarkdown(db.rows);
    const context = `PostgreSQL database of ${(db.plainBytes / 1e6).toFixed(0)} MB plain dump (${versionOf(['pg_dump', '--version'])}), ${config.runs} runs, medians; ${cpus().length} CPUs`;
    md += `\n## Database\n\n${context}\n\n${table}`;
    json.database = db;
    log(`\n${context}\n\n${table}`);
    if (config.strict && db.rows.some((r) => r.met === false)) warn('BENCH_STRICT=1: database targets missed');
  }
  if (config.sections.includes('cancel')) {
    if (!command) throw new Error('the cancel section needs strongbox (unset BENCH_ONLY_PEERS)');
    log(
      `\ncancel section: SIGINT and SIGTERM to a backup of a ${config.cancelGib} GiB tree and of the PostgreSQL` +
        ' database',
    );
    const cancel = await cancelSection({
      work,
      strongbox: command,
      password,
      treeGib: config.cancelGib,
      dbSizeMb: config.dbSizeMb,
      log,
    });
    const table = cancelMarkdown(cancel.rows);
    const context =
      `Each backup signalled at its first progress event with ≥ ${UNDER_WAY_BYTES / 2 ** 20} MiB done;` +
      ` target: stopped within ${STOP_TARGET_MS} ms of the signal, exit 130, no snapshot, \`check\` exits 0, the after` +
      ' hook told `failure`, no temp file, lock or child' +
      ` process left; ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)}`;
    md += `\n## Cancellation\n\n${context}\n\n${table}`;
    json.cancel = cancel;
    log(`\n${context}\n\n${table}`);
    if (config.strict && cancel.rows.some((r) => !r.met)) warn('BENCH_STRICT=1: cancellation targets missed');
  }
  if (config.sections.includes('remote')) {
    if (!command) throw new Error('the remote section needs strongbox (unset BENCH_ONLY_PEERS)');
    ensureTools(log);
    log(
      `\nremote section: ${config.remoteMb} MiB webroot to SFTP and S3 servers on loopback, strongbox and restic, ${config.runs} runs`,
    );
    const remote = await remoteSection({
      work,
      strongbox: command,
      password,
      runs: config.runs,
      sizeMb: config.remoteMb,
      seed: config.seed,
      log,
      warn,
    });
    const context =
      `webroot ${config.remoteMb} MiB (seed ${config.seed}), ${config.runs} runs, medians; an OpenSSH sshd and s3rver (HTTPS)` +
      ` on loopback, on the same ${cpus().length} CPUs: protocol and client overhead, not a network's; ${versionOf(['restic', 'version'])}`;
    md += `\n## Remote stores\n\n${context}\n\n${remote.md}`;
    json.remote = { rows: remote.rows, results: remote.results };
    log(`\n${context}\n\n${remote.md}`);
    if (config.strict && remote.rows.some((r) => r.met === false)) warn('BENCH_STRICT=1: remote targets missed');
  }
  if (config.sections.includes('git')) {
    if (!command) throw new Error('the git section needs strongbox (unset BENCH_ONLY_PEERS)');
    log(
      `\ngit section: ${config.gitDays} daily backups of a ${config.gitSizeMb} MiB webroot with ~1% churn, into git: and a local directory`,
    );
    const git = await gitSizeSection({
      work,
      strongbox: command,
      password,
      sizeMb: config.gitSizeMb,
      days: config.gitDays,
      seed: config.seed,
      log,
    });
    const table = gitSizeMarkdown(git);
    const context =
      `webroot ${config.gitSizeMb} MiB (seed ${config.seed}), ${config.gitDays} daily backups (mutate-webroot: ~1% of files` +
      ` edited, a fifth as many added, a tenth removed each day), then forget --keep-daily 7 --prune; ${versionOf(['git', '--version'])};` +
      ` ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)}`;
    md += `\n## git repository size\n\n${context}\n\n${table}`;
    json.git = git;
    log(`\n${context}\n\n${table}`);
    if (!config.keep) rmSync(join(work, 'git-size'), { recursive: true, force: true });
    if (config.strict && !git.met) warn('BENCH_STRICT=1: git size target missed');
  }
  if (config.sections.includes('scale')) {
    if (!command) throw new Error('the scale section needs strongbox (unset BENCH_ONLY_PEERS)');
    const withRestic = versionOf(['restic', 'version']) !== '?';
    log(
      `\nscale section: ${config.scaleFiles} files and one ${config.scaleLargeGib} GiB file, strongbox` +
        (withRestic ? ' and restic' : ' (restic is not installed)'),
    );
    const scale = await scaleSection({
      work,
      strongbox: command,
      password,
      files: config.scaleFiles,
      largeGib: config.scaleLargeGib,
      withRestic,
      log,
    });
    const context =
      `${config.scaleFiles} files of 0-4 KiB in ${Math.round(config.scaleFiles / 1000)} directories, and one` +
      ` ${config.scaleLargeGib} GiB file of incompressible bytes; one run each, warm page cache; forget --keep-last 1` +
      ` --prune after the two backups; ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)};` +
      ` ${versionOf(['restic', 'version'])}`;
    md += `\n## Scale\n\n${context}\n\n${scale.md}`;
    json.scale = scale.rows;
    log(`\n${context}\n\n${scale.md}`);
    if (scale.rows.some((r) => r.tool === 'strongbox' && r.peakRssMiB >= SCALE_LIMIT_MIB))
      warn(`scale: a strongbox step peaked at ${SCALE_LIMIT_MIB} MiB or more`);
  }
  if (config.sections.includes('index')) {
    log(`\nindex section: a synthetic index of ${config.indexBlobs} blobs, loaded in a fresh process`);
    const idx = await indexScale(work, config.indexBlobs, log);
    const table = indexMarkdown(idx);
    md += `\n## Index at scale\n\nTarget: at most 64 bytes a blob in memory.\n\n${table}\n`;
    json.index = idx;
    log(`\n${table}`);
    if (idx.bytesPerBlob > 64) warn(`index: ${idx.bytesPerBlob.toFixed(1)} bytes a blob, over 64`);
  }
  md += warnings.map((w) => `\nWARNING: ${w}`).join('') + '\n';
  json.warnings = warnings;
  writeFileSync(join(work, 'results.md'), md);
  writeFileSync(join(work, 'results.json'), JSON.stringify(json, null, 2) + '\n');
  log(`wrote ${join(work, 'results.md')} and results.json`);
  if (config.strict && warnings.some((w) => w.startsWith('BENCH_STRICT')))
    throw new Error('BENCH_STRICT=1 and some targets were not met');
}

/** The file-tree section: the generated webroot, strongbox against restic and tar+zstd. */
async function filesSection(
  root: string,
  work: string,
  command: string[] | null,
): Promise<{ md: string; json: Record<string, unknown>; rows: Row[] }> {
  const source = join(work, 'webroot');
  ensureTools(log);
  const contenders: Contender[] = [restic(password, join(work, 'restic-cache')), tarZstd()];
  if (command) contenders.unshift(strongbox(command, password));
  log(`comparing ${contenders.map((c) => c.name).join(', ')}; ${config.runs} runs each, median reported`);
  const prepared = prepareSource(work, source);
  checkFreeSpace(work, contenders.length);
  const loadStart = loadavg()[0];
  const results = await measure(contenders, { work, source, sourceHash: prepared.hash, runs: config.runs, log, warn });
  const rows = buildRows(results);
  const setup = describeSetup(root, loadStart);
  const context =
    `webroot ${config.sizeMb} MiB (${prepared.hash.files} files, seed ${config.seed}), ${config.runs} runs,` +
    ` medians, warm page cache; ${setup.machine.cpus} CPUs; ${setup.versions.restic}`;
  const table = toMarkdown(rows);
  log(`\n${context}\n\n${table}`);
  // The floor section measures this same webroot, and removes it when it is done.
  const floorNext = config.sections.includes('floor');
  if (!config.keep)
    for (const d of [...(floorNext ? [] : ['webroot']), 'repos', 'restore', 'restic-cache'])
      rmSync(join(work, d), { recursive: true, force: true });
  if (config.strict && rows.some((r) => r.met === false)) warn('BENCH_STRICT=1: file targets missed');
  return {
    rows,
    md: `\n## File trees\n\n${context}\n\n${table}`,
    json: {
      ...setup,
      source: {
        files: prepared.hash.files,
        bytes: prepared.hash.bytes,
        dirs: prepared.dirs,
        digest: prepared.hash.digest,
      },
      warmupSeconds: prepared.warmupSeconds,
      results,
      rows,
    },
  };
}

main().catch((e: Error) => {
  console.error(`\nbench failed: ${e.message}`);
  process.exitCode = 1;
});
