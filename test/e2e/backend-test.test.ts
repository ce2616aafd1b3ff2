// `strongbox backend test` against real stores: a local directory, the S3-protocol server and a private sshd.
// Each passes every check, reports latency and throughput, and is left as it was; a bad location is a clear error.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ServerOrSkip } from '../support/s3-server.js';
import { haveSshd, startSshd, type SshServer } from '../support/sshd.js';
import { sb, sbOk, tempDir } from './helpers.js';

interface Report {
  location: string;
  scratch: string;
  outcome: string;
  checks: { name: string; state: string; detail: string }[];
  latency: Record<string, { count: number; medianMs: number }>;
  throughput: { bytes: number; uploadBytesPerSecond: number; downloadBytesPerSecond: number };
  leftovers: string[];
}

const CHECKS = [
  'create the layout',
  'write, read back, stat',
  'list after write',
  'ranged read',
  'read of a missing object',
  'exclusive create refuses an existing object',
  'exclusive create is atomic',
  'remove, then stat and list',
  'latency',
  'throughput',
];

/** `atomic`: what a store that declares no atomic create gets for it (a warning: locks re-check after a delay). */
function expectAllPass(r: Report, location: string, atomic = 'pass'): void {
  expect(r.location).toBe(location);
  expect(r.scratch.startsWith(`${location}/strongbox-backend-test-`)).toBe(true);
  expect(r.checks.map((c) => `${c.name}: ${c.state}`)).toEqual(
    CHECKS.map((c) => `${c}: ${c === 'exclusive create is atomic' ? atomic : 'pass'}`),
  );
  expect(r.outcome).toBe('ok');
  expect(r.latency.save.count).toBe(20);
  expect(r.throughput.bytes).toBe(2 << 20);
  expect(r.throughput.uploadBytesPerSecond).toBeGreaterThan(0);
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir('sb-backend-test-');
});
afterAll(async () => tmp?.cleanup());

describe('strongbox backend test on a local directory', () => {
  it('passes every check, prints a table, and leaves the directory as it was', async () => {
    const store = join(tmp.path, 'store');
    await mkdir(store);
    await writeFile(join(store, 'keep.txt'), 'the user’s file');
    const human = await sbOk(['backend', 'test', store, '--size-mib', '2']);
    expect(human.stdout).toMatch(/exclusive create is atomic\s+PASS/);
    expect(human.stdout).toMatch(/throughput \(2\.00 MiB\): upload .*\/s, download .*\/s/);
    const r = JSON.parse((await sbOk(['--json', 'backend', 'test', store, '--size-mib', '2'])).stdout) as Report;
    expectAllPass(r, store);
    expect(r.leftovers).toEqual([]);
    expect(await readdir(store)).toEqual(['keep.txt']);
  });

  it('tests the repository -r names when no location is given', async () => {
    const store = join(tmp.path, 'by-flag');
    const r = JSON.parse((await sbOk(['-r', store, '--json', 'backend', 'test', '--size-mib', '1'])).stdout) as Report;
    expect(r.location).toBe(store);
    expect(r.outcome).toBe('ok');
  });

  it('refuses a bad size with exit 2, and a store it cannot write with exit 1 naming the checks', async () => {
    for (const size of ['0', '4097', 'abc', '1.5']) {
      const bad = await sb(['backend', 'test', join(tmp.path, 'x'), '--size-mib', size]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`--size-mib ${size}: give a whole number of MiB from 1 to 4096`);
    }
    const file = join(tmp.path, 'a-file');
    await writeFile(file, 'not a directory');
    const r = await sb(['backend', 'test', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file} failed`);
    expect(r.stderr).toContain('create the layout');
  });
});

const s3 = await s3ServerOrSkip();
afterAll(() => s3?.stop());

describe.skipIf(!s3)('strongbox backend test on the S3-protocol server', () => {
  it('passes every check (an exclusive create that is not atomic, as declared, is a warning) and removes every object it wrote', async () => {
    const location = s3!.freshLocation('probe');
    const r = JSON.parse(
      (await sbOk(['--json', 'backend', 'test', location, '--size-mib', '2'], 0, { env: s3!.env })).stdout,
    ) as Report & {
      capabilities: { atomicCreate: boolean };
    };
    expectAllPass(r, location, r.capabilities.atomicCreate ? 'pass' : 'warn');
    expect(r.leftovers).toEqual([]);
    const objects = (await readdir(s3!.dir, { recursive: true })).filter((n) => String(n).endsWith('._S3rver_object'));
    expect(objects).toEqual([]);
  });
});

describe.skipIf(!haveSshd())('strongbox backend test on an sftp: store', () => {
  let sshd: SshServer;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => sshd?.stop());

  it('passes every check, removes its objects, and names the empty directories it leaves', async () => {
    const dir = join(sshd.dir, 'store');
    const location = sshd.location(dir);
    const r = JSON.parse(
      (await sbOk(['--json', 'backend', 'test', location, '--size-mib', '2'], 0, { env: sshd.env() })).stdout,
    ) as Report;
    expectAllPass(r, location);
    expect(r.leftovers).toEqual([`the empty layout directories under ${r.scratch}`]);
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(files).toEqual([]);
  });
});
