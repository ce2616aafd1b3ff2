// Runs the backend conformance suite against the SFTP backend, on a private sshd (test/support/sshd.ts).

import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createSftpBackend } from '../../src/backends/sftp/sftp.js';
import { backendConformanceSuite } from '../conformance/backend-suite.js';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';

if (haveSshd()) {
  let server: Promise<SshServer> | undefined;
  afterAll(async () => (await server)?.stop());

  backendConformanceSuite('sftp', async () => {
    const sshd = await (server ??= startSshd());
    const dir = await mkdtemp(join(sshd.dir, 'repo-'));
    const open = () =>
      createSftpBackend(
        sshd.location(join(dir, 'repo')),
        { knownHostsFile: sshd.knownHosts, identityFile: sshd.identity },
        {},
      );
    return {
      backend: open(),
      reopen: async () => open(),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  });
}
