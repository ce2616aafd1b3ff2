// Parses s3: locations the way restic writes them: s3:https://host[:port]/bucket[/prefix] for any S3 service,
// s3:bucket[/prefix] for AWS (and s3:s3.amazonaws.com/bucket[/prefix], restic's AWS form). Pure, no AWS code.
import { StrongboxError } from '../../errors.js';

export interface S3Location {
  /** The service's URL (scheme, host, port) or undefined for AWS. */
  endpoint?: string;
  bucket: string;
  /** Key prefix without slashes at either end; '' for the bucket's root. */
  prefix: string;
  /** The location as shown to people: never holds credentials. */
  display: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const EXAMPLE = 'use s3:https://host[:port]/bucket[/prefix] or s3:bucket[/prefix]';

function usage(message: string): StrongboxError {
  return new StrongboxError('USAGE', `${message}; ${EXAMPLE}`);
}

/** `rest` is the location without its "s3:" scheme. */
export function parseS3Location(rest: string): S3Location {
  let endpoint: string | undefined;
  let path = rest;
  if (/^https?:\/\//i.test(rest)) {
    let url: URL;
    try {
      url = new URL(rest);
    } catch {
      throw usage('the s3: location is not a valid URL');
    }
    // The location is printed in messages and stored in configs: credentials belong in the environment.
    if (url.username || url.password)
      throw usage('an s3: location must not hold credentials (give them in the environment)');
    if (url.search || url.hash) throw usage('an s3: location takes no query or fragment');
    endpoint = `${url.protocol}//${url.host}`;
    path = decodeURIComponent(url.pathname);
  } else if (/^s3[.-][a-z0-9.-]*amazonaws\.com\//i.test(rest) || /^s3\.amazonaws\.com\//i.test(rest)) {
    path = rest.slice(rest.indexOf('/'));
  }
  const parts = path.split('/').filter((p) => p !== '');
  const bucket = parts.shift() ?? '';
  if (!BUCKET.test(bucket)) throw usage(`"${bucket}" is not a valid bucket name (3–63 of a-z, 0-9, ".", "-")`);
  if (parts.some((p) => p === '.' || p === '..')) throw usage('an s3: prefix may not contain "." or ".." segments');
  const prefix = parts.join('/');
  const display = `s3:${endpoint ? `${endpoint}/` : ''}${bucket}${prefix ? `/${prefix}` : ''}`;
  return { ...(endpoint ? { endpoint } : {}), bucket, prefix, display };
}
