// The S3 client for a location's options: region, endpoint, path style, credentials (the AWS chain, a profile, or
// variables the options name), timeouts and connections. Shared by the S3 backend and the bucket source.
import http from 'node:http';
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { StrongboxError } from '../../errors.js';
import { tryParseDuration } from '../../util/duration.js';
import type { S3Options } from './options.js';

function ms(text: string): number {
  return tryParseDuration(text) ?? 0;
}

/** A client with the SDK's own retries off: callers retry transient errors themselves (backoff with jitter). */
export function makeClient(
  o: S3Options,
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv,
  location: string,
): S3Client {
  // The SDK warns on stderr that its releases from 2027 on need Node 22; strongbox pins a release that runs on 20,
  // and a process warning in the middle of a backup's output helps nobody. Set to anything else to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const region =
    o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint !== undefined ? 'us-east-1' : undefined);
  const agent = { keepAlive: true, maxSockets: o.connections };
  return new S3Client({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: o.pathStyle ?? endpoint !== undefined,
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.accessKeyIdEnv ? { credentials: credentialsFromEnv(o, env, location) } : {}),
    // One retry layer: the backend's retry wrapper (transient errors only, backoff with jitter).
    maxAttempts: 1,
    // No aws-chunked bodies or checksum trailers (S3-compatible services such as s3rver cannot decode them);
    // uploads carry Content-MD5 instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: ms(o.connectTimeout),
      socketTimeout: ms(o.timeout),
      httpAgent: new http.Agent(agent),
      httpsAgent: new https.Agent(agent),
    },
  });
}

/** Static credentials from the variables the options name; a named variable that is unset is a config error. */
function credentialsFromEnv(o: S3Options, env: NodeJS.ProcessEnv, location: string) {
  const read = (name: string): string => {
    const v = env[name];
    if (!v)
      throw new StrongboxError(
        'CONFIG',
        `the options of ${location} take S3 credentials from $${name}, which is not set`,
      );
    return v;
  };
  const token = o.sessionTokenEnv ? read(o.sessionTokenEnv) : undefined;
  return {
    accessKeyId: read(o.accessKeyIdEnv!),
    secretAccessKey: read(o.secretAccessKeyEnv!),
    ...(token ? { sessionToken: token } : {}),
  };
}
