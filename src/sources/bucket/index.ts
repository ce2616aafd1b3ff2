// Buckets as a source (an app's files entry with source: s3:…): their objects are backed up as a component of
// kind "bucket" (archive.ts) and restored into a bucket or a directory (restore.ts). This module loads no AWS code.
import { s3OptionsSchema, type S3Options } from '../../backends/s3/options.js';
import { parseS3Location } from '../../backends/s3/location.js';
import type { BucketConfig } from '../../config/schema.js';
import { StrongboxError } from '../../errors.js';
import type { Bucket } from './s3.js';

export type { Bucket, RequestCounts } from './s3.js';

/** "app shop, files media": names the bucket entry in every message. */
export function bucketLabel(appId: string, name: string): string {
  return `app ${appId}, files ${name}`;
}

/** The entry's options checked against the S3 backend's schema (defaults filled in); CONFIG naming the entry. */
export function bucketOptions(cfg: Pick<BucketConfig, 'name' | 'source' | 'options'>, label: string): S3Options {
  try {
    parseS3Location(cfg.source.replace(/^s3:/, ''));
  } catch (e) {
    throw new StrongboxError('CONFIG', `${label}: source ${cfg.source}: ${(e as Error).message}`, { cause: e });
  }
  const parsed = s3OptionsSchema.safeParse(cfg.options ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`)
      .join('; ');
    throw new StrongboxError('CONFIG', `${label}: invalid options for ${cfg.source}: ${issues}`);
  }
  return parsed.data;
}

/** Opens the bucket (the SDK is imported now); no request is made until first use. */
export async function openBucketSource(
  source: string,
  options: S3Options,
  label: string,
  env?: NodeJS.ProcessEnv,
): Promise<Bucket> {
  return (await import('./s3.js')).openBucket(source, options, label, env);
}

/** The location as stored in a snapshot and shown: no credentials, normalised ("s3:https://host/bucket/prefix"). */
export function bucketDisplay(source: string): string {
  return parseS3Location(source.replace(/^s3:/, '')).display;
}
