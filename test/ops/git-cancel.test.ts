// Cancelling an operation on a git: repository while git is still talking to the remote (here: an ssh that never
// answers) ends it as INTERRUPTED, even while the repository is being opened, not as a storage failure.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import { newContext } from '../../src/ops/context.js';
import { listSnapshots } from '../../src/ops/snapshots.js';
import { tempDir } from '../e2e/helpers.js';
import { haveGit } from '../support/git-remote.js';

describe.skipIf(!haveGit())('cancelling an operation on a git: repository', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir('sb-git-cancel-');
    const ssh = join(tmp.path, 'stalling-ssh');
    await writeFile(ssh, '#!/bin/sh\nexec sleep 3\n');
    await chmod(ssh, 0o755);
    process.env.GIT_SSH_COMMAND = ssh;
    process.env.SB_GIT_CANCEL_PW = 'pw';
  });
  afterAll(async () => {
    delete process.env.GIT_SSH_COMMAND;
    await tmp?.cleanup();
  });

  it('ends as INTERRUPTED when aborted while the repository is being opened', async () => {
    const controller = new AbortController();
    const ctx = newContext({ signal: controller.signal });
    const spec = {
      location: 'git:ssh://nobody@127.0.0.1:1/r.git',
      password: { env: 'SB_GIT_CANCEL_PW' },
      options: { cacheDir: join(tmp.path, 'cache') },
    };
    const running = listSnapshots(spec, {}, ctx).then(
      () => null,
      (e: unknown) => e,
    );
    setTimeout(() => controller.abort(), 300);
    const err = await running;
    ctx.scope.close();
    expect(isStrongboxError(err, 'INTERRUPTED'), String(err)).toBe(true);
  });
});
