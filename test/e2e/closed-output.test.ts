// `strongbox ls latest | head`: when the reader of stdout goes away, the CLI stops writing, says nothing (the
// reader asked for no more), releases its lock and ends; it does not crash with an EPIPE stack trace.
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, PASSWORD, ROOT, sbOk, tempDir } from './helpers.js';

describe('a reader of stdout that goes away', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;

  beforeAll(async () => {
    tmp = await tempDir('sb-pipe-');
    repo = join(tmp.path, 'repo');
    const src = join(tmp.path, 'src');
    for (let d = 0; d < 40; d++) {
      await mkdir(join(src, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) await writeFile(join(src, `d${d}`, `file-${f}.txt`), `${d}/${f}\n`);
    }
    await sbOk(['-r', repo, 'init', '-q']);
    await sbOk(['-r', repo, 'backup', '-q', src]);
  });
  afterAll(async () => tmp?.cleanup());

  it('ls stops quietly when its output is closed after the first line, and leaves no lock', async () => {
    // `head -n 1` in a shell pipeline: the reader closes its end after the first line.
    const child = spawn('sh', ['-c', `"${process.execPath}" "${CLI}" -r "${repo}" ls latest | head -n 1`], {
      cwd: ROOT,
      env: { ...process.env, STRONGBOX_PASSWORD: PASSWORD },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((r) => child.on('close', r));
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toBe('');
    expect(await readdir(join(repo, 'locks'))).toEqual([]);
  });
});
