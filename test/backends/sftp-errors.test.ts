// How the SFTP backend fails: host keys that are unknown or changed, logins refused, encrypted keys, hosts
// that do not resolve, answer or listen, a path the user may not write; each with its kind, so retries fit.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, type Backend } from '../../src/backends/backend.js';
import { createSftpBackend } from '../../src/backends/sftp/sftp.js';
import type { SftpOptions } from '../../src/backends/sftp/options.js';
import { withRetry } from '../../src/backends/wrappers/retry.js';
import { bytes } from '../conformance/fixtures.js';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';

const cfg = { type: 'config' as const, name: 'config' };

/** Every process below `pid`. */
function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are none
  }
  const kids = out
    .split('\n')
    .map(Number)
    .filter((n) => n > 0);
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

describe.skipIf(!haveSshd())('sftp backend failures', () => {
  let sshd: SshServer;
  let repo: string;
  const opened: Backend[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    repo = await mkdtemp(join(sshd.dir, 'repo-'));
    await chmod(repo, 0o755);
  });
  afterAll(async () => {
    for (const b of opened) await b.close();
    await sshd?.stop();
  });

  function open(
    opts: SftpOptions = {},
    env: NodeJS.ProcessEnv = {},
    location = sshd.location(join(repo, 'r')),
  ): Backend {
    const b = createSftpBackend(
      location,
      { knownHostsFile: sshd.knownHosts, identityFile: sshd.identity, ...opts },
      env,
    );
    opened.push(b);
    return b;
  }

  /** The error of `op` through the retry wrapper, and how many retries it took (0 for a permanent error). */
  async function failure(
    b: Backend,
    op: (b: Backend) => Promise<unknown> = (x) => x.stat(cfg),
  ): Promise<{ err: BackendError; retries: number }> {
    let retries = 0;
    const r = withRetry(b, { retries: 2, sleep: async () => {}, onRetry: () => retries++ });
    const err = await op(r).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendError);
    return { err: err as BackendError, retries };
  }

  it('refuses an unknown host key, showing its fingerprint and how to accept it, and does not retry', async () => {
    const empty = join(sshd.dir, 'empty_known_hosts');
    await writeFile(empty, '');
    const { err, retries } = await failure(open({ knownHostsFile: empty }));
    expect(err.kind).toBe('permanent');
    expect(retries).toBe(0);
    expect(err.message).toContain(`the host key of [127.0.0.1]:${sshd.port} is not known`);
    expect(err.message).toContain(`ED25519 key ${sshd.fingerprint}`);
    expect(err.message).toContain(`ssh-keyscan -p ${sshd.port} -t ssh-ed25519 127.0.0.1 >> ${empty}`);
  });

  it('refuses a changed host key, naming the recorded entry and how to replace it', async () => {
    const { err, retries } = await failure(open({ knownHostsFile: sshd.wrongKnownHosts }));
    expect([err.kind, retries]).toEqual(['permanent', 0]);
    expect(err.message).toContain(`the host key of [127.0.0.1]:${sshd.port} has CHANGED`);
    expect(err.message).toContain(sshd.fingerprint);
    expect(err.message).toContain(`${sshd.wrongKnownHosts} line 1`);
    expect(err.message).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}'`);
  });

  it('reports a key the server does not accept as permission denied at login, naming what was tried', async () => {
    const { err, retries } = await failure(open({ identityFile: sshd.unauthorizedIdentity }));
    expect([err.kind, retries]).toEqual(['permanent', 0]);
    expect(err.message).toContain(`cannot log in to ${sshd.user}@127.0.0.1 port ${sshd.port}: permission denied`);
    expect(err.message).toContain(`identity file ${sshd.unauthorizedIdentity}`);
  });

  it('unlocks an encrypted key with a passphrase from a variable or a command', async () => {
    const b = open({ identityFile: sshd.encryptedIdentity, passphraseEnv: 'MY_PASS' }, { MY_PASS: sshd.passphrase });
    await b.create();
    const c = open({ identityFile: sshd.encryptedIdentity, passphraseCommand: `printf '%s\\n' '${sshd.passphrase}'` });
    expect((await c.list('key')[Symbol.asyncIterator]().next()).done).toBe(true);
  });

  it('logs in with the SSH agent first (SSH_AUTH_SOCK), before the identity file', async () => {
    const sock = join(sshd.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      // The socket file appears when ssh-agent binds it, a moment before it listens: retry ssh-add until it connects.
      for (let i = 0; ; i++) {
        try {
          if (existsSync(sock)) {
            execFileSync('ssh-add', ['-q', sshd.identity], {
              env: { ...process.env, SSH_AUTH_SOCK: sock },
              stdio: 'pipe',
            });
            break;
          }
        } catch (e) {
          if (i >= 250) throw e;
        }
        if (i >= 250) throw new Error(`ssh-agent did not create ${sock}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      // The identity file alone would be refused: only the agent's key can log in.
      const b = open({ identityFile: sshd.unauthorizedIdentity }, { SSH_AUTH_SOCK: sock });
      await b.create();
      await b.close();
    } finally {
      agent.kill();
    }
  });

  it('says an encrypted key needs a passphrase, or that the passphrase is wrong, never showing it', async () => {
    const none = await failure(open({ identityFile: sshd.encryptedIdentity }));
    expect(none.err.kind).toBe('permanent');
    expect(none.err.message).toContain(
      `identity file ${sshd.encryptedIdentity} was not used: it is encrypted and no passphrase was given`,
    );
    expect(none.err.message).toContain('STRONGBOX_SFTP_PASSPHRASE');
    const wrong = await failure(
      open({ identityFile: sshd.encryptedIdentity }, { STRONGBOX_SFTP_PASSPHRASE: 'not-it-9137' }),
    );
    expect(wrong.err.message).toContain('it does not open with the given passphrase');
    expect(wrong.err.message).not.toContain('not-it-9137');
  });

  it('retries a refused connection (transient) and reports it', async () => {
    const port = await new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const { err, retries } = await failure(open({}, {}, `sftp://${sshd.user}@127.0.0.1:${port}//srv/repo`));
    expect([err.kind, retries]).toEqual(['transient', 2]);
    expect(err.message).toContain(`cannot connect to ${sshd.user}@127.0.0.1 port ${port}: connection refused`);
  });

  it('does not retry a host name that does not resolve', async () => {
    const { err, retries } = await failure(open({}, {}, 'sftp:backup@no-such-host.invalid:/srv/repo'));
    expect([err.kind, retries]).toEqual(['permanent', 0]);
    expect(err.message).toContain('host name no-such-host.invalid does not resolve');
  });

  it('gives up on a server that accepts the connection but never answers, within the timeout, and retries', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    const port = await new Promise<number>((res) =>
      silent.listen(0, '127.0.0.1', () => res((silent.address() as { port: number }).port)),
    );
    try {
      const started = performance.now();
      const { err, retries } = await failure(open({ timeoutSeconds: 1 }, {}, `sftp://u@127.0.0.1:${port}//srv`));
      expect([err.kind, retries]).toEqual(['transient', 2]);
      expect(err.message).toContain('no SSH handshake within the timeout');
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    'fails a save into a directory the user may not write with a permanent error naming the object',
    async () => {
      const root = join(repo, 'shared');
      await open({}, {}, sshd.location(root)).create();
      // The repository belongs to nobody, except snapshots/, which stays root's.
      for (const d of ['', ...(await readdir(root))]) if (d !== 'snapshots') await chown(join(root, d), 65534, 65534);
      const b = open({}, {}, sshd.location(root, 'nobody'));
      await b.save({ type: 'key', name: 'k1' }, bytes(10));
      const { err, retries } = await failure(b, (x) => x.save({ type: 'snapshot', name: 's1' }, bytes(10)));
      expect([err.kind, retries]).toEqual(['permanent', 0]);
      expect(err.message).toMatch(
        new RegExp(`cannot save snapshot/s1 at sftp://nobody@127.0.0.1:${sshd.port}/.*: Permission denied`),
      );
    },
  );

  it('drops a connection whose requests get no answer within the timeout, and the retry reconnects', async () => {
    const b = open({ timeoutSeconds: 1 });
    await b.create();
    const sessions = descendants(sshd.pid);
    expect(sessions.length).toBeGreaterThan(0);
    for (const pid of sessions) process.kill(pid, 'SIGSTOP');
    let resumed = false;
    try {
      const err = (await b.stat(cfg).then(
        () => undefined,
        (e: unknown) => e,
      )) as BackendError;
      expect(err).toBeInstanceOf(BackendError);
      expect([err.kind, err.message]).toEqual([
        'transient',
        expect.stringMatching(/got no answer within 1 s; the connection was dropped/),
      ]);
      for (const pid of sessions) process.kill(pid, 'SIGCONT');
      resumed = true;
      const { err: missing, retries } = await failure(b);
      expect([missing.kind, retries]).toEqual(['not-found', 0]); // a new connection answered
    } finally {
      if (!resumed) for (const pid of sessions) process.kill(pid, 'SIGCONT');
    }
  });

  it.skipIf(process.getuid?.() !== 0)("fails at once when the server's disk is full, saying so", async ({ skip }) => {
    const mnt = join(repo, 'small');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      console.warn('\n*** SKIPPING the full-disk test: cannot mount a tmpfs here ***\n');
      skip();
    }
    try {
      const b = open({}, {}, sshd.location(join(mnt, 'repo')));
      await b.create();
      const { err, retries } = await failure(b, (x) => x.save({ type: 'data', name: 'ab02' }, bytes(2 * 1024 * 1024)));
      expect([err.kind, retries]).toEqual(['permanent', 0]);
      expect(err.message).toMatch(
        /cannot save data\/ab02 at sftp:.*: the server's disk is full \(\d+ bytes free in .*, 2097152 needed\)/,
      );
      await b.close();
      expect(await readdir(join(mnt, 'repo', 'data', 'ab'))).toEqual([]); // the partial temp file is gone
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it("lists the server's modification time (whole seconds) when asked", async () => {
    const b = open();
    await b.create();
    await b.save({ type: 'snapshot', name: 'mt1' }, bytes(3));
    const listed: { name: string; modTime?: number }[] = [];
    for await (const f of b.list('snapshot', { modTime: true })) listed.push(f);
    expect(listed).toHaveLength(1);
    expect(listed[0].modTime! % 1000).toBe(0);
    expect(Math.abs(listed[0].modTime! - Date.now())).toBeLessThan(60_000);
  });

  it('removes temp files that killed writers left, keeping young ones in locks/', async () => {
    const b = open();
    await b.create();
    await b.save({ type: 'data', name: 'ab01' }, bytes(5));
    const base = join(repo, 'r');
    await mkdir(join(base, 'data', 'cd'), { recursive: true });
    await writeFile(join(base, 'data', 'ab', '.tmp-0001'), bytes(100));
    await writeFile(join(base, 'data', 'cd', '.tmp-0002'), bytes(50));
    await writeFile(join(base, 'index', '.tmp-0003'), bytes(7));
    await writeFile(join(base, 'locks', '.tmp-0004'), bytes(3));
    expect(await b.removeLeftovers!()).toBe(157);
    expect(await readdir(join(base, 'data', 'ab'))).toEqual(['ab01']);
    expect(await readdir(join(base, 'locks'))).toEqual(['.tmp-0004']);
    await rm(join(base, 'locks', '.tmp-0004'));
  });

  it('ends its connection on close() (the session on the server goes away) and fails every later call', async () => {
    const before = new Set(descendants(sshd.pid));
    const b = open();
    await b.create();
    const mine = descendants(sshd.pid).filter((p) => !before.has(p));
    expect(mine.length).toBeGreaterThan(0);
    await b.close();
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && mine.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    expect(mine.filter(alive)).toEqual([]);
    await b.close();
    const { err } = await failure(b);
    expect(err.message).toContain('the SFTP backend was closed');
  });
});
