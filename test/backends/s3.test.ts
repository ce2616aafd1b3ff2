// Runs the backend conformance suite against the S3 backend: s3rver on loopback (a fresh bucket per test), and a
// real bucket too when STRONGBOX_TEST_S3_LOCATION is set (a fresh prefix per test, emptied afterwards).
import { afterAll, it } from 'vitest';
import { FILE_TYPES, type Backend } from '../../src/backends/backend.js';
import { s3OptionsSchema } from '../../src/backends/s3/options.js';
import { openS3Backend } from '../../src/backends/s3/s3.js';
import { backendConformanceSuite } from '../conformance/backend-suite.js';
import { realBucket, s3ServerOrSkip } from '../support/s3-server.js';

const server = await s3ServerOrSkip();
afterAll(() => server?.stop());

/** Credentials through the variables the options name; small listing pages, so listings cross page boundaries. */
const creds = { accessKeyIdEnv: 'AWS_ACCESS_KEY_ID', secretAccessKeyEnv: 'AWS_SECRET_ACCESS_KEY' };
const open = (location: string, env: NodeJS.ProcessEnv): Backend =>
  openS3Backend(location.slice('s3:'.length), s3OptionsSchema.parse({ ...creds, timeout: '10s' }), {
    env,
    listPageSize: 3,
  });

async function empty(location: string): Promise<void> {
  const b = open(location, process.env);
  for (const type of FILE_TYPES) for await (const f of b.list(type)) await b.remove({ type, name: f.name });
  await b.close();
}

if (server) {
  backendConformanceSuite('s3 (s3rver)', async () => {
    const location = server.freshLocation();
    return {
      backend: open(location, server.env),
      reopen: async () => open(location, server.env),
      cleanup: async () => {},
    };
  });
} else {
  it.skip('backend conformance: s3 (s3rver could not start)', () => {});
}

const real = realBucket();
if (real) {
  backendConformanceSuite('s3 (STRONGBOX_TEST_S3_LOCATION)', async () => {
    const location = real.freshLocation();
    return {
      backend: open(location, process.env),
      reopen: async () => open(location, process.env),
      cleanup: () => empty(location),
    };
  });
}
