// The remote section of `npm run bench`: the same webroot backed up and restored by strongbox and restic over SFTP
// (a private sshd on loopback) and S3 (s3rver on loopback, over HTTPS: restic's client streams aws-chunked uploads
// over plain HTTP, which s3rver cannot decode), and by strongbox to local disk. Targets (issue 10): strongbox ≤ 0.6×
// restic on each store and phase; a remote backup within 1.3× of the same backup to local disk. Loopback servers on
// the same two cores: these figures show protocol and client overhead, not a network's latency or bandwidth.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startS3rver, type S3Server } from '../test/support/s3-server.js';
import { startSshd, type SshServer } from '../test/support/sshd.js';
import type { Contender } from './contenders.js';
import { generateWebroot } from './generate-webroot.js';
import { measure, type Results } from './measure.js';
import { hashTree } from './tree-hash.js';

export interface RemoteContext {
  work: string;
  strongbox: string[];
  password: string;
  runs: number;
  sizeMb: number;
  seed: string;
  log(line: string): void;
  warn(line: string): void;
}

export interface RemoteRow {
  measure: string;
  ours: string;
  versus: string;
  oursSeconds?: number;
  theirsSeconds?: number;
  ratio?: number;
  max: number;
  met?: boolean;
}

const STORES = ['sftp', 's3'] as const;

/** A bucket name from a repository directory's name (lowercase letters, digits and hyphens). */
const bucketOf = (repo: string): string =>
  `bench-${repo
    .split('/')
    .pop()!
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63);

function strongboxAt(
  name: string,
  bin: string[],
  password: string,
  location: (repo: string) => string,
  env: Record<string, string>,
): Contender {
  const cmd = (repo: string, ...args: string[]) => ({
    argv: [...bin, '-r', location(repo), ...args],
    env: { STRONGBOX_PASSWORD: password, ...env },
  });
  return {
    name,
    init: (repo) => cmd(repo, 'init'),
    backup: (repo, source) => cmd(repo, 'backup', source),
    restore: (repo, target) => cmd(repo, 'restore', 'latest', '--target', target),
    snapshotsJson: (repo) => cmd(repo, 'snapshots', '--json'),
  };
}

function resticAt(
  name: string,
  password: string,
  cacheDir: string,
  location: (repo: string) => string,
  extra: string[],
  env: Record<string, string>,
): Contender {
  const cmd = (repo: string, ...args: string[]) => ({
    argv: ['restic', ...extra, '-r', location(repo), ...args],
    env: { RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: cacheDir, ...env },
  });
  return {
    name,
    init: (repo) => cmd(repo, 'init', '--repository-version', '2'),
    backup: (repo, source) => cmd(repo, 'backup', source),
    restore: (repo, target) => cmd(repo, 'restore', 'latest', '--target', target),
    snapshotsJson: (repo) => cmd(repo, 'snapshots', '--json'),
  };
}

export function contendersFor(ctx: RemoteContext, sshd: SshServer, s3: S3Server, cacheDir: string): Contender[] {
  const s3Location = (scheme: string) => (repo: string) =>
    `s3:${s3.endpoint}/${bucketOf(repo)}`.replace(/^s3:/, scheme);
  const ssh = [
    'ssh',
    '-p',
    String(sshd.port),
    '-i',
    sshd.identity,
    '-o',
    `UserKnownHostsFile=${sshd.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    `${sshd.user}@127.0.0.1`,
    '-s',
    'sftp',
  ].join(' ');
  const s3Env = { ...s3.env };
  return [
    strongboxAt('strongbox local', ctx.strongbox, ctx.password, (repo) => repo, {}),
    strongboxAt(
      'strongbox sftp',
      ctx.strongbox,
      ctx.password,
      (repo) => sshd.location(repo),
      sshd.env() as Record<string, string>,
    ),
    resticAt(
      'restic sftp',
      ctx.password,
      cacheDir,
      (repo) => `sftp:127.0.0.1:${repo}`,
      ['-o', `sftp.command=${ssh}`],
      {},
    ),
    strongboxAt('strongbox s3', ctx.strongbox, ctx.password, s3Location('s3:'), s3Env),
    resticAt('restic s3', ctx.password, cacheDir, s3Location('s3:'), ['--cacert', s3.caFile!], s3Env),
  ];
}

/** The rows: strongbox against restic per store and phase, and each remote backup against the local one. */
export function remoteRows(results: Results): RemoteRow[] {
  const rows: RemoteRow[] = [];
  const phases = [
    ['full backup', 'full'],
    ['no-change backup', 'noChange'],
    ['restore', 'restore'],
  ] as const;
  const row = (measure: string, ours: string, versus: string, key: (typeof phases)[number][1], max: number) => {
    const a = results[ours]?.[key]?.seconds;
    const b = results[versus]?.[key]?.seconds;
    const ratio = a !== undefined && b ? a / b : undefined;
    rows.push({
      measure,
      ours,
      versus,
      oursSeconds: a,
      theirsSeconds: b,
      ratio,
      max,
      met: ratio === undefined ? undefined : ratio <= max,
    });
  };
  for (const store of STORES)
    for (const [label, key] of phases) row(`${label} (s), ${store}`, `strongbox ${store}`, `restic ${store}`, key, 0.6);
  for (const store of STORES)
    for (const [label, key] of phases.slice(0, 2))
      row(`${label} (s), ${store} vs local disk`, `strongbox ${store}`, 'strongbox local', key, 1.3);
  return rows;
}

export function remoteMarkdown(rows: RemoteRow[]): string {
  const n = (v?: number) => (v === undefined ? '—' : v.toFixed(v < 10 ? 2 : 1));
  return (
    [
      '| measure | strongbox | versus | their time | ratio | target | met? |',
      '|---|---:|---|---:|---:|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.measure} | ${n(r.oursSeconds)} | ${r.versus} | ${n(r.theirsSeconds)} | ${r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`} | ≤ ${r.max}× | ${r.met === undefined ? 'n/a' : r.met ? 'yes' : '**no**'} |`,
      ),
    ].join('\n') + '\n'
  );
}

export async function remoteSection(ctx: RemoteContext): Promise<{ rows: RemoteRow[]; results: Results; md: string }> {
  const work = join(ctx.work, 'remote');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const source = join(work, 'webroot');
  const plan = generateWebroot(source, { seed: ctx.seed, sizeMb: ctx.sizeMb });
  const sourceHash = hashTree(source);
  ctx.log(`generated ${source}: ${plan.files.length} files, ${ctx.sizeMb} MiB`);
  const sshd = await startSshd();
  const s3 = await startS3rver({ tls: true });
  try {
    const contenders = contendersFor(ctx, sshd, s3, join(work, 'restic-cache'));
    ctx.log(`comparing ${contenders.map((c) => c.name).join(', ')}; ${ctx.runs} runs each, median reported`);
    const results = await measure(contenders, {
      work,
      source,
      sourceHash,
      runs: ctx.runs,
      log: ctx.log,
      warn: ctx.warn,
    });
    const rows = remoteRows(results);
    const md = remoteMarkdown(rows);
    return { rows, results, md };
  } finally {
    await s3.stop();
    await sshd.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
