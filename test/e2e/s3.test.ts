// The whole CLI against an S3-protocol server (s3rver on loopback, or a real bucket with
// STRONGBOX_TEST_S3_LOCATION): init, backup, an unchanged backup, byte-exact restore, check --read-data,
// forget --prune, a backup killed with SIGKILL then backup + check; and the errors people meet first.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTrees } from '../../src/util/treediff.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { realBucket, s3ServerOrSkip, type S3Server } from '../support/s3-server.js';
import { jsonOut, ROOT, sb, sbOk, tempDir } from './helpers.js';
import { randomBytesFor, spawnSb } from './proc.js';
import { type Fixture, makeTree, mutateTree } from './tree-fixture.js';

const server = await s3ServerOrSkip();
const real = realBucket();
afterAll(() => server?.stop());

interface BackupJson {
  id: string;
  summary: { files: number; filesNew: number; filesChanged: number; filesUnmodified: number; dataAdded: number };
}

/** Every object file below `dir` (s3rver keeps each object as a file ending in ._S3rver_object). */
async function storedObjects(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('._S3rver_object')) out.push(join(e.parentPath, e.name));
  }
  return out;
}

const targets: { name: string; location: () => string; env: Record<string, string>; dir?: string }[] = [];
if (server) targets.push({ name: 's3rver', location: () => server.freshLocation(), env: server.env, dir: server.dir });
if (real) targets.push({ name: 'STRONGBOX_TEST_S3_LOCATION', location: () => real.freshLocation(), env: {} });

describe.skipIf(targets.length === 0).each(targets)('the CLI on S3 ($name)', (target) => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let src: string;
  let location: string;
  let fx: Fixture;
  const r = (args: string[], want = 0) => sbOk(['-r', location, ...args], want, { env: target.env });
  const backup = async (...extra: string[]) =>
    jsonOut((await r(['--json', 'backup', ...extra, src])).stdout) as BackupJson;

  beforeAll(async () => {
    tmp = await tempDir('sb-s3-');
    src = join(tmp.path, 'src');
    location = target.location();
    fx = await makeTree(src, 20261201);
    await r(['init', '--pack-size-mib', '1']);
  });
  afterAll(async () => tmp?.cleanup());

  it('backs up, stores nothing new for an unchanged tree, restores byte-exact and checks every byte', async () => {
    const first = await backup();
    expect(first.summary.filesNew).toBe(first.summary.files);
    const again = await backup();
    expect(again.summary).toMatchObject({ filesNew: 0, filesChanged: 0, filesUnmodified: first.summary.files });
    // No file data: at most the trees of the ancestor directories, whose metadata (/tmp's mtime) others change.
    expect(again.summary.dataAdded).toBeLessThan(2048);
    const out = join(tmp.path, 'restore-1');
    await r(['restore', 'latest', '--target', out]);
    expect(await diffTrees(src, join(out, src))).toEqual([]);
    await r(['check', '--read-data']);
  });

  it('forgets and prunes, and what is left still checks and restores', async () => {
    await mutateTree(src, fx, 7);
    await backup();
    await r(['forget', '--keep-last', '1', '--prune']);
    const list = jsonOut((await r(['--json', 'snapshots'])).stdout) as unknown[];
    expect(list).toHaveLength(1);
    await r(['check', '--read-data']);
    const out = join(tmp.path, 'restore-2');
    await r(['restore', 'latest', '--target', out]);
    expect(await diffTrees(src, join(out, src))).toEqual([]);
  });

  it('recovers from a backup killed with SIGKILL mid-upload: the next backup and check --read-data pass', async () => {
    // 24 MiB of incompressible data in 1 MiB packs: the kill lands after the first new pack is stored.
    for (let i = 0; i < 6; i++)
      await writeFile(join(src, `big-${i}.bin`), randomBytesFor(`s3-kill-${i}`, 4 * 1024 * 1024));
    const before = target.dir ? (await storedObjects(target.dir)).length : 0;
    const run = spawnSb(['-r', location, '-q', 'backup', src], target.env);
    let exited = false;
    void run.done.then(() => {
      exited = true;
    });
    if (target.dir) {
      while (!exited && (await storedObjects(target.dir)).length < before + 3)
        await new Promise((res) => setTimeout(res, 20));
    } else {
      await new Promise((res) => setTimeout(res, 3000));
    }
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal, `the backup finished before the kill: ${killed.stderr}`).toBe('SIGKILL');
    // The dead process's lock is stale (this host, pid gone): the next backup removes it with a warning.
    await backup();
    await r(['check', '--read-data']);
    const out = join(tmp.path, 'restore-3');
    await r(['restore', 'latest', '--target', out]);
    expect(await diffTrees(src, join(out, src))).toEqual([]);
    await rm(out, { recursive: true, force: true });
  });
});

describe.skipIf(!server)('S3 options from strongbox.yaml', () => {
  const s = server as S3Server;

  it('takes credentials from the variables the options name; data packs go to the storage class asked for', async () => {
    const tmp = await tempDir('sb-s3-config-');
    try {
      const location = s.freshLocation();
      const config = join(tmp.path, 'strongbox.yaml');
      await writeFile(
        config,
        [
          'repositories:',
          '  main:',
          `    location: ${location}`,
          '    options:',
          '      accessKeyIdEnv: MY_S3_KEY',
          '      secretAccessKeyEnv: MY_S3_SECRET',
          '      storageClass: STANDARD_IA',
          '      connections: 2',
          '      timeout: 30s',
          '',
        ].join('\n'),
      );
      const env = { MY_S3_KEY: 'S3RVER', MY_S3_SECRET: 'S3RVER', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
      await sbOk(['-c', config, 'init'], 0, { env });
      await sbOk(['-c', config, 'backup', join(ROOT, 'src', 'backends')], 0, { env });
      const bucket = location.split('/')[3];
      const meta = async (type: string) => {
        const files = (await storedObjects(join(s.dir, bucket))).filter((f) => f.includes(`/repo/${type}`));
        return JSON.parse(await readFile(files[0].replace(/_object$/, '_metadata.json'), 'utf8')) as Record<
          string,
          string
        >;
      };
      expect((await meta('data/'))['x-amz-storage-class']).toBe('STANDARD_IA');
      expect((await meta('snapshots/'))['x-amz-storage-class']).toBeUndefined();
      // A variable the options name that is not set is a config error (exit 2) naming it.
      const unset = await sb(['-c', config, 'snapshots'], { env: { ...env, MY_S3_SECRET: '' } });
      expect(unset.code).toBe(2);
      expect(unset.stderr).toMatch(/\$MY_S3_SECRET, which is not set/);
      // An unknown option is refused before anything is sent.
      await writeFile(config, (await readFile(config, 'utf8')).replace('connections: 2', 'connectons: 2'));
      const typo = await sb(['-c', config, 'snapshots'], { env });
      expect(typo.code).toBe(2);
      expect(typo.stderr).toMatch(/invalid options for the s3 repository at .*connectons/);
    } finally {
      await tmp.cleanup();
    }
  });
});

describe.skipIf(!server)('S3 errors through the CLI', () => {
  const s = server as S3Server;
  const SECRET = 'sEcReT-that-must-not-appear';

  it('bad credentials: exit 1, a message naming the location and the credentials, never the secret', async () => {
    const location = s.freshLocation();
    await sbOk(['-r', location, 'init'], 0, { env: s.env });
    const env = { ...s.env, AWS_ACCESS_KEY_ID: 'AKIANOTAKEY', AWS_SECRET_ACCESS_KEY: SECRET };
    const res = await sb(['-r', location, 'snapshots'], { env });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(location);
    expect(res.stderr).toMatch(/credentials were refused/);
    expect(res.stdout + res.stderr).not.toContain(SECRET);
  });

  it('a missing bucket: exit 10, naming the location and the bucket', async () => {
    const res = await sb(['-r', `s3:${s.endpoint}/no-such-bucket/repo`, 'snapshots'], { env: s.env });
    expect(res.code).toBe(10);
    expect(res.stderr).toMatch(
      /no repository at s3:http:\/\/127\.0\.0\.1:\d+\/no-such-bucket\/repo \(bucket "no-such-bucket" does not exist/,
    );
  });

  it('an unreachable host: exit 1 after retries, naming the location and the refused connection', async () => {
    const location = 's3:http://127.0.0.1:1/bucket/repo';
    const res = await sb(['-r', location, 'snapshots'], { env: { ...s.env, AWS_SECRET_ACCESS_KEY: SECRET } });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(location);
    expect(res.stderr).toMatch(/connection refused/);
    expect(res.stderr).not.toContain(SECRET);
  }, 30_000);

  it('a location with credentials in it: a usage error that does not repeat them', async () => {
    const res = await sb(['-r', `s3:http://AKIA:${SECRET}@127.0.0.1:${s.port}/bucket`, 'snapshots'], { env: s.env });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/must not hold credentials/);
    expect(res.stderr).not.toContain(SECRET);
  });
});

describe.skipIf(!server)('the CLI on S3 through a faulty network', () => {
  const s = server as S3Server;

  it('backs up, checks every byte and restores exactly while a tenth of requests fail, reset or stall', async () => {
    // Exclusive saves (locks, config) meet s3rver's habit of keeping cut uploads: resets cut responses only here
    // (test/backends/s3-faults.test.ts cuts uploads too).
    const proxy = await startFaultProxy(s.port, { error: 0.1, reset: 0.03, stall: 0.02, resetResponsesOnly: true }, 7);
    const tmp = await tempDir('sb-s3-faults-');
    try {
      const location = s.freshLocation().replace(`:${s.port}/`, `:${proxy.port}/`);
      const config = join(tmp.path, 'strongbox.yaml');
      await writeFile(
        config,
        `repositories:\n  main:\n    location: ${location}\n    options: { timeout: 2s, connectTimeout: 2s }\n`,
      );
      const r = (args: string[]) => sbOk(['-c', config, ...args], 0, { env: s.env });
      const src = join(ROOT, 'src');
      await r(['init']);
      await r(['backup', src]);
      await r(['check', '--read-data']);
      const out = join(tmp.path, 'restore');
      await r(['restore', 'latest', '--target', out]);
      expect(await diffTrees(src, join(out, src))).toEqual([]);
      expect(proxy.counts.errors + proxy.counts.resets + proxy.counts.stalls).toBeGreaterThan(3);
      console.log(`CLI through the fault proxy: ${JSON.stringify(proxy.counts)}`);
    } finally {
      await proxy.close();
      await tmp.cleanup();
    }
  }, 300_000);
});
