// The git section of `npm run bench` (issue 11): 30 daily backups of a webroot with ~1% churn a day into a git:
// repository (a local bare repository) and into a local directory, then forget --keep-daily 7 --prune on both and
// `git gc --prune=now` on the bare repository; the remote's size against the local repository's (target ≤ 1.2×).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateWebroot, mutateWebroot } from './generate-webroot.js';
import { diskBytes, run } from './tools.js';

export const GIT_SIZE_TARGET = 1.2;

export interface GitSizeContext {
  work: string;
  strongbox: string[];
  password: string;
  sizeMb: number;
  days: number;
  seed: string;
  log(line: string): void;
}

export interface GitSizeResult {
  days: number;
  sizeMb: number;
  /** du -sb of the local repository and of the bare git repository, after the prune (and, for git, gc). */
  localBytes: number;
  gitBytes: number;
  gitBytesBeforeGc: number;
  cacheBytes: number;
  ratio: number;
  met: boolean;
  /** Seconds all backups took, per store. */
  localBackupSeconds: number;
  gitBackupSeconds: number;
  commitsAfterPrune: number;
}

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T03:00:00Z');

export async function gitSizeSection(ctx: GitSizeContext): Promise<GitSizeResult> {
  const dir = join(ctx.work, 'git-size');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const site = join(dir, 'webroot');
  const bare = join(dir, 'remote.git');
  const stores = { local: join(dir, 'local-repo'), git: `git:${bare}` };
  const env = { STRONGBOX_PASSWORD: ctx.password, XDG_CACHE_HOME: join(dir, 'cache') };
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const sb = (repo: string, args: string[], name: string) =>
    run({ argv: [...ctx.strongbox, '-r', repo, ...args], env }, join(logs, name));
  generateWebroot(site, { seed: ctx.seed, sizeMb: ctx.sizeMb });
  execFileSync('git', ['init', '--quiet', '--bare', bare]);
  for (const [name, repo] of Object.entries(stores)) await sb(repo, ['-q', 'init'], `${name}-init`);
  const seconds = { local: 0, git: 0 };
  for (let day = 1; day <= ctx.days; day++) {
    if (day > 1) mutateWebroot(site, { seed: ctx.seed, generation: day });
    const time = new Date(START + day * DAY).toISOString();
    for (const [name, repo] of Object.entries(stores) as [keyof typeof stores, string][]) {
      const t = performance.now();
      await sb(repo, ['-q', 'backup', '--time', time, site], `${name}-backup`);
      seconds[name] += (performance.now() - t) / 1000;
    }
    if (day % 10 === 0)
      ctx.log(`  day ${day}: local ${seconds.local.toFixed(0)} s, git ${seconds.git.toFixed(0)} s of backups so far`);
  }
  for (const [name, repo] of Object.entries(stores))
    await sb(repo, ['-q', 'forget', '--keep-daily', '7', '--prune'], `${name}-prune`);
  const gitBytesBeforeGc = diskBytes(bare);
  execFileSync('git', ['--git-dir', bare, 'gc', '--quiet', '--prune=now']);
  const localBytes = diskBytes(stores.local);
  const gitBytes = diskBytes(bare);
  const commits = execFileSync('git', ['--git-dir', bare, 'rev-list', '--count', 'main'], { encoding: 'utf8' }).trim();
  const ratio = gitBytes / localBytes;
  const result: GitSizeResult = {
    days: ctx.days,
    sizeMb: ctx.sizeMb,
    localBytes,
    gitBytes,
    gitBytesBeforeGc,
    cacheBytes: diskBytes(join(dir, 'cache')),
    ratio,
    met: ratio <= GIT_SIZE_TARGET,
    localBackupSeconds: seconds.local,
    gitBackupSeconds: seconds.git,
    commitsAfterPrune: Number(commits),
  };
  return result;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export function gitSizeMarkdown(r: GitSizeResult): string {
  return (
    [
      '| measure | local directory | git (bare repository) | ratio | target |',
      '|---|---|---|---|---|',
      `| size after ${r.days} daily backups, forget --keep-daily 7 --prune, git gc --prune=now | ${mib(r.localBytes)} | ${mib(r.gitBytes)} ` +
        `| ${r.ratio.toFixed(2)}× | ≤ ${GIT_SIZE_TARGET}× ${r.met ? '✓' : '✗'} |`,
      `| git size before its gc | | ${mib(r.gitBytesBeforeGc)} | ${(r.gitBytesBeforeGc / r.localBytes).toFixed(2)}× | |`,
      `| time of all ${r.days} backups | ${r.localBackupSeconds.toFixed(0)} s | ${r.gitBackupSeconds.toFixed(0)} s ` +
        `| ${(r.gitBackupSeconds / r.localBackupSeconds).toFixed(2)}× | |`,
      `| the cache repository (this host) | | ${mib(r.cacheBytes)} | | |`,
      `| commits on the branch after prune | | ${r.commitsAfterPrune} | | |`,
    ].join('\n') + '\n'
  );
}
