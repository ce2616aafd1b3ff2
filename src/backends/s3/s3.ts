// The S3 backend (AWS S3 and S3-compatible services) over @aws-sdk/client-s3: one object per repository object,
// below the location's prefix in the local layout. The registry imports this module only for s3: locations.
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type BucketLocationConstraint,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import {
  BackendError,
  handleToString,
  type Backend,
  type FileInfo,
  type FileType,
  type Handle,
  type ListOptions,
  type SaveOptions,
} from '../backend.js';
import { requestAborts } from '../abort.js';
import { checkHandle, checkRange, checkRangeShape, checkType, objectName, type Range } from '../checks.js';
import { objectPath, TYPE_DIRS } from '../layout.js';
import { makeClient } from './client.js';
import { s3ErrorKind, toS3Error, type S3ErrorContext } from './errors.js';
import { parseS3Location } from './location.js';
import type { S3Options } from './options.js';

export interface S3OpenContext {
  /** Where `accessKeyIdEnv` and the region variables are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Keys per listing request (tests use a small one to exercise pagination; the service caps it at 1000). */
  listPageSize?: number;
  /** The operation's signal: its abort ends the requests in flight at once (see ../abort.ts). */
  signal?: AbortSignal;
}

/** Open the bucket and prefix `rest` names (the location without "s3:"). No request is made until first use. */
export function openS3Backend(rest: string, options: S3Options, ctx: S3OpenContext = {}): Backend {
  const env = ctx.env ?? process.env;
  const loc = parseS3Location(rest);
  const endpoint = options.endpoint ?? loc.endpoint;
  const location = loc.display;
  const errCtx: S3ErrorContext = { location, bucket: loc.bucket, endpoint: endpoint ?? 'AWS S3' };
  const client = makeClient(options, endpoint, env, location);
  const Bucket = loc.bucket;
  const root = loc.prefix ? `${loc.prefix}/` : '';
  const keyOf = (h: Handle): string => root + objectPath(h);
  // Without an endpoint this is AWS, which honours If-None-Match on PUT; other services are asked to say so.
  const conditional = options.conditionalCreate ?? endpoint === undefined;
  // Over TLS the payload is not hashed for the signature (restic's client does the same): TLS already protects the
  // bytes on the wire, and a SHA-256 pass over every pack on the event loop slowed uploads. Plain HTTP keeps it.
  if ((endpoint ?? 'https:').startsWith('https:'))
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers;
        if (context.commandName === 'PutObjectCommand' && headers) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        return next(args);
      },
      { step: 'build', name: 'strongboxUnsignedPayload' },
    );
  const aborts = requestAborts(ctx.signal);
  let closed = false;

  /** One request: `fn` gets the signal to send it with; a cancelled operation's request fails as INTERRUPTED. */
  async function call<T>(
    op: string,
    what: Handle | string,
    fn: (opts: { abortSignal?: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    if (closed) throw new BackendError('permanent', `the backend for ${location} is closed`);
    const abortSignal = aborts.forRequest();
    try {
      return await fn(abortSignal ? { abortSignal } : {});
    } catch (err) {
      if (abortSignal?.aborted) throw aborts.error();
      throw toS3Error(err, op, what, errCtx);
    }
  }

  async function headInfo(h: Handle): Promise<{ size: number; modTime?: number }> {
    const res = await call('stat', h, (o) => client.send(new HeadObjectCommand({ Bucket, Key: keyOf(h) }), o));
    return { size: res.ContentLength ?? 0, ...(res.LastModified ? { modTime: res.LastModified.getTime() } : {}) };
  }

  async function head(h: Handle): Promise<number> {
    return (await headInfo(h)).size;
  }

  async function save(h: Handle, data: Uint8Array, opts: SaveOptions = {}): Promise<void> {
    checkHandle(h, location);
    // A view, not a copy: callers keep the bytes unchanged until the save settles (the packer reuses a pack's buffer
    // only then), and the SDK is done with the body when it does. Copying a 16 MiB pack cost more than its hashing.
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (opts.exclusive && !conditional && (await exists(h))) {
      throw new BackendError('already-exists', `${handleToString(h)} already exists in repository at ${location}`);
    }
    const input: PutObjectCommandInput = {
      Bucket,
      Key: keyOf(h),
      Body: body,
      ContentLength: body.length,
      // Only where asked (buckets with Object Lock retention require it): an MD5 pass over every pack costs CPU, and
      // the body is protected otherwise (TLS, or the signed SHA-256 of the payload over plain HTTP).
      ...(options.contentMd5 ? { ContentMD5: createHash('md5').update(body).digest('base64') } : {}),
      ...(opts.exclusive && conditional ? { IfNoneMatch: '*' } : {}),
      ...(h.type === 'data' && options.storageClass ? { StorageClass: options.storageClass } : {}),
      ...(options.serverSideEncryption ? { ServerSideEncryption: options.serverSideEncryption } : {}),
      ...(options.kmsKeyId ? { SSEKMSKeyId: options.kmsKeyId } : {}),
    };
    await call('save', h, (o) => client.send(new PutObjectCommand(input), o));
  }

  async function exists(h: Handle): Promise<boolean> {
    try {
      await head(h);
      return true;
    } catch (err) {
      if (s3ErrorKind(err) === 'not-found') return false;
      throw err;
    }
  }

  async function load(h: Handle, range?: Range): Promise<Buffer> {
    checkHandle(h, location);
    if (range !== undefined) checkRangeShape(h, range, location);
    if (range !== undefined && range.length === 0) {
      checkRange(h, range, await head(h), location);
      return Buffer.alloc(0);
    }
    const Range = range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined;
    let res;
    try {
      res = await call('load', h, (o) =>
        client.send(new GetObjectCommand({ Bucket, Key: keyOf(h), ...(Range ? { Range } : {}) }), o),
      );
    } catch (err) {
      // 416: the range starts past the end. Report it as every backend does, with the object's size.
      if (range && (err as BackendError).cause && httpStatus((err as BackendError).cause) === 416)
        checkRange(h, range, await head(h), location);
      throw err;
    }
    const bytes = await call('load', h, async () => {
      const u8 = await res.Body!.transformToByteArray();
      return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
    });
    const want = range ? range.length : res.ContentLength;
    if (want !== undefined && bytes.length !== want) {
      // A range that ends past the end of the object comes back short: never hand back short data.
      if (range) checkRange(h, range, await head(h), location);
      throw new BackendError(
        'transient',
        `reading ${handleToString(h)} at ${location} returned ${bytes.length} of ${want} bytes`,
      );
    }
    return bytes;
  }

  /** Every object below `dir` (no trailing slash), page by page; with `modTime`, the service's LastModified. */
  async function* listKeys(type: FileType, dir: string, modTime: boolean): AsyncIterable<FileInfo> {
    const Prefix = `${root}${dir}/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await call('list', `${type} objects`, (o) =>
        client.send(
          new ListObjectsV2Command({
            Bucket,
            Prefix,
            ...(ContinuationToken ? { ContinuationToken } : {}),
            ...(ctx.listPageSize ? { MaxKeys: ctx.listPageSize } : {}),
          }),
          o,
        ),
      );
      for (const o of page.Contents ?? []) {
        const name = o.Key!.slice(o.Key!.lastIndexOf('/') + 1);
        const depth = o.Key!.slice(Prefix.length).split('/').length;
        // Data packs sit one shard folder down; anything else (a stray key, a "folder" marker) is not an object.
        if (name === '' || name.startsWith('.') || depth !== (type === 'data' ? 2 : 1)) continue;
        yield { name, size: o.Size ?? 0, ...(modTime && o.LastModified ? { modTime: o.LastModified.getTime() } : {}) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  return {
    location,
    capabilities: {
      atomicCreate: conditional,
      consistentListing: true,
      connections: options.connections,
      rangeReads: true,
      persistent: true,
    },

    /** Creates the bucket if it does not exist (objects need no folders). */
    async create(): Promise<void> {
      try {
        await call('create', `bucket "${Bucket}"`, (o) => client.send(new HeadBucketCommand({ Bucket }), o));
      } catch (err) {
        if (s3ErrorKind(err) !== 'not-found') throw err;
        // AWS creates a bucket in us-east-1 unless told the region (and refuses "us-east-1" as a constraint).
        const region = endpoint === undefined ? await client.config.region() : undefined;
        const where =
          region && region !== 'us-east-1'
            ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }
            : {};
        await call('create', `bucket "${Bucket}"`, (o) =>
          client.send(new CreateBucketCommand({ Bucket, ...where }), o),
        );
      }
    },

    save,
    load,

    async stat(h: Handle): Promise<FileInfo> {
      checkHandle(h, location);
      return { name: objectName(h), size: await head(h) };
    },

    async *list(type: FileType, opts?: ListOptions): AsyncIterable<FileInfo> {
      checkType(type, location);
      if (type !== 'config') {
        yield* listKeys(type, TYPE_DIRS[type], opts?.modTime === true);
        return;
      }
      const h = { type: 'config', name: 'config' } as const;
      try {
        const { size, modTime } = await headInfo(h);
        yield { name: 'config', size, ...(opts?.modTime && modTime !== undefined ? { modTime } : {}) };
      } catch (err) {
        if (s3ErrorKind(err) !== 'not-found') throw err;
      }
    },

    async remove(h: Handle): Promise<void> {
      checkHandle(h, location);
      try {
        await call('remove', h, (o) => client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(h) }), o));
      } catch (err) {
        if (s3ErrorKind(err) !== 'not-found') throw err;
      }
    },

    isNotFound: (err) => s3ErrorKind(err) === 'not-found',
    isAlreadyExists: (err) => s3ErrorKind(err) === 'already-exists',
    isPermanent: (err) => s3ErrorKind(err) !== 'transient',

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      aborts.dispose();
      client.destroy();
    },
  };
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
