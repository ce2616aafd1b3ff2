// How SDK and network errors are classified (what the retry layer retries) and worded (what people read).
import { describe, expect, it } from 'vitest';
import { s3ErrorKind, toS3Error } from '../../../../src/backends/s3/errors.js';

const sdk = (name: string, status?: number, message = name) =>
  Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
const net = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
const ctx = { location: 's3:http://127.0.0.1:9/b/p', bucket: 'b', endpoint: 'http://127.0.0.1:9' };

describe('s3 error classification', () => {
  it.each([
    [sdk('NoSuchKey', 404), 'not-found'],
    [sdk('NotFound', 404), 'not-found'],
    [sdk('NoSuchBucket', 404), 'not-found'],
    [sdk('PreconditionFailed', 412), 'already-exists'],
    [sdk('AccessDenied', 403), 'permanent'],
    [sdk('InvalidAccessKeyId', 403), 'permanent'],
    [sdk('InvalidArgument', 400), 'permanent'],
    [sdk('SlowDown', 503), 'transient'],
    [sdk('InternalError', 500), 'transient'],
    [sdk('Unknown', 502), 'transient'],
    [sdk('TooManyRequests', 429), 'transient'],
    [sdk('TimeoutError'), 'transient'],
    [net('ECONNRESET'), 'transient'],
    [net('ECONNREFUSED'), 'transient'],
    [net('ENOTFOUND'), 'permanent'],
    [new Error('socket hang up'), 'transient'],
  ])('%s is %s', (err, kind) => {
    expect(s3ErrorKind(err)).toBe(kind);
  });

  it('names the operation, the object and the location, with advice, and strips signatures', () => {
    const e = toS3Error(
      sdk('SignatureDoesNotMatch', 403, 'bad sig Signature=abcdef&X-Amz-Credential=AKIA/x'),
      'load',
      { type: 'config', name: 'config' },
      ctx,
    );
    expect(e.kind).toBe('permanent');
    expect(e.message).toMatch(/^cannot load config at s3:http:\/\/127\.0\.0\.1:9\/b\/p: the credentials were refused/);
    expect(e.message).not.toMatch(/abcdef|AKIA/);
  });

  it('says which bucket is missing and that init creates it', () => {
    const e = toS3Error(sdk('NoSuchBucket', 404), 'load', { type: 'config', name: 'config' }, ctx);
    expect(e.kind).toBe('not-found');
    expect(e.detail).toBe('bucket "b" does not exist; \'strongbox init\' creates it');
  });

  it('says when the host refuses connections', () => {
    expect(toS3Error(net('ECONNREFUSED'), 'list', 'lock objects', ctx).message).toMatch(
      /cannot list lock objects at .*: cannot connect to http:\/\/127\.0\.0\.1:9: connection refused/,
    );
  });
});
