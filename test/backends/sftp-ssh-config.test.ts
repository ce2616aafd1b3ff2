// sftp: locations read ~/.ssh/config as ssh does: a Host alias gives HostName, Port, User, IdentityFile and
// UserKnownHostsFile; what the location writes out (user, port) and strongbox's own options win over it. Against
// the private sshd, with HOME pointed at a temp dir that holds the config, and no agent or STRONGBOX_SFTP_* variable.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { isStrongboxError } from '../../src/errors.js';
import { bytes, hexName } from '../conformance/fixtures.js';
import { jsonOut, sb, sbOk, tempDir } from '../e2e/helpers.js';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';

describe.skipIf(!haveSshd())('sftp: locations and ~/.ssh/config', () => {
  let sshd: SshServer;
  let home: Awaited<ReturnType<typeof tempDir>>;
  let config: string;
  /** The CLI's environment: the temp HOME, and nothing else that says how to log in. */
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sshd = await startSshd();
    home = await tempDir('sb-ssh-home-');
    await mkdir(join(home.path, '.ssh'), { mode: 0o700 });
    config = join(home.path, '.ssh', 'config');
    await writeFile(
      config,
      [
        '# the backup server, by its alias',
        'Host backup-box',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${sshd.identity}`,
        `  UserKnownHostsFile ${sshd.knownHosts}`,
        '',
        'Host *',
        '  User nobody-by-default',
        '',
      ].join('\n'),
    );
    env = { HOME: home.path, SSH_AUTH_SOCK: '', STRONGBOX_SFTP_IDENTITY_FILE: '', STRONGBOX_SFTP_KNOWN_HOSTS: '' };
  }, 60_000);
  afterAll(async () => {
    await home?.cleanup();
    await sshd?.stop();
  });

  it('backs up to and restores from sftp:ALIAS:/path with everything else from ~/.ssh/config', async () => {
    const repo = join(sshd.dir, 'alias-repo');
    const location = `sftp:backup-box:${repo}`;
    const src = join(home.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'hello.txt'), 'hello over an ssh alias\n');
    await sbOk(['-r', location, 'init'], 0, { env });
    await sbOk(['-r', location, 'backup', src], 0, { env });
    const snaps = jsonOut<{ paths: string[] }[]>(
      (await sbOk(['-r', location, 'snapshots', '--json'], 0, { env })).stdout,
    );
    expect(snaps.map((s) => s.paths)).toEqual([[src]]);
    const target = join(home.path, 'restored');
    await sbOk(['-r', location, 'restore', 'latest', '--target', target], 0, { env });
    expect(await readFile(join(target, src, 'hello.txt'), 'utf8')).toBe('hello over an ssh alias\n');
  }, 120_000);

  it('lets a user written in the location win over the config (ssh -l does)', async () => {
    // Through the backend, with the config named by the sshConfigFile option: the alias's User is overridden by one
    // the server does not know, so the login fails as permission denied for that user.
    const backend = await openBackend(`sftp:no-such-user-${process.pid}@backup-box:${join(sshd.dir, 'x')}`, {
      env: {},
      options: { sshConfigFile: config },
      retry: false,
    });
    try {
      const err = await backend.save({ type: 'data', name: hexName('u') }, bytes(10)).catch((e: unknown) => e);
      expect(String(err)).toMatch(new RegExp(`no-such-user-${process.pid}@127\\.0\\.0\\.1 port ${sshd.port}`));
      expect(backend.isPermanent(err)).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('reads the config for the sshConfigFile option, and an explicit file that is missing is a CONFIG error', async () => {
    const backend = await openBackend(`sftp:backup-box:${join(sshd.dir, 'opt-repo')}`, {
      env: {},
      options: { sshConfigFile: config },
      retry: false,
    });
    try {
      await backend.create();
      const h = { type: 'data' as const, name: hexName('cfg') };
      await backend.save(h, bytes(1000, 3));
      expect((await backend.load(h)).equals(bytes(1000, 3))).toBe(true);
    } finally {
      await backend.close();
    }
    const missing = join(os.tmpdir(), `sb-no-such-ssh-config-${process.pid}`);
    const err = await openBackend(`sftp:backup-box:/x`, { options: { sshConfigFile: missing } }).catch((e) => e);
    expect(isStrongboxError(err, 'CONFIG'), String(err)).toBe(true);
    expect(String(err)).toContain(missing);
  });

  it('without the alias in the config, the name is a host name as before (it does not resolve here)', async () => {
    const r = await sb(['-r', `sftp:no-such-alias.invalid:/x`, 'snapshots'], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-alias\.invalid/);
    expect(r.stderr).toMatch(/does not resolve/);
  }, 60_000);
});
