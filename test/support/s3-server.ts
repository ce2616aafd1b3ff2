// An S3-protocol server for the tests: s3rver in a child process on a free loopback port, storing in a temp dir.
// Or a real bucket: STRONGBOX_TEST_S3_LOCATION (with the standard AWS credential variables) points the tests at it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { selfSignedCert } from './tls.js';

/** s3rver-main.mjs beside this file; from the benchmark's build (bench/.work/build/test/support), the checkout's copy. */
function findMain(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    for (const p of [path.join(dir, 's3rver-main.mjs'), path.join(dir, 'test', 'support', 's3rver-main.mjs')])
      if (existsSync(p)) return p;
  }
  throw new Error('cannot find test/support/s3rver-main.mjs');
}
const MAIN = findMain();

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export interface S3Server {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  port: number;
  /** The directory s3rver stores buckets in. */
  dir: string;
  /** The environment a client needs: credentials and region (and, over TLS, NODE_EXTRA_CA_CERTS for Node clients). */
  env: Record<string, string>;
  /** Over TLS: the self-signed certificate clients must trust (restic --cacert, NODE_EXTRA_CA_CERTS). */
  caFile?: string;
  /** A location in a fresh bucket (or a fresh prefix in the real bucket), e.g. s3:http://127.0.0.1:41234/b-1f2e/repo */
  freshLocation(label?: string): string;
  stop(): Promise<void>;
}

/**
 * Start s3rver; rejects if it does not listen within 20 s. With `tls`, it serves HTTPS with a self-signed certificate
 * for 127.0.0.1 made by openssl (for clients that stream aws-chunked uploads over plain HTTP, which s3rver cannot
 * decode: restic's minio-go).
 */
export async function startS3rver(opts: { tls?: boolean } = {}): Promise<S3Server> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strongbox-s3rver-'));
  const tlsEnv: Record<string, string> = {};
  let caFile: string | undefined;
  if (opts.tls) {
    const made = selfSignedCert(dir, 'tls-');
    const key = made.key;
    caFile = made.cert;
    Object.assign(tlsEnv, { S3RVER_TLS_KEY: key, S3RVER_TLS_CERT: caFile });
  }
  const store = path.join(dir, 'buckets');
  await fs.mkdir(store);
  // s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider.
  const child = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, store], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...tlsEnv },
  });
  let port: number;
  try {
    port = await firstLine(child);
  } catch (e) {
    child.kill('SIGKILL');
    await fs.rm(dir, { recursive: true, force: true });
    throw e;
  }
  const endpoint = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    dir: store,
    ...(caFile ? { caFile } : {}),
    env: { ...S3RVER_CREDENTIALS, AWS_REGION: 'us-east-1', ...(caFile ? { NODE_EXTRA_CA_CERTS: caFile } : {}) },
    freshLocation: (label = 'repo') => `s3:${endpoint}/b-${randomBytes(4).toString('hex')}/${label}`,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

function firstLine(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`s3rver exited with status ${code} before listening`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
}

/** A real bucket for the same tests: STRONGBOX_TEST_S3_LOCATION=s3:bucket/prefix (or s3:https://host/bucket/prefix). */
export function realBucket(): { freshLocation(label?: string): string } | null {
  const base = process.env.STRONGBOX_TEST_S3_LOCATION;
  if (!base) return null;
  const run = `strongbox-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  return {
    freshLocation: (label = 'repo') => `${base.replace(/\/+$/, '')}/${run}/${label}-${randomBytes(3).toString('hex')}`,
  };
}

/**
 * Start the test server, or say loudly why the S3 tests will not run: outside CI they skip, with CI=true a
 * server that cannot start is a failure.
 */
export async function s3ServerOrSkip(): Promise<S3Server | null> {
  try {
    return await startS3rver();
  } catch (e) {
    const msg = `s3rver could not start (${(e as Error).message}): the S3 tests cannot run`;
    if (process.env.CI) throw new Error(`${msg} (CI=true: this is a failure)`);
    console.warn(`\n*** SKIPPING: ${msg} ***\n`);
    return null;
  }
}
