// The whole CLI on a mirrored repository: an sftp: primary (the test sshd) with an S3 mirror (s3rver behind a proxy
// that can fail every request). Init makes both; a backup with the mirror down succeeds, degraded, and status exits 6
// until sync; a sync killed with SIGKILL is run again and both stores check clean; with 30% of the primary's packs
// deleted, or with bytes flipped in 30%, every snapshot restores byte-exact with the fallbacks named;
// check --repair mends the primary; with the primary's server stopped, snapshots and restore work from the mirror. And
// copy to another repository, twice.
import { chmod, open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/util/treediff.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { s3ServerOrSkip, type S3Server } from '../support/s3-server.js';
import { haveSshd, type SshServer, startSshd } from '../support/sshd.js';
import { jsonOut, sb, sbOk, tempDir } from './helpers.js';
import { randomBytesFor, spawnSb } from './proc.js';
import { makeTree } from './tree-fixture.js';

const MiB = 1024 * 1024;
const s3 = haveSshd() ? await s3ServerOrSkip() : null;
afterAll(() => s3?.stop());

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface BackupJson {
  id: string;
  degraded: { store: string; reason: string }[] | null;
}

describe.skipIf(!s3)('a mirrored repository through the CLI (sftp primary, S3 mirror)', () => {
  let sshd: SshServer;
  let proxy: FaultProxy;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let config: string;
  let primaryDir: string;
  let mirror: string;
  let env: NodeJS.ProcessEnv;
  const r = (args: string[], want = 0) => sbOk(['-c', config, ...args], want, { env });
  // The proxy reads the rates object it was given: changed in place, every request fails (503) or none does.
  const mirrorDown = (down: boolean) => {
    proxy.rates.error = down ? 1 : 0;
  };
  const packs = async () =>
    (await readdir(join(primaryDir, 'data'), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .sort();
  /**
   * Restores every snapshot byte-exact: the newest is the tree as it is, the two older ones the tree as it was
   * before big.bin (and new-upload.bin) were added. Returns what the restores printed on stderr.
   */
  const restoreEvery = async (tag: string) => {
    const list = JSON.parse((await r(['--json', 'snapshots'])).stdout) as { id: string }[];
    expect(list.length).toBe(3);
    const added = [[], ['big.bin'], ['big.bin', 'new-upload.bin']];
    let warnings = '';
    for (const [i, s] of list.entries()) {
      const out = join(tmp.path, `${tag}-${s.id}`);
      warnings += (await r(['restore', s.id, '--target', out])).stderr;
      const diffs = await diffTrees(src, join(out, src));
      expect(diffs.map((d) => d.replace(/^missing in .*?: /, 'missing: ')).sort()).toEqual(
        added[i].map((f) => `missing: ${f}`),
      );
    }
    return warnings;
  };

  beforeAll(async () => {
    sshd = await startSshd();
    proxy = await startFaultProxy((s3 as S3Server).port, { error: 0, reset: 0, stall: 0 }, 11);
    tmp = await tempDir('sb-e2e-mirror-');
    src = join(tmp.path, 'site');
    await makeTree(src, 20261202);
    primaryDir = join(sshd.dir, 'repo');
    mirror = s3!.freshLocation('mirror').replace(`:${s3!.port}/`, `:${proxy.port}/`);
    config = join(tmp.path, 'strongbox.yaml');
    await writeFile(
      config,
      [
        'repositories:',
        '  main:',
        `    location: ${sshd.location(primaryDir)}`,
        '    mirrors:',
        `      - location: ${mirror}`,
        '        options: { timeout: 2s, connectTimeout: 2s }',
        'apps:',
        '  - id: site',
        '    repository: main',
        `    files: [{ name: web, path: ${src} }]`,
        '',
      ].join('\n'),
    );
    env = { ...sshd.env(), ...s3!.env };
  });
  afterAll(async () => {
    await proxy?.close();
    await sshd?.stop();
    await tmp?.cleanup();
  });

  it('init creates the primary and the mirror; a backup reaches both and check is clean on each', async () => {
    const init = JSON.parse((await r(['--json', 'init', '--pack-size-mib', '1'])).stdout);
    expect(init.mirrors).toEqual([mirror]);
    const b = jsonOut<BackupJson>((await r(['--json', 'backup', '--app', 'site'])).stdout);
    expect(b.degraded).toBeNull();
    const check = jsonOut((await r(['--json', 'check', '--read-data'])).stdout);
    expect(check.stores.map((s: { location: string; outcome: string }) => s.outcome)).toEqual(['ok', 'ok']);
    const st = JSON.parse((await r(['--json', 'status'])).stdout);
    expect(st.repositories[0].stores.map((s: { state: string }) => s.state)).toEqual(['ok', 'ok']);
  }, 300_000);

  it('a backup with the mirror down succeeds, degraded; status exits 6 naming the mirror until sync; then check is clean on both', async () => {
    mirrorDown(true);
    await writeFile(join(src, 'new-upload.bin'), randomBytesFor('mirror-e2e:new', 3 * MiB));
    const res = await r(['--json', 'backup', '--app', 'site']);
    const b = jsonOut<BackupJson>(res.stdout);
    expect(b.degraded?.map((d) => d.store)).toEqual([mirror]);
    expect(res.stdout).toContain('degraded until');
    mirrorDown(false);
    const st = await r(['status'], 6);
    expect(st.stderr).toMatch(new RegExp(`mirror ${escape(mirror)} is degraded: it lacks .*${b.id.slice(0, 8)}`));
    const sync = jsonOut((await r(['--json', 'sync'])).stdout);
    expect(sync.stores[1].copied.snapshot).toBe(1);
    expect(sync.stores[1].copied.data).toBeGreaterThan(0);
    await r(['status']);
    const check = jsonOut((await r(['--json', 'check', '--read-data'])).stdout);
    expect(check.stores.map((s: { outcome: string }) => s.outcome)).toEqual(['ok', 'ok']);
  }, 300_000);

  it('a sync killed with SIGKILL mid-copy is run again; then both stores check clean', async () => {
    mirrorDown(true);
    await writeFile(join(src, 'big.bin'), randomBytesFor('mirror-e2e:big', 12 * MiB));
    await r(['backup', '--app', 'site']);
    mirrorDown(false);
    const run = spawnSb(['-c', config, '--json', 'sync'], env);
    let out = '';
    await new Promise<void>((resolve) => {
      run.child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        // Killed once a few objects were copied: some of the new packs are on the mirror, the rest are not.
        if (/"phase":"sync","unit":"objects","done":3,/.test(out)) resolve();
      });
      void run.done.then(() => resolve());
    });
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    const sync = jsonOut((await r(['--json', 'sync'])).stdout);
    expect(sync.outcome).toBe('ok');
    expect(sync.stores[1].copied.snapshot).toBe(1);
    const check = jsonOut((await r(['--json', 'check', '--read-data'])).stdout);
    expect(check.stores.map((s: { outcome: string }) => s.outcome)).toEqual(['ok', 'ok']);
  }, 300_000);

  it("with 30% of the primary's packs deleted, every snapshot restores byte-exact and the fallbacks are named", async () => {
    const gone = (await packs()).filter((_, i) => i % 10 < 3);
    expect(gone.length).toBeGreaterThan(3);
    for (const p of gone) await rm(p);
    const warnings = await restoreEvery('restore-deleted');
    // Every deleted pack holds blobs of some snapshot: each is named where a restore read it from the mirror.
    for (const p of gone) expect(warnings).toContain(`data ${p.split('/').pop()!} was read from ${mirror} (`);
    const check = jsonOut((await r(['--json', 'check'], 1)).stdout);
    expect(check.stores.map((s: { outcome: string }) => s.outcome)).toEqual(['errors', 'ok']);
    const repair = jsonOut((await r(['--json', 'check', '--repair'])).stdout);
    expect(repair.stores[0].copied.data).toBe(gone.length);
    const after = jsonOut((await r(['--json', 'check', '--read-data'])).stdout);
    expect(after.stores.map((s: { outcome: string }) => s.outcome)).toEqual(['ok', 'ok']);
  }, 300_000);

  it("with bytes flipped in 30% of the primary's packs, every snapshot restores byte-exact, each damaged pack named; check --repair mends them", async () => {
    const hit = (await packs()).filter((_, i) => i % 10 >= 7);
    // One byte in the middle of each pack: inside some blob, which then fails authentication on the primary.
    for (const p of hit) {
      await chmod(p, 0o644);
      const fh = await open(p, 'r+');
      const { size } = await fh.stat();
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, Math.floor(size / 2));
      b[0] ^= 0xff;
      await fh.write(b, 0, 1, Math.floor(size / 2));
      await fh.close();
    }
    const warnings = await restoreEvery('restore-flipped');
    // Each damaged pack holds a blob some snapshot needs: named where a restore read it (whole, or the blobs it needed)
    // from the mirror.
    for (const name of hit.map((p) => p.split('/').pop()!)) {
      const read = `(data ${name} was|blobs of pack ${name} were|blob [0-9a-f]{64} in pack ${name} was)`;
      expect(warnings).toMatch(new RegExp(`${read} read from ${escape(mirror)} \\(`));
    }
    const repair = jsonOut((await r(['--json', 'check', '--repair'])).stdout);
    expect(repair.stores[0].repaired.length).toBe(hit.length);
    const check = jsonOut((await r(['--json', 'check', '--read-data'])).stdout);
    expect(check.stores.map((s: { outcome: string }) => s.outcome)).toEqual(['ok', 'ok']);
  }, 300_000);

  it('copies to another repository with its own password; a second copy copies nothing; the copy restores byte-exact', async () => {
    const target = join(tmp.path, 'laptop');
    const pw = { LAPTOP_PW: 'the laptop copy has its own key' };
    await sbOk(['-r', target, 'init'], 0, { env: { STRONGBOX_PASSWORD: pw.LAPTOP_PW } });
    const first = jsonOut(
      (
        await sbOk(
          ['-c', config, '--json', 'copy', '--app', 'site', '--to', target, '--to-password-env', 'LAPTOP_PW'],
          0,
          { env: { ...env, ...pw } },
        )
      ).stdout,
    );
    expect(first.copied).toHaveLength(3);
    const second = jsonOut(
      (
        await sbOk(
          ['-c', config, '--json', 'copy', '--app', 'site', '--to', target, '--to-password-env', 'LAPTOP_PW'],
          0,
          { env: { ...env, ...pw } },
        )
      ).stdout,
    );
    expect(second).toMatchObject({ copied: [], blobsAdded: 0, blobsRead: 0 });
    expect(second.skipped).toHaveLength(3);
    await sbOk(['-r', target, 'restore', 'latest', '--target', join(tmp.path, 'restore-laptop')], 0, {
      env: { STRONGBOX_PASSWORD: pw.LAPTOP_PW },
    });
    expect(await diffTrees(src, join(tmp.path, 'restore-laptop', src))).toEqual([]);
  }, 300_000);

  it("with the primary's server stopped, snapshots and restore work from the mirror", async () => {
    await sshd.stop();
    const list = JSON.parse((await r(['--json', 'snapshots'])).stdout) as { id: string }[];
    expect(list.length).toBe(3);
    const res = await r(['restore', 'latest', '--target', join(tmp.path, 'restore-primary-gone')]);
    expect(await diffTrees(src, join(tmp.path, 'restore-primary-gone', src))).toEqual([]);
    expect(res.stderr).toMatch(
      /store sftp:\S+ of sftp:\S+ failed .*: \d+ write\(s\) or read\(s\) went to the other stores only/,
    );
    const st = await sb(['-c', config, 'status'], { env });
    expect(st.code).toBe(6);
    expect(st.stderr).toContain('does not answer');
  }, 300_000);
});
