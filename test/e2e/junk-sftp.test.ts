// A remote repository degrades, never locks up (issue 14, item 2, "on one remote backend"): the junk cases of
// junk.test.ts on an sftp: repository served by a private sshd. The server's files are on this machine, so the
// test plants junk straight into the directory the SFTP server serves; strongbox sees it only over SFTP.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';
import { jsonOut, sb, sbOk, tempDir } from './helpers.js';
import { randomBytesFor } from './proc.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!haveSshd())('junk objects in an sftp: repository', () => {
  let sshd: SshServer;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let pristine: string;
  let ids: string[] = [];
  let n = 0;
  const run = (args: string[], want = 0) => sbOk(args, want, { env: sshd.env() });
  const runAny = (args: string[]) => sb(args, { env: sshd.env() });

  /** A copy of the pristine repository with `bytes` planted in DIR under their SHA-256: [directory, location]. */
  async function withJunk(dir: string, bytes: Buffer): Promise<{ path: string; loc: string; junk: string }> {
    const path = join(sshd.dir, `copy-${n++}`);
    execFileSync('cp', ['-a', pristine, path]);
    const junk = sha(bytes);
    await writeFile(join(path, dir, junk), bytes);
    return { path, loc: sshd.location(path), junk };
  }
  const restoresIntact = async (loc: string) => {
    const target = join(tmp.path, `out-${n++}`);
    await run(['-r', loc, 'restore', ids[0]!.slice(0, 8), '--target', target]);
    expect(await readFile(join(target, src, 'a.bin'))).toEqual(await readFile(join(src, 'a.bin')));
  };

  beforeAll(async () => {
    sshd = await startSshd();
    tmp = await tempDir('sb-junk-sftp-');
    src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'a.bin'), randomBytesFor('junk-sftp:a', 200 * 1024));
    pristine = join(sshd.dir, 'pristine');
    const loc = sshd.location(pristine);
    await run(['-r', loc, 'init', '--pack-size-mib', '1']);
    await run(['-r', loc, '-q', 'backup', src]);
    ids = (jsonOut((await run(['-r', loc, '--json', 'snapshots'])).stdout) as { id: string }[]).map((s) => s.id);
    expect(ids).toHaveLength(1);
  });
  afterAll(async () => {
    await sshd?.stop();
    await tmp?.cleanup();
  });

  it.each([
    ['random bytes', randomBytes(700)],
    ['an empty file', Buffer.alloc(0)],
  ])(
    '%s in snapshots/: listed around, intact restore works, check names it, repair snapshots quarantines it',
    async (_what, bytes) => {
      const { path, loc, junk } = await withJunk('snapshots', bytes);
      const list = await run(['-r', loc, '--json', 'snapshots']);
      expect((JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id)).toEqual(ids);
      expect(list.stderr).toMatch(new RegExp(`warning: .*snapshot ${junk.slice(0, 8)}`));
      await restoresIntact(loc);
      const check = await runAny(['-r', loc, 'check']);
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(new RegExp(`snapshot ${junk.slice(0, 8)}`));
      await run(['-r', loc, 'repair', 'snapshots']);
      expect((await readdir(join(path, 'quarantine'))).some((f) => f.startsWith(`snapshot-${junk}`))).toBe(true);
      await run(['-r', loc, 'check']);
    },
  );

  it('junk in index/: restore works with a warning naming it; repair index quarantines it and check passes', async () => {
    const { path, loc, junk } = await withJunk('index', randomBytes(500));
    const target = join(tmp.path, `out-${n++}`);
    const r = await run(['-r', loc, 'restore', 'latest', '--target', target]);
    expect(r.stderr).toMatch(new RegExp(`index ${junk.slice(0, 8)}`));
    expect((await runAny(['-r', loc, 'check'])).code).toBe(1);
    await run(['-r', loc, 'repair', 'index']);
    expect((await readdir(join(path, 'quarantine'))).some((f) => f.startsWith(`index-${junk}`))).toBe(true);
    await run(['-r', loc, 'check', '--read-data']);
    await restoresIntact(loc);
  });

  it('junk in locks/: backups and restores go on; unlock moves it to quarantine/ and check passes', async () => {
    const { path, loc, junk } = await withJunk('locks', randomBytes(300));
    await restoresIntact(loc);
    expect((await runAny(['-r', loc, 'check'])).code).toBe(1);
    await run(['-r', loc, 'unlock']);
    expect(await readdir(join(path, 'locks'))).not.toContain(junk);
    expect((await readdir(join(path, 'quarantine'))).some((f) => f.startsWith(`lock-${junk}`))).toBe(true);
    await run(['-r', loc, 'check']);
  });
});
