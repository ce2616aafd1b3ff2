// An S3-protocol server for the tests: s3rver in a child process on a free loopback port, storing in a temp dir.
// Or a real bucket: STRONGBOX_TEST_S3_LOCATION (with the standard AWS credential variables) points the tests at it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 's3rver-main.mjs');

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export interface S3Server {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  port: number;
  /** The directory s3rver stores buckets in. */
  dir: string;
  /** The environment a client needs: credentials and region. */
  env: Record<string, string>;
  /** A location in a fresh bucket (or a fresh prefix in the real bucket), e.g. s3:http://127.0.0.1:41234/b-1f2e/repo */
  freshLocation(label?: string): string;
  stop(): Promise<void>;
}

/** Start s3rver; rejects if it does not listen within 20 s. */
export async function startS3rver(): Promise<S3Server> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strongbox-s3rver-'));
  // s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider.
  const child = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let port: number;
  try {
    port = await firstLine(child);
  } catch (e) {
    child.kill('SIGKILL');
    await fs.rm(dir, { recursive: true, force: true });
    throw e;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    dir,
    env: { ...S3RVER_CREDENTIALS, AWS_REGION: 'us-east-1' },
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
