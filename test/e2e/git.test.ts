// The whole CLI on a git: repository (a local bare repository, cache in a private XDG_CACHE_HOME): init refuses a
// pack size the provider limit cannot take, backup, byte-exact restore, check --read-data, forget --prune leaves a
// remote whose branch is one root commit, a backup killed with SIGKILL mid-push (with its git children) leaves a
// repository that checks clean and takes the next backup, SIGINT mid-push leaves no lock, a forget --prune killed
// mid-push leaves a clean repository and the next prune one root commit, a lock file a killed git left on the
// branch is removed with a warning, two hosts (two caches) back up at once,
// and status warns as the repository nears warnSizeMiB. Then the same over ssh:// with the key and known_hosts
// from strongbox.yaml.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/util/treediff.js';
import { CLI, jsonOut, PASSWORD, ROOT, sb, sbOk, tempDir } from './helpers.js';
import { randomBytesFor, spawnSb } from './proc.js';
import { makeTree } from './tree-fixture.js';
import { commitsOf, gitIn, haveGit, pathsOf } from '../support/git-remote.js';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';

const MiB = 1024 * 1024;

/** The process IDs of git push commands whose parent is `pid` (every git command line holds "push.gpgSign"). */
function pushesOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-f', 'git .* push --porcelain'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe.skipIf(!haveGit())('a git: repository through the CLI', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let remote: string;
  let repo: string;
  let env: NodeJS.ProcessEnv;
  const r = (args: string[], want = 0) => sbOk(['-r', repo, ...args], want, { env });

  beforeAll(async () => {
    tmp = await tempDir('sb-git-e2e-');
    src = join(tmp.path, 'src');
    await mkdir(src);
    await makeTree(src, 20261202);
    remote = join(tmp.path, 'remote.git');
    execFileSync('git', ['init', '--quiet', '--bare', remote]);
    repo = `git:${remote}`;
    env = { XDG_CACHE_HOME: join(tmp.path, 'cache') };
  });
  afterAll(async () => tmp?.cleanup());

  it('refuses a pack size the provider limit cannot take, before writing anything', async () => {
    const res = await sb(['-r', repo, 'init', '--pack-size-mib', '50'], { env });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`pack size 50 MiB is too large for ${repo}#main`);
    expect(res.stderr).toContain('--pack-size-mib 49 or less');
    expect(commitsOf(remote)).toEqual([]);
  });

  it('initialises, backs up, and a second backup of an unchanged tree stores no file data', async () => {
    const init = JSON.parse((await r(['--json', 'init', '--pack-size-mib', '1'])).stdout);
    expect(init.location).toBe(`${repo}#main`);
    const first = jsonOut((await r(['--json', 'backup', src])).stdout);
    expect(first.summary.filesNew).toBe(first.summary.files);
    const second = jsonOut((await r(['--json', 'backup', src])).stdout);
    expect(second.parent).toBe(first.id);
    expect(second.summary.dataBlobs).toBe(0);
    // The branch holds the local layout.
    const paths = gitIn(remote, ['ls-tree', '-r', '--name-only', 'main']).split('\n');
    expect(paths).toContain('config');
    expect(paths.some((p) => /^data\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(p))).toBe(true);
    expect(paths.filter((p) => p.startsWith('snapshots/'))).toHaveLength(2);
  });

  it('restores byte-exact and passes check --read-data', async () => {
    const target = join(tmp.path, 'restore');
    await r(['restore', 'latest', '--target', target]);
    expect(await diffTrees(src, join(target, src))).toEqual([]);
    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
  });

  it('forgets and prunes: the remote branch becomes one root commit holding what remains, and checks clean', async () => {
    await writeFile(join(src, 'churn.bin'), randomBytesFor('git-e2e-churn', 3 * MiB));
    await r(['backup', src]);
    expect(commitsOf(remote).length).toBeGreaterThan(3);
    const res = jsonOut((await r(['--json', 'forget', '--keep-last', '1', '--prune'])).stdout);
    expect(res.prune.outcome).toBe('ok');
    expect(commitsOf(remote)).toHaveLength(1);
    expect(jsonOut((await r(['--json', 'snapshots'])).stdout)).toHaveLength(1);
    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
    const target = join(tmp.path, 'restore-after-prune');
    await r(['restore', 'latest', '--target', target]);
    expect(await diffTrees(src, join(target, src))).toEqual([]);
  });

  it('a backup killed with SIGKILL mid-push, with its git children, leaves a repository that checks clean and takes the next backup', async () => {
    const big = join(src, 'big');
    await mkdir(big);
    for (let i = 0; i < 12; i++) await writeFile(join(big, `blob-${i}.bin`), randomBytesFor(`git-e2e:${i}`, 2 * MiB));
    // Its own process group, so that the kill takes git push and git-receive-pack with it, as a crash would.
    const child = spawn(process.execPath, [CLI, '-r', repo, '-q', 'backup', src], {
      cwd: ROOT,
      env: { ...process.env, STRONGBOX_PASSWORD: PASSWORD, ...env },
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_c, s) => res(s)));
    let pushing = false;
    for (let i = 0; i < 20_000 && child.exitCode === null; i++) {
      if (pushesOf(child.pid!).length > 0) {
        pushing = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 2));
    }
    process.kill(-child.pid!, 'SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(pushing).toBe(true);

    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
    const after = jsonOut((await r(['--json', 'backup', src])).stdout);
    expect(after.incomplete).toBeNull();
    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
    const target = join(tmp.path, 'restore-after-kill');
    await r(['restore', after.id, '--target', target]);
    expect(await diffTrees(src, join(target, src))).toEqual([]);
    // The remote's own view of itself is sound (fsck throws otherwise).
    gitIn(remote, ['fsck', '--no-dangling', '--no-progress']);
  });

  it('a backup stopped with SIGINT mid-push exits 130 and leaves no lock on the remote, and a clean repository', async () => {
    await mkdir(join(src, 'more'), { recursive: true });
    for (let i = 0; i < 4; i++)
      await writeFile(join(src, 'more', `blob-${i}.bin`), randomBytesFor(`git-e2e:sigint:${i}`, 2 * MiB));
    const run = spawnSb(['-r', repo, '-q', 'backup', src], env);
    let pushing = false;
    for (let i = 0; i < 20_000 && run.child.exitCode === null; i++) {
      if (pushesOf(run.child.pid!).length > 0) {
        pushing = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 2));
    }
    run.child.kill('SIGINT');
    const res = await run.done;
    expect(pushing).toBe(true);
    expect(res.code, res.stderr).toBe(130);
    expect(pathsOf(remote).filter((p) => p.startsWith('locks/'))).toEqual([]);
    expect(jsonOut((await r(['--json', 'check'])).stdout).outcome).toBe('ok');
  });

  it('forget --prune killed with SIGKILL mid-push leaves a repository that checks clean; the next prune ends in one root commit', async () => {
    await r(['-q', 'backup', src]);
    await writeFile(join(src, 'churn.bin'), randomBytesFor('git-e2e-churn-2', 3 * MiB));
    await r(['-q', 'backup', src]);
    const child = spawn(process.execPath, [CLI, '-r', repo, '-q', 'forget', '--keep-last', '1', '--prune'], {
      cwd: ROOT,
      env: { ...process.env, STRONGBOX_PASSWORD: PASSWORD, ...env },
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_c, s) => res(s)));
    let pushing = false;
    for (let i = 0; i < 20_000 && child.exitCode === null; i++) {
      if (pushesOf(child.pid!).length > 0) {
        pushing = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 2));
    }
    process.kill(-child.pid!, 'SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(pushing).toBe(true);
    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
    const res = jsonOut((await r(['--json', 'forget', '--keep-last', '1', '--prune'])).stdout);
    expect(res.prune.outcome).toBe('ok');
    expect(commitsOf(remote)).toHaveLength(1);
    expect(jsonOut((await r(['--json', 'snapshots'])).stdout)).toHaveLength(1);
    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
  });

  it('a lock file a killed git left on the branch is removed with a warning, and the backup lands', async () => {
    const lockFile = join(remote, 'refs', 'heads', 'main.lock');
    await writeFile(lockFile, ''); // what a receive-pack killed while it updated the branch leaves
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(lockFile, old, old);
    await writeFile(join(src, 'after-lock.txt'), 'landed\n');
    const res = await r(['--json', 'backup', src]);
    const warnings = res.stdout
      .split('\n')
      .filter((l) => l.includes('"warning"'))
      .map((l) => JSON.parse(l) as { message: string });
    expect(
      warnings.map((w) => w.message),
      res.stdout,
    ).toEqual([expect.stringMatching(/^removed .*main\.lock from git:.*, 30\d s old/)]);
    expect(existsSync(lockFile)).toBe(false);
    expect(pathsOf(remote).some((p) => p.startsWith('snapshots/'))).toBe(true);
    expect(jsonOut((await r(['--json', 'check'])).stdout).outcome).toBe('ok');
  });

  it('two hosts (two caches) backing up at once both land: both snapshots listed, restorable, and check clean', async () => {
    const trees = await Promise.all(
      ['h1', 'h2'].map(async (h, i) => {
        const dir = join(tmp.path, `host-${h}`);
        await mkdir(dir);
        await makeTree(dir, 20261210 + i);
        return dir;
      }),
    );
    const hostEnv = (h: string) => ({ XDG_CACHE_HOME: join(tmp.path, `cache-${h}`) });
    const runs = await Promise.all(
      ['h1', 'h2'].map((h, i) => sbOk(['-r', repo, '--json', 'backup', '--host', h, trees[i]], 0, { env: hostEnv(h) })),
    );
    const ids = runs.map((res) => jsonOut(res.stdout).id as string);
    const listed = jsonOut((await r(['--json', 'snapshots'])).stdout) as { id: string }[];
    for (const id of ids) expect(listed.map((x) => x.id)).toContain(id);
    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
    for (const [i, id] of ids.entries()) {
      const target = join(tmp.path, `restore-host-${i}`);
      await sbOk(['-r', repo, 'restore', id, '--target', target], 0, { env: hostEnv(`h${2 - i}`) }); // by the other host
      expect(await diffTrees(trees[i], join(target, trees[i]))).toEqual([]);
    }
  });

  it('status warns as the repository nears the size the option warnSizeMiB names', async () => {
    const site = join(tmp.path, 'site');
    await mkdir(site);
    await writeFile(join(site, 'index.html'), '<h1>shop</h1>\n');
    const cfg = join(tmp.path, 'strongbox.yaml');
    const write = (warnSizeMiB: number) =>
      writeFile(
        cfg,
        JSON.stringify({
          repositories: { main: { location: repo, options: { warnSizeMiB } } },
          apps: [{ id: 'shop', repository: 'main', periodicities: ['daily'], files: [{ name: 'web', path: site }] }],
        }),
      );
    await write(1);
    await sbOk(['-c', cfg, '-q', 'backup', '--app', 'shop', '--periodicity', 'daily'], 0, { env });
    const warned = await sbOk(['-c', cfg, 'status'], 0, { env });
    expect(warned.stderr).toMatch(
      new RegExp(`warning: the repository at ${repo}#main holds \\d+ MiB and is over the 1 MiB`),
    );
    await write(100_000);
    const quiet = await sbOk(['-c', cfg, 'status'], 0, { env });
    expect(quiet.stderr).not.toMatch(/warnSizeMiB/);
    expect(await readdir(join(tmp.path, 'cache', 'strongbox', 'git'))).toHaveLength(1);
  });
});

describe.skipIf(!haveGit() || !haveSshd())(
  'a git: repository over ssh:// through the CLI, options from strongbox.yaml',
  () => {
    let sshd: SshServer;
    let tmp: Awaited<ReturnType<typeof tempDir>>;

    beforeAll(async () => {
      sshd = await startSshd();
      tmp = await tempDir('sb-git-ssh-e2e-');
    });
    afterAll(async () => {
      await sshd?.stop();
      await tmp?.cleanup();
    });

    it('initialises, backs up and restores byte-exact, the key and known_hosts taken from the repository options', async () => {
      const src = join(tmp.path, 'src');
      await mkdir(src);
      await makeTree(src, 20261203);
      const bare = join(sshd.dir, 'backups.git');
      execFileSync('git', ['init', '--quiet', '--bare', bare]);
      const cfg = join(tmp.path, 'strongbox.yaml');
      await writeFile(
        cfg,
        JSON.stringify({
          repositories: {
            main: {
              location: `git:ssh://${sshd.user}@127.0.0.1:${sshd.port}${bare}#backups`,
              options: { identityFile: sshd.identity, knownHostsFile: sshd.knownHosts, authorName: 'web-1 backups' },
            },
          },
        }),
      );
      const env = { XDG_CACHE_HOME: join(tmp.path, 'cache'), SSH_AUTH_SOCK: '', GIT_SSH_COMMAND: '' };
      const c = (args: string[]) => sbOk(['-c', cfg, ...args], 0, { env });
      await c(['-q', 'init']);
      const snap = jsonOut((await c(['--json', 'backup', src])).stdout);
      const target = join(tmp.path, 'restore');
      await c(['restore', snap.id, '--target', target]);
      expect(await diffTrees(src, join(target, src))).toEqual([]);
      expect(commitsOf(bare, 'backups').length).toBeGreaterThan(1);
      expect(gitIn(bare, ['log', '-1', '--format=%an', 'backups'])).toBe('web-1 backups');
    });
  },
);
