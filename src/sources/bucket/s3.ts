// The bucket source's edge: listing, reading and writing the objects of an s3: location with the S3 backend's
// client, options and error advice. Imported only when an app has a bucket, so the AWS SDK loads only then.
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { makeClient } from '../../backends/s3/client.js';
import { toS3Error } from '../../backends/s3/errors.js';
import { backoff, retryable } from './retry.js';
import { parseS3Location } from '../../backends/s3/location.js';
import type { S3Options } from '../../backends/s3/options.js';
import { StrongboxError } from '../../errors.js';
import type { ObjectAttrs } from '../../repository/tree.js';

/** An object as a listing shows it; `key` is relative to the location's prefix. */
export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

/** Requests sent, by kind: what a backup or restore cost (and what the tests count). */
export interface RequestCounts {
  list: number;
  get: number;
  head: number;
  put: number;
  delete: number;
}

export interface Bucket {
  /** The location as shown to people (no credentials). */
  readonly location: string;
  readonly connections: number;
  readonly counts: RequestCounts;
  /** Every object below the prefix, page by page. */
  list(): AsyncIterable<ListedObject>;
  /** The object's bytes (read them to the end) and attributes. */
  get(
    key: string,
    signal?: AbortSignal,
  ): Promise<{ body: AsyncIterable<Uint8Array>; size: number; attrs: ObjectAttrs }>;
  head(key: string, signal?: AbortSignal): Promise<{ size: number; attrs: ObjectAttrs }>;
  put(key: string, body: Readable, size: number, attrs: ObjectAttrs, signal?: AbortSignal): Promise<void>;
  /** A multipart upload from `parts` (each but the last at least 5 MiB); aborted on any failure, so nothing half-made stays. */
  putParts(key: string, parts: AsyncIterable<Buffer>, attrs: ObjectAttrs, signal?: AbortSignal): Promise<void>;
  remove(key: string, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/** Opens the bucket `source` names (s3:…); `label` names the app and component in every message. */
export function openBucket(
  source: string,
  options: S3Options,
  label: string,
  env: NodeJS.ProcessEnv = process.env,
): Bucket {
  const loc = parseS3Location(source.replace(/^s3:/, ''));
  const endpoint = options.endpoint ?? loc.endpoint;
  const location = loc.display;
  let client: S3Client;
  try {
    client = makeClient(options, endpoint, env, location);
  } catch (e) {
    throw new StrongboxError('CONFIG', `${label}: ${(e as Error).message}`, { cause: e });
  }
  const Bucket = loc.bucket;
  const root = loc.prefix ? `${loc.prefix}/` : '';
  const errCtx = { location, bucket: loc.bucket, endpoint: endpoint ?? 'AWS S3' };
  const counts: RequestCounts = { list: 0, get: 0, head: 0, put: 0, delete: 0 };
  const fail = (e: unknown, op: string, what: string): never => {
    if ((e as { name?: string } | undefined)?.name === 'NoSuchBucket') {
      throw new StrongboxError('SOURCE', `${label}: bucket "${Bucket}" of ${location} does not exist`, { cause: e });
    }
    const be = toS3Error(e, op, what, errCtx);
    throw new StrongboxError('SOURCE', `${label}: ${be.message}`, { cause: e });
  };
  const send = async <T>(kind: keyof RequestCounts, op: string, what: string, fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      counts[kind]++;
      try {
        return await fn();
      } catch (e) {
        if (!retryable(e, attempt)) fail(e, op, what);
        await backoff(attempt);
      }
    }
  };
  return {
    location,
    connections: options.connections,
    counts,
    async *list() {
      let ContinuationToken: string | undefined;
      do {
        const page = await send('list', 'list', `the objects of bucket "${Bucket}"`, () =>
          client.send(
            new ListObjectsV2Command({
              Bucket,
              ...(root ? { Prefix: root } : {}),
              ...(ContinuationToken ? { ContinuationToken } : {}),
            }),
          ),
        );
        for (const o of page.Contents ?? []) {
          yield {
            key: o.Key!.slice(root.length),
            size: o.Size ?? 0,
            etag: unquote(o.ETag),
            lastModified: o.LastModified ?? new Date(0),
          };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
    async get(key, signal) {
      const res = await send('get', 'read', `object ${JSON.stringify(key)}`, () =>
        client.send(new GetObjectCommand({ Bucket, Key: root + key }), { abortSignal: signal }),
      );
      return { body: res.Body as AsyncIterable<Uint8Array>, size: res.ContentLength ?? 0, attrs: attrsOf(key, res) };
    },
    async head(key, signal) {
      const res = await send('head', 'read', `object ${JSON.stringify(key)}`, () =>
        client.send(new HeadObjectCommand({ Bucket, Key: root + key }), { abortSignal: signal }),
      );
      return { size: res.ContentLength ?? 0, attrs: attrsOf(key, res) };
    },
    async put(key, body, size, a, signal) {
      // One attempt: the body is a stream that cannot be replayed (the caller retries with a fresh one).
      counts.put++;
      try {
        await client.send(
          new PutObjectCommand({ Bucket, Key: root + key, Body: body, ContentLength: size, ...headers(a) }),
          { abortSignal: signal },
        );
      } catch (e) {
        fail(e, 'write', `object ${JSON.stringify(key)}`);
      }
    },
    async putParts(key, parts, a, signal) {
      const what = `object ${JSON.stringify(key)}`;
      const { UploadId } = await send('put', 'write', what, () =>
        client.send(new CreateMultipartUploadCommand({ Bucket, Key: root + key, ...headers(a) }), {
          abortSignal: signal,
        }),
      );
      const done: { PartNumber: number; ETag: string }[] = [];
      try {
        for await (const Body of parts) {
          const PartNumber = done.length + 1;
          // A part is a Buffer: a failed attempt is sent again whole.
          const r = await send('put', 'write', what, () =>
            client.send(
              new UploadPartCommand({
                Bucket,
                Key: root + key,
                UploadId,
                PartNumber,
                Body,
                ContentLength: Body.length,
              }),
              { abortSignal: signal },
            ),
          );
          done.push({ PartNumber, ETag: r.ETag! });
        }
        await send('put', 'write', what, () =>
          client.send(
            new CompleteMultipartUploadCommand({
              Bucket,
              Key: root + key,
              UploadId,
              MultipartUpload: { Parts: done },
            }),
            { abortSignal: signal },
          ),
        );
      } catch (e) {
        await client.send(new AbortMultipartUploadCommand({ Bucket, Key: root + key, UploadId })).catch(() => {});
        throw e;
      }
    },
    async remove(key, signal) {
      await send('delete', 'delete', `object ${JSON.stringify(key)}`, () =>
        client.send(new DeleteObjectCommand({ Bucket, Key: root + key }), { abortSignal: signal }),
      );
    },
    close: () => client.destroy(),
  };

  /** What an upload sets besides the bytes: the object's headers and metadata, and the options' storage class and encryption. */
  function headers(a: ObjectAttrs) {
    return {
      ...(a.contentType !== undefined ? { ContentType: a.contentType } : {}),
      ...(a.cacheControl !== undefined ? { CacheControl: a.cacheControl } : {}),
      ...(a.contentDisposition !== undefined ? { ContentDisposition: a.contentDisposition } : {}),
      ...(a.contentEncoding !== undefined ? { ContentEncoding: a.contentEncoding } : {}),
      ...(a.contentLanguage !== undefined ? { ContentLanguage: a.contentLanguage } : {}),
      ...(a.expires !== undefined && !Number.isNaN(Date.parse(a.expires)) ? { Expires: new Date(a.expires) } : {}),
      ...(a.metadata ? { Metadata: a.metadata } : {}),
      ...(options.storageClass ? { StorageClass: options.storageClass } : {}),
      ...(options.serverSideEncryption ? { ServerSideEncryption: options.serverSideEncryption } : {}),
      ...(options.kmsKeyId ? { SSEKMSKeyId: options.kmsKeyId } : {}),
    };
  }
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

interface ObjectHeaders {
  ETag?: string;
  LastModified?: Date;
  ContentType?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
  ExpiresString?: string;
  Expires?: Date;
  StorageClass?: string;
  Metadata?: Record<string, string>;
}

function attrsOf(key: string, r: ObjectHeaders): ObjectAttrs {
  const expires = r.ExpiresString ?? (r.Expires ? r.Expires.toUTCString() : undefined);
  return {
    key,
    etag: unquote(r.ETag),
    lastModified: (r.LastModified ?? new Date(0)).toISOString(),
    ...(r.ContentType !== undefined ? { contentType: r.ContentType } : {}),
    ...(r.CacheControl !== undefined ? { cacheControl: r.CacheControl } : {}),
    ...(r.ContentDisposition !== undefined ? { contentDisposition: r.ContentDisposition } : {}),
    ...(r.ContentEncoding !== undefined ? { contentEncoding: r.ContentEncoding } : {}),
    ...(r.ContentLanguage !== undefined ? { contentLanguage: r.ContentLanguage } : {}),
    ...(expires !== undefined ? { expires } : {}),
    ...(r.StorageClass !== undefined ? { storageClass: r.StorageClass } : {}),
    ...(r.Metadata && Object.keys(r.Metadata).length ? { metadata: r.Metadata } : {}),
  };
}
