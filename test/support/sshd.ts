// A private OpenSSH server for the SFTP tests: Debian's sshd run in the foreground (`sshd -D -e -f <config>`) on
// a free loopback port, with generated host and user keys in a temp dir. Skips loudly without sshd; fails in CI.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';

export interface SshServer {
  host: string;
  port: number;
  /** The user the tests log in as (the user running them). */
  user: string;
  dir: string;
  /** A known_hosts file that lists this server's key. */
  knownHosts: string;
  /** A known_hosts file that lists another key for this server, as after a reinstall or an attack. */
  wrongKnownHosts: string;
  /** Authorized user keys: plain, and encrypted with `passphrase`; and one the server does not accept. */
  identity: string;
  encryptedIdentity: string;
  passphrase: string;
  unauthorizedIdentity: string;
  /** The server's host key fingerprint, as ssh-keygen -l prints it (SHA256:…). */
  fingerprint: string;
  /** The listening sshd's process ID (each connection is served by a child of it). */
  pid: number;
  /** "sftp://user@127.0.0.1:port//<abs path>". */
  location(path: string, user?: string): string;
  /** Environment for the CLI: this server's known_hosts and the plain identity, and no SSH agent. */
  env(): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** True when sshd and ssh-keygen exist; false with a loud warning outside CI; throws in CI. */
export function haveSshd(): boolean {
  const ok = existsSync(SSHD) && existsSync('/usr/bin/ssh-keygen');
  if (!ok) {
    const msg = 'OpenSSH server (sshd) is not installed: the SFTP tests cannot run (apt-get install openssh-server)';
    if (process.env.CI) throw new Error(`${msg} (CI=true: this is a failure; .ci/run must install it)`);
    console.warn(`\n*** SKIPPING: ${msg} ***\n`);
  }
  return ok;
}

function keygen(file: string, passphrase = '', type = 'ed25519'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'strongbox-test', '-f', file], {
    stdio: 'ignore',
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function config(dir: string, port: number): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    'MaxStartups 100',
    'MaxSessions 100',
    // Every command runs through the login shell, and bash run by sshd sources ~/.bashrc unless SHLVL is already set:
    // this machine's root .bashrc starts pyenv (~0.5 s), which made every git fetch and push over ssh half a second
    // slower (the git conformance suite over ssh:// took 185 s instead of ~40).
    'SetEnv SHLVL=1',
    '',
  ].join('\n');
}

/** Wait until sshd says it listens; reject with its output if it exits first. */
function waitListening(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${log()}`)), 10_000);
    const check = () => {
      if (/Server listening on/.test(log())) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with status ${code}:\n${log()}`));
    });
  });
}

/** Start a private sshd; stop() kills it and removes its directory. */
export async function startSshd(): Promise<SshServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-sshd-'));
  await chmod(dir, 0o755); // sshd reads authorized_keys as the user logging in (tests log in as nobody too)
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'other_host_ed25519'));
  keygen(join(dir, 'id_ed25519'));
  const passphrase = 'test passphrase 4711';
  keygen(join(dir, 'id_encrypted'), passphrase);
  keygen(join(dir, 'id_unauthorized'));
  const pub = async (name: string) =>
    (await readFile(join(dir, `${name}.pub`), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  await writeFile(join(dir, 'authorized_keys'), `${await pub('id_ed25519')}\n${await pub('id_encrypted')}\n`, {
    mode: 0o644,
  });
  const port = await freePort();
  const name = `[127.0.0.1]:${port}`;
  await writeFile(join(dir, 'known_hosts'), `${name} ${await pub('host_ed25519')}\n`);
  await writeFile(join(dir, 'wrong_known_hosts'), `${name} ${await pub('other_host_ed25519')}\n`);
  await writeFile(join(dir, 'sshd_config'), config(dir, port));
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'host_ed25519.pub')], {
    encoding: 'utf8',
  }).split(/\s+/)[1];

  const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    log += d;
  });
  await waitListening(child, () => log).catch(async (e) => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  });
  const user = userInfo().username;
  const server: SshServer = {
    host: '127.0.0.1',
    port,
    user,
    dir,
    fingerprint,
    passphrase,
    pid: child.pid!,
    knownHosts: join(dir, 'known_hosts'),
    wrongKnownHosts: join(dir, 'wrong_known_hosts'),
    identity: join(dir, 'id_ed25519'),
    encryptedIdentity: join(dir, 'id_encrypted'),
    unauthorizedIdentity: join(dir, 'id_unauthorized'),
    location: (path, u = user) => `sftp://${u}@127.0.0.1:${port}/${path.startsWith('/') ? path : `/${path}`}`,
    env: () => ({
      STRONGBOX_SFTP_KNOWN_HOSTS: server.knownHosts,
      STRONGBOX_SFTP_IDENTITY_FILE: server.identity,
      SSH_AUTH_SOCK: '',
    }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}
