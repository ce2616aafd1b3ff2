// Maps what the AWS SDK throws to the backend error kinds (not found, already exists, permanent, transient)
// and to messages that name the object, the location and what to do: never a key, a secret or a signature.
import { BackendError, handleToString, type Handle } from '../backend.js';

type Kind = BackendError['kind'];

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);
const ALREADY_EXISTS = new Set(['PreconditionFailed']);
const CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
  'AuthorizationHeaderMalformed',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
]);
/** Throttling and server trouble: retrying later is the cure. */
const TRANSIENT = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'TimeoutError',
  'ThrottlingException',
  'Throttling',
  'RequestThrottled',
  'ConditionalRequestConflict',
  'OperationAborted',
]);
/** Connection failures that a retry can cure; a host name that does not resolve is a typo more often than not. */
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** The kind of an SDK or network error. */
export function s3ErrorKind(err: unknown): Kind {
  if (err instanceof BackendError) return err.kind;
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  // A missing bucket holds no objects: a load finds nothing, `init` creates the bucket, others say "no repository".
  if (NOT_FOUND.has(name) || name === 'NoSuchBucket') return 'not-found';
  if (ALREADY_EXISTS.has(name) || status === 412) return 'already-exists';
  if (TRANSIENT.has(name) || (e.code !== undefined && NETWORK.has(e.code))) return 'transient';
  if (e.code === 'ENOTFOUND' || CREDENTIALS.has(name)) return 'permanent';
  if (status === 404) return 'not-found';
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) return 'permanent';
  // 5xx, 408, 429, and errors without a status (sockets, streams): retried, as the local backend does.
  return 'transient';
}

/** What to tell people beyond the service's own words, by error. */
function advice(err: SdkError, bucket: string, endpoint: string): string {
  const name = err.name ?? '';
  if (name === 'NoSuchBucket') return `bucket "${bucket}" does not exist; 'strongbox init' creates it`;
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'InvalidClientTokenId') {
    return (
      'the credentials were refused: check the access key ID and secret ' +
      '(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile, or the variables the config names)'
    );
  }
  if (name === 'AccessDenied') return 'access denied: the credentials lack permission on this bucket or prefix';
  if (name === 'ExpiredToken') return 'the session token has expired';
  if (name === 'CredentialsProviderError')
    return 'no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or an instance role';
  if (err.code === 'ECONNREFUSED') return `cannot connect to ${endpoint}: connection refused`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `cannot resolve the host of ${endpoint}`;
  if (name === 'TimeoutError') return `${endpoint} did not answer in time`;
  return '';
}

/** Strip anything that could carry a signature or a key from the service's message; keep it one short line. */
function cleanMessage(message: string | undefined): string {
  const line = (message ?? '').split('\n')[0]!.replace(/(Signature|Credential|X-Amz-[A-Za-z-]+)=[^&\s]+/gi, '$1=…');
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

export interface S3ErrorContext {
  location: string;
  bucket: string;
  /** The service's URL, or "AWS S3". */
  endpoint: string;
}

/** Wrap an SDK error as a BackendError naming the operation, the object and the location. */
export function toS3Error(err: unknown, op: string, what: Handle | string, c: S3ErrorContext): BackendError {
  if (err instanceof BackendError) return err;
  const e = (err ?? {}) as SdkError;
  const kind = s3ErrorKind(err);
  const subject = typeof what === 'string' ? what : handleToString(what);
  const detail = advice(e, c.bucket, c.endpoint);
  if (kind === 'not-found' && typeof what !== 'string') {
    return new BackendError(
      'not-found',
      `${subject} not found in repository at ${c.location}${detail ? ` (${detail})` : ''}`,
      { cause: err, ...(detail ? { detail } : {}) },
    );
  }
  if (kind === 'already-exists' && typeof what !== 'string') {
    return new BackendError('already-exists', `${subject} already exists in repository at ${c.location}`, {
      cause: err,
    });
  }
  const status = e.$metadata?.httpStatusCode;
  const said = [e.name && e.name !== 'Error' ? e.name : e.code, status ? `HTTP ${status}` : '', cleanMessage(e.message)]
    .filter(Boolean)
    .join(', ');
  const message = `cannot ${op} ${subject} at ${c.location}: ${detail ? `${detail} (${said})` : said}`;
  return new BackendError(kind, message, { cause: err, ...(detail ? { detail } : {}) });
}
