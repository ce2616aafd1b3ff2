// Loading the config file does not block the event loop: the daemon reloads it while schedules, signals and
// the metrics listener must go on. A FIFO whose writer is a timer of this same process shows it: a synchronous
// read would wait forever for a writer that can never run.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { isStrongboxError } from '../../../src/errors.js';
import { tempDir } from '../../e2e/helpers.js';

const YAML = 'repositories:\n  main:\n    location: /var/backups/sb\napps: []\n';

describe('loadConfig', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir('sb-load-');
  });
  afterAll(async () => tmp?.cleanup());

  it('lets the event loop run while it reads (a timer of this process writes the file it is reading)', async () => {
    const fifo = join(tmp.path, 'strongbox.yaml');
    execFileSync('mkfifo', [fifo]);
    const loading = loadConfig(fifo, {});
    expect(loading).toBeInstanceOf(Promise);
    // Only reachable when loadConfig returned without waiting for the file's contents.
    setImmediate(() => {
      void writeFile(fifo, YAML);
    });
    const { path, config } = await loading;
    expect(path).toBe(fifo);
    expect(Object.keys(config.repositories)).toEqual(['main']);
  });

  it('rejects (not throws) for a missing file, naming it and how to give another', async () => {
    const missing = join(tmp.path, 'nope.yaml');
    const p = loadConfig(missing, {});
    await expect(p).rejects.toSatisfy(
      (e) => isStrongboxError(e, 'CONFIG') && e.message.includes(missing) && e.message.includes('--config'),
    );
  });
});
