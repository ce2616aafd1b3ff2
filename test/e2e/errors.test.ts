// Whole-CLI error behaviour: each failure maps to the exit status in src/errors.ts, with a message that
// says what failed and what to do; incomplete backups still save what could be read.
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/index.js';
import { ERROR_CODES } from '../../src/errors.js';
import { sha256Hex } from '../../src/repository/crypto.js';
import { sealObject } from '../../src/repository/objects.js';
import { Repository } from '../../src/repository/repository.js';
import { CLI, PASSWORD, ROOT, sbOk, tempDir, jsonOut } from './helpers.js';

const hasSetpriv = (() => {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const isRoot = process.getuid?.() === 0;

/** Run the CLI as user nobody (uid/gid 65534), so file permissions apply even though the tests run as root. */
function sbAsNobody(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args],
      { cwd: ROOT, env: { ...process.env, STRONGBOX_PASSWORD: PASSWORD, HOME: '/nonexistent' } },
      (err, stdout, stderr) => res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('errors and exit statuses', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let repo: string;
  let src: string;
  let snapId: string;
  const r = (args: string[], want = 0, env?: NodeJS.ProcessEnv) => sbOk(['-r', repo, ...args], want, { env });

  beforeAll(async () => {
    tmp = await tempDir('sb-errors-');
    repo = join(tmp.path, 'repo');
    src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'a.txt'), 'a\n');
    await r(['init']);
    snapId = (jsonOut((await r(['--json', 'backup', src])).stdout) as { id: string }).id;
  });
  afterAll(async () => tmp?.cleanup());

  it('a wrong password exits 12 and says no key opens the repository', async () => {
    const res = await r(['snapshots'], 12, { STRONGBOX_PASSWORD: 'not the password' });
    expect(res.stderr).toMatch(/no key .* opens with the given password/);
    expect(res.stderr).not.toContain('not the password');
  });

  it('no password at all exits 12 and says where a password can come from', async () => {
    const res = await r(['snapshots'], 12, { STRONGBOX_PASSWORD: '' });
    expect(res.stderr).toMatch(/STRONGBOX_PASSWORD/);
    expect(res.stderr).toMatch(/--password-file/);
  });

  it('an unreadable --password-file exits 12; a readable one works', async () => {
    await r(['--password-file', join(tmp.path, 'nope'), 'snapshots'], 12, { STRONGBOX_PASSWORD: '' });
    await writeFile(join(tmp.path, 'pw'), `${PASSWORD}\n`);
    await r(['--password-file', join(tmp.path, 'pw'), 'snapshots'], 0, { STRONGBOX_PASSWORD: '' });
  });

  it('--password-command supplies the password; a failing command exits 12', async () => {
    await r(['--password-command', `printf '%s\\n' '${PASSWORD}'`, 'snapshots'], 0, { STRONGBOX_PASSWORD: '' });
    const res = await r(['--password-command', 'exit 7', 'snapshots'], 12, { STRONGBOX_PASSWORD: '' });
    expect(res.stderr).toMatch(/password command exited with status/);
  });

  it('a failing --password-command is reported without its text or its output (they may hold secrets)', async () => {
    const res = await r(['--password-command', 'printf "S3CRET\\n"; exit 1', 'snapshots'], 12, {
      STRONGBOX_PASSWORD: '',
    });
    expect(res.stderr).toMatch(/the password command exited with status 1/);
    expect(res.stderr + res.stdout).not.toContain('S3CRET');
  });

  it('a --password-command that hangs is killed after --password-command-timeout and exits 12', async () => {
    const t0 = Date.now();
    const res = await r(['--password-command', 'sleep 1000', '--password-command-timeout', '1s', 'snapshots'], 12, {
      STRONGBOX_PASSWORD: '',
    });
    expect(res.stderr).toMatch(/password command did not finish within 1 s and was killed/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('a missing repository exits 10 and suggests strongbox init', async () => {
    const res = await sbOk(['-r', join(tmp.path, 'nothing-here'), 'snapshots'], 10);
    expect(res.stderr).toMatch(/no repository at .*strongbox init/);
  });

  it('no repository location at all is a usage error (exit 2)', async () => {
    const res = await sbOk(['snapshots'], 2, { env: { STRONGBOX_REPOSITORY: '' } });
    expect(res.stderr).toMatch(/--repo/);
  });

  it('init on an existing repository exits 1 and leaves it usable', async () => {
    const res = await r(['init'], 1);
    expect(res.stderr).toMatch(/already exists/);
    await r(['snapshots']);
  });

  it('an unknown snapshot ID exits 1 (not found)', async () => {
    const other = snapId.startsWith('0000') ? 'ffff' : '0000';
    const res = await r(['restore', other, '--target', join(tmp.path, 'unused')], 1);
    expect(res.stderr).toMatch(/no snapshot 0000|no snapshot ffff/);
  });

  it.each(['xyz!', 'abc', 'latest2', '12345g'])('an invalid snapshot ID %j is a usage error (exit 2)', async (ref) => {
    const res = await r(['ls', ref], 2);
    expect(res.stderr).toMatch(/not a snapshot ID/);
  });

  it('an ambiguous snapshot ID prefix is a usage error (exit 2) asking for more characters', async () => {
    // Seal copies of a snapshot until two IDs share a 4-character prefix (birthday bound: a few hundred).
    const rp = await Repository.open(await openBackend(repo), PASSWORD);
    const body = Buffer.from(JSON.stringify(await rp.snapshots.load(snapId)));
    const seen = new Map<string, Buffer>();
    let pair: [Buffer, Buffer, string] | null = null;
    for (let i = 0; i < 20_000 && !pair; i++) {
      const sealed = sealObject(rp.key.encKey, 'snapshot', body);
      const prefix = sha256Hex(sealed).slice(0, 4);
      const prev = seen.get(prefix);
      if (prev) pair = [prev, sealed, prefix];
      else seen.set(prefix, sealed);
    }
    expect(pair).not.toBeNull();
    for (const s of pair!.slice(0, 2) as Buffer[]) await rp.save({ type: 'snapshot', name: sha256Hex(s) }, s);
    const res = await r(['ls', pair![2]], 2);
    expect(res.stderr).toMatch(/ambiguous/);
    await r(['ls', sha256Hex(pair![0]).slice(0, 12)]); // a longer prefix picks one
    for (const s of pair!.slice(0, 2) as Buffer[]) await rp.backend.remove({ type: 'snapshot', name: sha256Hex(s) });
  });

  it('backup of a path that does not exist is a usage error (exit 2) and saves no snapshot', async () => {
    const res = await r(['backup', join(tmp.path, 'no-such-dir')], 2);
    expect(res.stderr).toMatch(/cannot back up/);
    expect(jsonOut((await r(['--json', 'snapshots'])).stdout)).toHaveLength(1);
  });

  it('a repository of a newer format version is refused with exit 1 and a request to upgrade, before any password', async () => {
    const newer = join(tmp.path, 'newer');
    await sbOk(['-r', newer, 'init']);
    const cfgPath = join(newer, 'config');
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8')) as { version: number };
    cfg.version = 2;
    await chmod(cfgPath, 0o644);
    await writeFile(cfgPath, JSON.stringify(cfg));
    for (const env of [{ STRONGBOX_PASSWORD: '' }, {}]) {
      const res = await sbOk(['-r', newer, 'snapshots'], 1, { env });
      expect(res.stderr).toMatch(/version 2 is newer|newer than this strongbox/);
      expect(res.stderr).toMatch(/upgrade strongbox/);
    }
  });

  it('a tampered config (same version) is rejected as an integrity error (exit 1)', async () => {
    const t = join(tmp.path, 'tampered');
    await sbOk(['-r', t, 'init']);
    const cfgPath = join(t, 'config');
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8')) as { packSize: number };
    cfg.packSize = 1024;
    await chmod(cfgPath, 0o644);
    await writeFile(cfgPath, JSON.stringify(cfg));
    const res = await sbOk(['-r', t, 'snapshots'], 1);
    expect(res.stderr).toMatch(/config authentication failed/);
  });

  it('unknown commands and options are usage errors (exit 2)', async () => {
    await sbOk(['frobnicate'], 2);
    await r(['backup', '--no-such-option', src], 2);
    await r(['check', '--read-data-subset', '150%'], 2);
  });

  it('--help lists every exit status and what it means', async () => {
    const res = await sbOk(['--help']);
    expect(res.stdout).toMatch(/Exit status:/);
    expect(res.stdout).toMatch(/^\s+0\s+success/m);
    for (const [code, v] of Object.entries(ERROR_CODES)) {
      expect(res.stdout).toMatch(new RegExp(`^\\s+${v.exit}\\s.*\\b${code}\\b`, 'm'));
    }
  });

  it.skipIf(!hasSetpriv || !isRoot)(
    'a backup that cannot read some files exits 3, saves an incomplete snapshot naming them, and the rest restores',
    async () => {
      const shared = await tempDir('sb-errors-nobody-');
      try {
        await chmod(shared.path, 0o777);
        const nsrc = join(shared.path, 'src');
        await mkdir(join(nsrc, 'locked-dir'), { recursive: true });
        await writeFile(join(nsrc, 'ok.txt'), 'readable\n');
        await writeFile(join(nsrc, 'secret.txt'), 'unreadable\n');
        await writeFile(join(nsrc, 'locked-dir/inside.txt'), 'unlisted\n');
        await chmod(join(nsrc, 'secret.txt'), 0o000);
        await chmod(join(nsrc, 'locked-dir'), 0o000);
        const nrepo = join(shared.path, 'repo');
        expect((await sbAsNobody(['-r', nrepo, 'init'])).code).toBe(0);
        const res = await sbAsNobody(['-r', nrepo, 'backup', nsrc]);
        expect(res.code).toBe(3);
        expect(res.stderr).toMatch(/secret\.txt/);
        expect(res.stderr).toMatch(/incomplete/);
        const [snap] = jsonOut((await sbOk(['-r', nrepo, '--json', 'snapshots'])).stdout) as {
          incomplete?: { errors: { path: string; message: string }[] };
        }[];
        const paths = snap.incomplete!.errors.map((e) => e.path);
        expect(paths).toContain(join(nsrc, 'secret.txt'));
        expect(paths).toContain(join(nsrc, 'locked-dir'));
        expect(snap.incomplete!.errors.every((e) => /EACCES|permission denied/i.test(e.message))).toBe(true);
        expect((await sbOk(['-r', nrepo, 'snapshots'])).stdout).toMatch(/incomplete/);
        const out = join(shared.path, 'out');
        await sbOk(['-r', nrepo, 'restore', `latest:${nsrc}`, '--target', out]);
        expect(await readFile(join(out, 'ok.txt'), 'utf8')).toBe('readable\n');
        await expect(readFile(join(out, 'secret.txt'))).rejects.toThrow(/ENOENT/);
      } finally {
        await shared.cleanup();
      }
    },
  );
});
