// s3: locations as restic writes them: an endpoint URL with bucket and prefix, or an AWS bucket and prefix.
import { describe, expect, it } from 'vitest';
import { parseS3Location } from '../../../../src/backends/s3/location.js';

describe('parseS3Location', () => {
  it.each([
    [
      'https://minio.example:9000/backups/prod/app',
      { endpoint: 'https://minio.example:9000', bucket: 'backups', prefix: 'prod/app' },
    ],
    ['http://127.0.0.1:4568/b-1', { endpoint: 'http://127.0.0.1:4568', bucket: 'b-1', prefix: '' }],
    ['https://host/bucket/', { endpoint: 'https://host', bucket: 'bucket', prefix: '' }],
    ['my.bucket/a//b/', { bucket: 'my.bucket', prefix: 'a/b' }],
    ['bucket', { bucket: 'bucket', prefix: '' }],
    ['s3.amazonaws.com/bucket/p', { bucket: 'bucket', prefix: 'p' }],
    ['s3.eu-west-1.amazonaws.com/bucket', { bucket: 'bucket', prefix: '' }],
  ])('parses s3:%s', (rest, want) => {
    const got = parseS3Location(rest);
    expect({ endpoint: got.endpoint, bucket: got.bucket, prefix: got.prefix }).toEqual({
      endpoint: undefined,
      ...want,
    });
  });

  it('shows the location normalised, with its endpoint', () => {
    expect(parseS3Location('https://host:9000/bucket//x/').display).toBe('s3:https://host:9000/bucket/x');
    expect(parseS3Location('bucket/p').display).toBe('s3:bucket/p');
  });

  it.each([
    ['', /not a valid bucket name/],
    ['UPPER/x', /not a valid bucket name/],
    ['https://host', /not a valid bucket name/],
    ['bucket/../x', /"\." or "\.\."/],
    ['https://host/bucket?x=1', /no query/],
  ])('refuses s3:%s with a usage error', (rest, message) => {
    expect(() => parseS3Location(rest)).toThrow(message);
  });

  it('refuses credentials in the location without repeating them', () => {
    let err: unknown;
    try {
      parseS3Location('https://AKIAEXAMPLE:topsecret@host/bucket');
    } catch (e) {
      err = e;
    }
    expect(String(err)).toMatch(/must not hold credentials/);
    expect(String(err)).not.toMatch(/topsecret|AKIAEXAMPLE/);
  });
});
