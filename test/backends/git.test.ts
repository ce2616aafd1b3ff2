// Runs the backend conformance suite against the git backend on a local bare repository (each test its own
// repository and cache; the reopened backend gets another cache, as a second host would).
import { openGitBackend } from '../../src/backends/git/git.js';
import { backendConformanceSuite } from '../conformance/backend-suite.js';
import { gitPlace, haveGit } from '../support/git-remote.js';

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
