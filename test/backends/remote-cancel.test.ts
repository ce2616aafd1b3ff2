// Cancelling a backup whose upload to a remote store has stalled (a TCP proxy stops forwarding in the middle of the
// pack): the operation's AbortSignal reaches the S3 and SFTP requests, so the backup ends as INTERRUPTED at once,
// not after the request timeout (20 s here). A correctness bound, not a benchmark: well under half the timeout.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import { backupPaths } from '../../src/ops/backup.js';
import { newContext } from '../../src/ops/context.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import { tempDir } from '../e2e/helpers.js';
import { S3RVER_CREDENTIALS, s3ServerOrSkip, type S3Server } from '../support/s3-server.js';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';

const TIMEOUT_S = 20;
/** Every connection through the proxy passes this much, then stalls: past the opening requests, inside the pack. */
const STALL_AFTER = 512 * 1024;

process.env.SB_REMOTE_CANCEL_PW = 'remote-cancel';
process.env.SB_REMOTE_CANCEL_KEY = S3RVER_CREDENTIALS.AWS_ACCESS_KEY_ID;
process.env.SB_REMOTE_CANCEL_SECRET = S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY;
const password = { env: 'SB_REMOTE_CANCEL_PW' };

let tmp: Awaited<ReturnType<typeof tempDir>>;
let source: string;
beforeAll(async () => {
  tmp = await tempDir('sb-remote-cancel-');
  source = join(tmp.path, 'src');
  await mkdir(source);
  await writeFile(join(source, 'big.bin'), randomBytes(3 << 20)); // incompressible: a 3 MiB pack
});
afterAll(async () => tmp?.cleanup());

/**
 * Starts a backup through the stalling proxy, aborts it once the proxy has stalled a connection, and returns what
 * the backup ended with and how long after the abort.
 */
async function cancelStalledBackup(spec: RepoSpec, proxy: TcpFaultProxy): Promise<{ err: unknown; ms: number }> {
  const controller = new AbortController();
  const ctx = newContext({ signal: controller.signal });
  const running = backupPaths(spec, { paths: [source] }, ctx).then(
    () => null,
    (e: unknown) => e,
  );
  const deadline = Date.now() + 60_000;
  while (proxy.counts.stalls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(proxy.counts.stalls, 'the proxy stalled the upload').toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, 300)); // the request is waiting on the stalled connection
  const t0 = performance.now();
  controller.abort();
  const err = await running;
  const ms = performance.now() - t0;
  ctx.scope.close();
  return { err, ms };
}

const s3 = await s3ServerOrSkip();

describe.skipIf(!s3)('cancelling a backup to S3 while an upload is stalled', () => {
  let server: S3Server;
  let proxy: TcpFaultProxy;
  const options = {
    accessKeyIdEnv: 'SB_REMOTE_CANCEL_KEY',
    secretAccessKeyEnv: 'SB_REMOTE_CANCEL_SECRET',
    timeout: `${TIMEOUT_S}s`,
  };
  let direct: RepoSpec;
  let stalled: RepoSpec;

  beforeAll(async () => {
    server = s3!;
    proxy = await startTcpFaultProxy(
      server.port,
      { reset: 0, stall: 0, maxBytes: 1, minBytes: STALL_AFTER, plan: ['stall'] },
      1,
    );
    const location = server.freshLocation();
    direct = { location, password, options };
    stalled = { location: location.replace(`:${server.port}/`, `:${proxy.port}/`), password, options };
    await initRepository(direct, newContext());
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it(`ends as INTERRUPTED well within half the ${TIMEOUT_S} s request timeout, and leaves no snapshot`, async () => {
    const { err, ms } = await cancelStalledBackup(stalled, proxy);
    console.log(`S3: the cancelled backup ended ${ms.toFixed(0)} ms after the abort`);
    expect(isStrongboxError(err, 'INTERRUPTED'), String(err)).toBe(true);
    expect(ms).toBeLessThan((TIMEOUT_S * 1000) / 2);
    expect((await listSnapshots(direct, {}, newContext())).snapshots).toEqual([]);
  }, 90_000);
});

describe.skipIf(!haveSshd())('cancelling a backup to SFTP while an upload is stalled', () => {
  let sshd: SshServer;
  let proxy: TcpFaultProxy;
  let direct: RepoSpec;
  let stalled: RepoSpec;

  beforeAll(async () => {
    sshd = await startSshd();
    proxy = await startTcpFaultProxy(
      sshd.port,
      { reset: 0, stall: 0, maxBytes: 1, minBytes: STALL_AFTER, plan: ['stall'] },
      1,
    );
    const known = join(sshd.dir, 'proxy_known_hosts');
    const hosts = await readFile(sshd.knownHosts, 'utf8');
    await writeFile(known, hosts + hosts.replaceAll(`]:${sshd.port} `, `]:${proxy.port} `));
    const options = { knownHostsFile: known, identityFile: sshd.identity, timeoutSeconds: TIMEOUT_S };
    const location = sshd.location(join(sshd.dir, 'cancel-repo'));
    direct = { location, password, options };
    stalled = { location: location.replace(`:${sshd.port}/`, `:${proxy.port}/`), password, options };
    await initRepository(direct, newContext());
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await sshd?.stop();
  });

  it(`ends as INTERRUPTED well within half the ${TIMEOUT_S} s request timeout, and leaves no snapshot`, async () => {
    const { err, ms } = await cancelStalledBackup(stalled, proxy);
    console.log(`SFTP: the cancelled backup ended ${ms.toFixed(0)} ms after the abort`);
    expect(isStrongboxError(err, 'INTERRUPTED'), String(err)).toBe(true);
    expect(ms).toBeLessThan((TIMEOUT_S * 1000) / 2);
    expect((await listSnapshots(direct, {}, newContext())).snapshots).toEqual([]);
  }, 90_000);
});
