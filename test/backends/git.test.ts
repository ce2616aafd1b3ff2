// Runs the backend conformance suite against the git backend: in full on a local bare repository, and in its
// transport scope (the tests whose requests cross the wire; see SuiteScope) over SSH (ssh://) on the private sshd of
// test/support/sshd.ts, which runs git-upload-pack/git-receive-pack, and over smart HTTP with a token (git
// http-backend behind a loopback server that checks it, test/support/git-http.ts). The backend's own logic (ranges,
// names, listing per type) is the same code whichever URL it pushes to, and each save over ssh costs about a second
// of git processes here, so running it three times bought nothing but two minutes. Each test has its own repository
// and cache; the reopened backend gets another cache, as a second host would.
import { basename, dirname } from 'node:path';
import { afterAll, expect } from 'vitest';
import { openGitBackend } from '../../src/backends/git/git.js';
import { backendConformanceSuite } from '../conformance/backend-suite.js';
import { startGitHttp, type GitHttpServer } from '../support/git-http.js';
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

  backendConformanceSuite(
    'git (ssh:// on a private sshd)',
    async () => {
      const sshd = await (server ??= startSshd());
      const place = await gitPlace();
      const url = `ssh://${sshd.user}@127.0.0.1:${sshd.port}${place.bare()}`;
      const opts = { identityFile: sshd.identity, knownHostsFile: sshd.knownHosts };
      return {
        backend: openGitBackend(url, { ...opts, cacheDir: place.cache('a') }),
        reopen: async () => openGitBackend(url, { ...opts, cacheDir: place.cache('b') }),
        cleanup: () => place.cleanup(),
      };
    },
    'transport',
  );
}

if (haveGit()) {
  const TOKEN = 'glpat-conformance-0123456789';
  const servers: GitHttpServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  backendConformanceSuite(
    'git (http:// with a token, git http-backend)',
    async () => {
      const place = await gitPlace();
      const bare = place.bare();
      const server = await startGitHttp(dirname(bare), TOKEN);
      servers.push(server);
      const env = { ...process.env, SB_TEST_GIT_TOKEN: TOKEN };
      const open = (cache: string) =>
        openGitBackend(
          server.url(basename(bare)),
          { tokenEnv: 'SB_TEST_GIT_TOKEN', cacheDir: place.cache(cache) },
          env,
        );
      return {
        backend: open('a'),
        reopen: async () => open('b'),
        cleanup: async () => {
          // Requests carried credentials (every create() fetches), and each time the token under the default user.
          expect(server.seen.length).toBeGreaterThan(0);
          for (const creds of server.seen) expect(creds).toBe(`x-access-token:${TOKEN}`);
          await place.cleanup();
        },
      };
    },
    'transport',
  );
}
