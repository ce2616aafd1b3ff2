// restore --app --yes into the configured directory: the tree ends up as backed up (what was added since is
// removed), but what the backup leaves out on purpose (excludes, offloaded folders) and anything on another
// filesystem (a mounted bucket) is kept.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sbOk, tempDir } from './helpers.js';

const canMount = process.getuid?.() === 0;

describe('restore --app --yes replaces a file tree', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let web: string;
  let cfg: string;
  const mounted: string[] = [];
  beforeAll(async () => {
    tmp = await tempDir('sb-replace-');
    web = join(tmp.path, 'web');
    await mkdir(join(web, 'cache'), { recursive: true });
    await mkdir(join(web, 'media'), { recursive: true });
    await mkdir(join(web, 'uploads'), { recursive: true });
    await writeFile(join(web, 'index.php'), 'v1');
    await writeFile(join(web, 'cache', 'page.html'), 'cached');
    await writeFile(join(web, 'media', 'photo.jpg'), 'in the bucket');
    cfg = join(tmp.path, 'strongbox.yaml');
    await writeFile(
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
        '        exclude: ["cache/"]',
        '        offloaded: ["media/"]',
        '',
      ].join('\n'),
    );
    await sbOk(['-r', join(tmp.path, 'repo'), 'init']);
    await sbOk(['-c', cfg, 'backup', '--app', 'site']);
  });
  afterAll(async () => {
    for (const m of mounted) execFileSync('umount', [m]);
    await tmp?.cleanup();
  });

  it('removes files and directories added since the snapshot, and restores changed ones', async () => {
    await writeFile(join(web, 'index.php'), 'v2');
    await writeFile(join(web, 'added.php'), 'new');
    await mkdir(join(web, 'new-dir', 'deep'), { recursive: true });
    await writeFile(join(web, 'new-dir', 'deep', 'x'), 'x');
    await sbOk(['-c', cfg, 'restore', 'latest', '--app', 'site', '--yes']);
    expect(await readFile(join(web, 'index.php'), 'utf8')).toBe('v1');
    expect(existsSync(join(web, 'added.php'))).toBe(false);
    expect(existsSync(join(web, 'new-dir'))).toBe(false);
  });

  it('keeps what the backup excludes and the offloaded folder', async () => {
    await writeFile(join(web, 'cache', 'another.html'), 'cached later');
    await writeFile(join(web, 'media', 'video.mp4'), 'also in the bucket');
    await sbOk(['-c', cfg, 'restore', 'latest', '--app', 'site', '--yes']);
    expect(await readFile(join(web, 'cache', 'another.html'), 'utf8')).toBe('cached later');
    expect(await readFile(join(web, 'media', 'video.mp4'), 'utf8')).toBe('also in the bucket');
    expect(await readFile(join(web, 'media', 'photo.jpg'), 'utf8')).toBe('in the bucket');
  });

  it('keeps a folder the snapshot was taken without, though the config no longer excludes it (the snapshot records its excludes)', async () => {
    const later = join(tmp.path, 'later.yaml');
    await writeFile(later, (await readFile(cfg, 'utf8')).replace('        offloaded: ["media/"]\n', ''));
    expect(await readFile(later, 'utf8')).not.toMatch(/offloaded/);
    await sbOk(['-c', later, 'restore', 'latest', '--app', 'site', '--yes']);
    expect(await readFile(join(web, 'media', 'photo.jpg'), 'utf8')).toBe('in the bucket');
  });

  it.runIf(canMount)(
    'never removes anything on another filesystem mounted inside the tree (needs root to mount a tmpfs)',
    async () => {
      const mnt = join(web, 'uploads', 'bucket');
      await mkdir(mnt, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', 'none', mnt]);
      mounted.push(mnt);
      await writeFile(join(mnt, 'user-file.png'), 'precious');
      const res = await sbOk(['-c', cfg, 'restore', 'latest', '--app', 'site', '--yes']);
      expect(await readFile(join(mnt, 'user-file.png'), 'utf8')).toBe('precious');
      expect(res.stderr).toMatch(/bucket: on another filesystem \(a mount\): left alone/);
    },
  );

  it('never removes a repository that lies inside the tree (left out of the backup, kept by the restore)', async () => {
    // An operator keeps a second repository under the webroot: the backup leaves it out, so to the replacing
    // restore it is "added since the snapshot" -- and removing it would delete backups.
    const inner = join(web, 'private', 'backups');
    const innerCfg = join(tmp.path, 'inner.yaml');
    await writeFile(
      innerCfg,
      (await readFile(cfg, 'utf8')).replace(`location: ${join(tmp.path, 'repo')}`, `location: ${inner}`),
    );
    await sbOk(['-r', inner, 'init']);
    const b = await sbOk(['-c', innerCfg, 'backup', '--app', 'site']);
    expect(b.stderr).toMatch(/is inside the backed-up path; it is left out/);
    await sbOk(['-c', innerCfg, 'restore', 'latest', '--app', 'site', '--yes']);
    expect(existsSync(join(inner, 'config'))).toBe(true);
    await sbOk(['-r', inner, 'check', '--read-data']);
    // The directory holding it (not in the snapshot) is kept too, as far as needed to keep the repository.
    expect(existsSync(join(web, 'private'))).toBe(true);
  });
});
