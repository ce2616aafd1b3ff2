// The whole CLI on an sftp: repository served by a private sshd: init, backup, a backup with nothing changed,
// byte-exact restore, check --read-data, forget --prune, a backup killed with SIGKILL, the config file's sftp
// block, and the errors a user meets (unknown or changed host key, refused login, unreachable or unknown host).
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/util/treediff.js';
import { jsonOut, sb, sbOk, tempDir } from './helpers.js';
import { randomBytesFor, spawnSb } from './proc.js';
import { makeTree } from './tree-fixture.js';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';

const MiB = 1024 * 1024;

describe.skipIf(!haveSshd())('an sftp: repository through the CLI', () => {
  let sshd: SshServer;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let repoDir: string;
  let repo: string;
  const r = (args: string[], want = 0, env: NodeJS.ProcessEnv = {}) =>
    sbOk(['-r', repo, ...args], want, { env: { ...sshd.env(), ...env } });

  beforeAll(async () => {
    sshd = await startSshd();
    tmp = await tempDir('sb-sftp-e2e-');
    src = join(tmp.path, 'src');
    await mkdir(src);
    await makeTree(src, 20261201);
    repoDir = join(sshd.dir, 'repo');
    repo = sshd.location(repoDir);
  });
  afterAll(async () => {
    await sshd?.stop();
    await tmp?.cleanup();
  });

  it('initialises, backs up, and a second backup of an unchanged tree stores nothing new', async () => {
    const init = JSON.parse((await r(['--json', 'init', '--pack-size-mib', '1'])).stdout);
    expect(init.location).toBe(repo);
    expect((await readdir(repoDir)).sort()).toEqual([
      'config',
      'data',
      'index',
      'keys',
      'locks',
      'quarantine',
      'snapshots',
    ]);
    const first = jsonOut((await r(['--json', 'backup', src])).stdout);
    expect(first.summary.filesNew).toBe(first.summary.files);
    const second = jsonOut((await r(['--json', 'backup', src])).stdout);
    expect(second.parent).toBe(first.id);
    expect(second.summary.filesUnmodified).toBe(second.summary.files);
    // No file data is stored again; only trees may be (the source's ancestors, like /tmp, change meanwhile).
    expect(second.summary.dataBlobs).toBe(0);
  });

  it('restores byte-exact and passes check --read-data', async () => {
    const target = join(tmp.path, 'restore');
    await r(['restore', 'latest', '--target', target]);
    expect(await diffTrees(src, join(target, src))).toEqual([]);
    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
  });

  it('forgets and prunes, and the repository still checks clean', async () => {
    const res = jsonOut((await r(['--json', 'forget', '--keep-last', '1', '--prune'])).stdout);
    expect(res.removed).toHaveLength(1);
    expect(res.prune.outcome).toBe('ok');
    expect(jsonOut((await r(['--json', 'snapshots'])).stdout)).toHaveLength(1);
    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
  });

  it('a backup killed with SIGKILL mid-upload leaves a repository the next backup and check accept; prune removes its temp files', async () => {
    const big = join(src, 'big');
    await mkdir(big);
    for (let i = 0; i < 12; i++) await writeFile(join(big, `blob-${i}.bin`), randomBytesFor(`sftp-e2e:${i}`, 2 * MiB));
    const before = new Set(await readdir(join(repoDir, 'data'), { recursive: true }));
    const run = spawnSb(['-r', repo, '-q', 'backup', src], sshd.env());
    // Kill once a few new packs (or their temp files) have reached the server.
    for (;;) {
      const now = (await readdir(join(repoDir, 'data'), { recursive: true })).filter(
        (n) => !before.has(n) && n.includes('/'),
      );
      if (now.length >= 4 || run.child.exitCode !== null) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');

    const after = jsonOut((await r(['--json', 'backup', src])).stdout);
    expect(after.incomplete).toBeNull();
    expect(jsonOut((await r(['--json', 'check', '--read-data'])).stdout).outcome).toBe('ok');
    const target = join(tmp.path, 'restore-after-kill');
    await r(['restore', after.id, '--target', target]);
    expect(await diffTrees(src, join(target, src))).toEqual([]);
    const pruned = jsonOut((await r(['--json', 'forget', '--keep-last', '1', '--prune'])).stdout);
    expect(pruned.prune.outcome).toBe('ok');
    const temps = (await readdir(repoDir, { recursive: true })).filter((n) => n.split('/').pop()!.startsWith('.tmp-'));
    expect(temps).toEqual([]);
  });

  it('takes identity and known_hosts from the repository options in the config file', async () => {
    const cfg = join(tmp.path, 'strongbox.yaml');
    await writeFile(
      cfg,
      [
        'repositories:',
        '  main:',
        `    location: "${repo}"`,
        '    options:',
        `      identityFile: ${sshd.encryptedIdentity}`,
        `      knownHostsFile: ${sshd.knownHosts}`,
        '      passphraseEnv: SFTP_KEY_PASS',
        '      connections: 3',
        '',
      ].join('\n'),
    );
    const res = await sbOk(['-c', cfg, '--json', 'snapshots'], 0, {
      env: { SSH_AUTH_SOCK: '', SFTP_KEY_PASS: sshd.passphrase },
    });
    expect(jsonOut(res.stdout)).toHaveLength(1);
  });

  describe('errors name the location and say what to do, and show no secret', () => {
    const fails = async (args: string[], env: NodeJS.ProcessEnv, location = repo) => {
      const res = await sb(['-r', location, ...args], { env: { ...sshd.env(), ...env } });
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain(location);
      expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
      return res.stderr;
    };

    it('an unknown host key: exit 1 with the fingerprint and the command that accepts it', async () => {
      const empty = join(tmp.path, 'known_hosts_empty');
      await writeFile(empty, '');
      const err = await fails(['snapshots'], { STRONGBOX_SFTP_KNOWN_HOSTS: empty });
      expect(err).toContain(sshd.fingerprint);
      expect(err).toContain(`ssh-keyscan -p ${sshd.port} -t ssh-ed25519 127.0.0.1 >> ${empty}`);
    });

    it('a changed host key: exit 1, saying it CHANGED', async () => {
      expect(await fails(['snapshots'], { STRONGBOX_SFTP_KNOWN_HOSTS: sshd.wrongKnownHosts })).toContain('has CHANGED');
    });

    it('a refused key at login: exit 1, permission denied', async () => {
      expect(await fails(['snapshots'], { STRONGBOX_SFTP_IDENTITY_FILE: sshd.unauthorizedIdentity })).toContain(
        'permission denied',
      );
    });

    it('a wrong passphrase: exit 1, without the passphrase', async () => {
      const err = await fails(['snapshots'], {
        STRONGBOX_SFTP_IDENTITY_FILE: sshd.encryptedIdentity,
        STRONGBOX_SFTP_PASSPHRASE: 'wrong-secret-5521',
      });
      expect(err).toContain('does not open with the given passphrase');
      expect(err).not.toContain('wrong-secret-5521');
    });

    it('a host that does not resolve, at init: exit 1', async () => {
      expect(await fails(['init'], {}, 'sftp:backup@no-such-host.invalid:/srv/repo')).toContain('does not resolve');
    });

    it('a port nobody listens on: exit 1 after the retries, connection refused', async () => {
      const location = `sftp://${sshd.user}@127.0.0.1:1//srv/repo`;
      expect(await fails(['snapshots'], {}, location)).toContain('connection refused');
    });
  });
});
