// Runs the backend conformance suite against the git backend: on a local bare repository, and over SSH (ssh://) on
// the private sshd of test/support/sshd.ts, which runs git-upload-pack/git-receive-pack. Each test has its own
// repository and cache; the reopened backend gets another cache, as a second host would.
import { afterAll } from 'vitest';
import { openGitBackend } from '../../src/backends/git/git.js';
import { backendConformanceSuite } from '../conformance/backend-suite.js';
import { gitPlace, haveGit } from '../support/git-remote.js';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';

if (haveGit()) {
  backendConformanceSuite('git (local bare repository)', async () => {
    const place = await gitPlace();
    const remote = place.bare();
    return {
      backend: openGitBackend(remote, { cacheDir: place.cache('a') }),
      reopen: async () => openGitBackend(remote, { cacheDir: place.cache('b') }),
      cleanup: () => place.cleanup(),
    };
  });
}

if (haveGit() && haveSshd()) {
  let server: Promise<SshServer> | undefined;
  afterAll(async () => (await server)?.stop());

  backendConformanceSuite('git (ssh:// on a private sshd)', async () => {
    const sshd = await (server ??= startSshd());
    const place = await gitPlace();
    const url = `ssh://${sshd.user}@127.0.0.1:${sshd.port}${place.bare()}`;
    const opts = { identityFile: sshd.identity, knownHostsFile: sshd.knownHosts };
    return {
      backend: openGitBackend(url, { ...opts, cacheDir: place.cache('a') }),
      reopen: async () => openGitBackend(url, { ...opts, cacheDir: place.cache('b') }),
      cleanup: () => place.cleanup(),
    };
  });
}
