// Runs the backend conformance suite against the local-directory backend, in a fresh temp directory.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLocalBackend } from '../../src/backends/local/local.js';
import { backendConformanceSuite } from '../conformance/backend-suite.js';

backendConformanceSuite('local', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strongbox-local-'));
  const repo = path.join(tmp, 'repo');
  return {
    backend: createLocalBackend(repo),
    reopen: async () => createLocalBackend(repo),
    cleanup: () => fs.rm(tmp, { recursive: true, force: true }),
  };
});
