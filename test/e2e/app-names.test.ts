// An app's file tree with names that are not UTF-8 and `oneFileSystem: true`: the backup keeps the names
// exactly and stops at a mount point, and restore --app --yes removes an added non-UTF-8 file and restores the rest.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sbOk, tempDir, jsonOut } from './helpers.js';

const bytes = (...parts: string[]) =>
  Buffer.concat(parts.map((p) => (p.startsWith('0x') ? Buffer.from(p.slice(2), 'hex') : Buffer.from(p))));

describe('an app file tree with non-UTF-8 names and oneFileSystem: true', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let web: string;
  let cfg: string;
  let mnt = '';
  beforeAll(async () => {
    tmp = await tempDir('sb-app-names-');
    web = join(tmp.path, 'web');
    mkdirSync(join(web, 'mnt'), { recursive: true });
    writeFileSync(bytes(web, '/keep', '0xff', '.txt'), 'v1');
    mkdirSync(bytes(web, '/d', '0x80'));
    writeFileSync(bytes(web, '/d', '0x80', '/in.txt'), 'inside');
    const m = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', join(web, 'mnt')], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`this test mounts a tmpfs (run as root): ${m.stderr}`);
    mnt = join(web, 'mnt');
    writeFileSync(join(mnt, 'elsewhere.txt'), 'on the tmpfs');
    cfg = join(tmp.path, 'strongbox.yaml');
    writeFileSync(
      cfg,
      [
        'repositories:',
        '  main:',
        `    location: ${join(tmp.path, 'repo')}`,
        'apps:',
        '  - id: site',
        '    repository: main',
        '    files:',
        '      - name: web',
        `        path: ${web}`,
        '        oneFileSystem: true',
        '',
      ].join('\n'),
    );
    await sbOk(['-r', join(tmp.path, 'repo'), 'init']);
    await sbOk(['-c', cfg, 'backup', '--app', 'site']);
  });
  afterAll(async () => {
    if (mnt) execFileSync('umount', [mnt]);
    await tmp?.cleanup();
  });

  it('records the non-UTF-8 names exactly and the mount point as an empty directory', async () => {
    const list = jsonOut((await sbOk(['-r', join(tmp.path, 'repo'), '--json', 'ls', 'latest'])).stdout) as {
      path: string;
      pathBytes?: string;
    }[];
    const exact = list.map((e) =>
      (e.pathBytes ? Buffer.from(e.pathBytes, 'base64') : Buffer.from(e.path)).toString('hex'),
    );
    for (const p of [bytes(web, '/keep', '0xff', '.txt'), bytes(web, '/d', '0x80', '/in.txt'), bytes(web, '/mnt')])
      expect(exact).toContain(p.toString('hex'));
    expect(list.filter((e) => e.path.startsWith(`${mnt}/`))).toEqual([]);
  });

  it('restore --app --yes removes an added non-UTF-8 file and restores a changed one, leaving the mount alone', async () => {
    writeFileSync(bytes(web, '/keep', '0xff', '.txt'), 'v2');
    writeFileSync(bytes(web, '/added', '0xfe'), 'new');
    writeFileSync(bytes(web, '/d', '0x80', '/added', '0xfe'), 'new');
    await sbOk(['-c', cfg, 'restore', 'latest', '--app', 'site', '--yes']);
    expect(readFileSync(bytes(web, '/keep', '0xff', '.txt'), 'utf8')).toBe('v1');
    expect(readFileSync(bytes(web, '/d', '0x80', '/in.txt'), 'utf8')).toBe('inside');
    expect(existsSync(bytes(web, '/added', '0xfe'))).toBe(false);
    expect(existsSync(bytes(web, '/d', '0x80', '/added', '0xfe'))).toBe(false);
    expect(readFileSync(join(mnt, 'elsewhere.txt'), 'utf8')).toBe('on the tmpfs');
  });
});
