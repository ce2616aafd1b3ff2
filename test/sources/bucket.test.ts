// Buckets as a source, against s3rver (through a proxy that records every request the client sends): 10,000
// objects backed up, then 10 changed, 5 deleted and 5 added — the second backup downloads exactly those 15 — and a
// restore into another bucket gives the same keys, bytes, content types and user metadata. Awkward keys round-trip,
// bad credentials and a missing bucket fail naming the source (SOURCE, exit 4), an unreadable object makes the
// snapshot incomplete (exit 3), and a restore into the configured bucket asks for consent and deletes nothing unless told.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { exitStatusFor, isStrongboxError, StrongboxError } from '../../src/errors.js';
import type { OpEvent } from '../../src/events.js';
import { backupApps } from '../../src/ops/backup-app.js';
import { checkRepo } from '../../src/ops/check.js';
import { dumpComponent } from '../../src/ops/dump.js';
import { forget } from '../../src/ops/forget.js';
import { withContext } from '../../src/ops/context.js';
import { initRepository } from '../../src/ops/repo.js';
import { restoreAppSnapshot } from '../../src/ops/restore-app.js';
import { mapLimit } from '../../src/util/concurrency.js';
import { flipMiddle } from '../e2e/damage.js';
import { sb, tempDir } from '../e2e/helpers.js';
import { openBackend } from '../../src/backends/index.js';
import { Repository } from '../../src/repository/repository.js';
import type { BucketComponent } from '../../src/repository/snapshot.js';
import { repositorySource } from '../../src/repository/blob-source.js';
import { openBucketSource } from '../../src/sources/bucket/index.js';
import { restoreToBucket } from '../../src/sources/bucket/restore.js';
import { s3OptionsSchema } from '../../src/backends/s3/options.js';
import { type CountingProxy, startCountingProxy } from '../support/s3-counting-proxy.js';
import { S3RVER_CREDENTIALS, s3ServerOrSkip } from '../support/s3-server.js';

const server = await s3ServerOrSkip();
let proxy: CountingProxy;
let client: S3Client;
let tmp: Awaited<ReturnType<typeof tempDir>>;
afterAll(async () => {
  client?.destroy();
  await proxy?.close();
  await server?.stop();
  await tmp?.cleanup();
});

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.SB_BUCKET_PW = 'bucket-test';
// The bucket's own credentials, named in its options (s3rver accepts only its fixed pair).
process.env.SB_MEDIA_KEY = S3RVER_CREDENTIALS.AWS_ACCESS_KEY_ID;
process.env.SB_MEDIA_SECRET = S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY;
process.env.SB_WRONG_KEY = 'AKIANOTAKEY';
process.env.SB_WRONG_SECRET = 'sEcReT-that-must-not-appear';

const rnd = () => randomBytes(4).toString('hex');

function config(repo: string, source: string, opts: { key?: string; secret?: string; name?: string } = {}): Config {
  return parseConfig(
    `
repositories: { main: { location: '${repo}', passwordEnv: SB_BUCKET_PW } }
apps:
  - id: shop
    repository: main
    files:
      - name: ${opts.name ?? 'media'}
        source: '${source}'
        options: { accessKeyIdEnv: ${opts.key ?? 'SB_MEDIA_KEY'}, secretAccessKeyEnv: ${opts.secret ?? 'SB_MEDIA_SECRET'}, region: us-east-1, connections: 16 }
`,
    'test.yaml',
  );
}

async function newRepo(): Promise<string> {
  const location = `memory:bucket-${rnd()}`;
  await withContext({}, (ctx) => initRepository({ location, password: { env: 'SB_BUCKET_PW' } }, ctx));
  return location;
}

async function newBucket(): Promise<string> {
  const b = `src-${rnd()}`;
  await client.send(new CreateBucketCommand({ Bucket: b }));
  return b;
}

const backup = (cfg: Config, events: OpEvent[] = []) =>
  withContext({ emit: (e) => events.push(e) }, (ctx) => backupApps({}, cfg, { apps: cfg.apps }, ctx));

interface Obj {
  key: string;
  body: Buffer;
  contentType?: string;
  metadata?: Record<string, string>;
}

async function put(bucket: string, objs: Obj[]): Promise<void> {
  await mapLimit(objs, 32, (o) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: o.key,
        Body: o.body,
        ...(o.contentType ? { ContentType: o.contentType } : {}),
        ...(o.metadata ? { Metadata: o.metadata } : {}),
      }),
    ),
  );
}

/**
 * Every object below `prefix` as listed: key (relative) → size and ETag, which for an object stored by one PUT is the
 * MD5 of its bytes as the server received them. Ten list requests check 10,000 objects' bytes, where GETs take 10,000.
 */
async function listing(bucket: string, prefix: string): Promise<Map<string, { size: number; etag: string }>> {
  const out = new Map<string, { size: number; etag: string }>();
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const o of page.Contents ?? []) {
      out.set(o.Key!.slice(prefix.length), { size: o.Size!, etag: o.ETag!.replace(/"/g, '') });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Every object below `prefix`: key (relative) → MD5 of the bytes, content type and user metadata, read back whole. */
async function contents(
  bucket: string,
  prefix: string,
): Promise<Map<string, { md5: string; contentType?: string; metadata: Record<string, string> }>> {
  const out = new Map<string, { md5: string; contentType?: string; metadata: Record<string, string> }>();
  await mapLimit([...(await listing(bucket, prefix)).keys()], 16, async (rel) => {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + rel }));
    const body = Buffer.from(await res.Body!.transformToByteArray());
    out.set(rel, {
      md5: createHash('md5').update(body).digest('hex'),
      contentType: res.ContentType,
      metadata: res.Metadata ?? {},
    });
  });
  return out;
}

const sorted = <V>(m: Map<string, V>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe.skipIf(!server)('an app whose files entry is a bucket (s3rver)', () => {
  beforeAll(async () => {
    tmp = await tempDir('sb-bucket-');
    proxy = await startCountingProxy(server!.port);
    client = new S3Client({
      endpoint: server!.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });

  it('downloads only the 15 objects that changed among 10,000, and restores all of them into another bucket', async () => {
    const bucket = await newBucket();
    const types = ['image/jpeg', 'image/png', 'application/pdf', 'text/plain; charset=utf-8'];
    const objs: Obj[] = Array.from({ length: 10_000 }, (_, i) => ({
      key: `assets/${String(i % 100).padStart(2, '0')}/${i}.${i % 4 === 1 ? 'png' : 'bin'}`,
      body: randomBytes(20 + (i % 200)),
      contentType: types[i % 4],
      ...(i % 7 === 0 ? { metadata: { owner: `user-${i}`, 'uploaded-by': 'cms' } } : {}),
    }));
    await put(bucket, objs);
    const repo = await newRepo();
    const cfg = config(repo, `s3:${proxy.endpoint}/${bucket}/assets`);

    const before = proxy.requests.length;
    const first = await backup(cfg);
    expect(first.outcome).toBe('ok');
    const snap1 = first.apps[0].result!.snapshot;
    expect(snap1.components).toEqual([
      expect.objectContaining({
        name: 'media',
        kind: 'bucket',
        objects: 10_000,
        location: `s3:${proxy.endpoint}/${bucket}/assets`,
      }),
    ]);
    expect(proxy.requests.slice(before).filter((r) => r.method === 'GET' && r.key !== '')).toHaveLength(10_000);

    // 10 changed, 5 deleted, 5 added.
    const changed = objs.filter((_, i) => i % 1000 === 3);
    for (const o of changed) o.body = randomBytes(300);
    await put(bucket, changed);
    const deleted = objs.filter((_, i) => i % 2000 === 11);
    await mapLimit(deleted, 5, (o) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.key })));
    const added: Obj[] = Array.from({ length: 5 }, (_, i) => ({
      key: `assets/new/${i}.txt`,
      body: randomBytes(50),
      contentType: 'text/plain',
      metadata: { batch: '2' },
    }));
    await put(bucket, added);
    expect([changed.length, deleted.length, added.length]).toEqual([10, 5, 5]);

    const mark = proxy.requests.length;
    const second = await backup(cfg);
    const sent = proxy.requests.slice(mark);
    expect(second.outcome).toBe('ok');
    const gets = sent
      .filter((r) => r.method === 'GET' && r.key !== '')
      .map((r) => r.key)
      .sort();
    expect(gets).toEqual([...changed, ...added].map((o) => o.key).sort());
    expect(sent.filter((r) => r.method === 'HEAD')).toHaveLength(0);
    const snap2 = second.apps[0].result!;
    expect(snap2.parent).toBe(first.apps[0].result!.id);
    expect(snap2.snapshot.summary).toMatchObject({
      files: 9_995 + 5,
      filesNew: 5,
      filesChanged: 10,
      filesUnmodified: 9_985,
    });
    console.log(
      `10,000 objects: first backup ${snap1.summary!.durationMs} ms, second (15 changed) ${snap2.snapshot.summary!.durationMs} ms`,
    );

    // Into another bucket and prefix: the same keys, bytes, content types and user metadata.
    const other = await newBucket();
    const restored = await withContext({}, (ctx) =>
      restoreAppSnapshot(
        {},
        cfg,
        { app: cfg.apps[0], snapshot: 'latest', toBucket: `s3:${proxy.endpoint}/${other}/copy` },
        ctx,
      ),
    );
    expect(restored.outcome).toBe('ok');
    expect(restored.restored[0]).toMatchObject({ kind: 'bucket', objects: 10_000, complete: true });
    // What the source bucket holds now, from what the test put there (reading it back would double the GETs).
    const gone = new Set(deleted.map((o) => o.key));
    const live = [...objs.filter((o) => !gone.has(o.key)), ...added];
    expect(live).toHaveLength(10_000);
    // Every key with its size and bytes (the listed ETag is the MD5 the server computed from what the restore sent).
    const want = new Map(
      live.map((o) => [
        o.key.slice('assets/'.length),
        { size: o.body.length, etag: createHash('md5').update(o.body).digest('hex') },
      ]),
    );
    expect(sorted(await listing(other, 'copy/'))).toEqual(sorted(want));
    // Content types and user metadata of every 25th object (all four types, with and without metadata) and of the
    // added ones, read back whole: 405 GETs instead of 10,000.
    const sample = [...live.filter((_, i) => i % 25 === 0), ...added];
    await mapLimit(sample, 16, async (o) => {
      const res = await client.send(
        new GetObjectCommand({ Bucket: other, Key: `copy/${o.key.slice('assets/'.length)}` }),
      );
      expect(Buffer.from(await res.Body!.transformToByteArray()).equals(o.body)).toBe(true);
      expect({ contentType: res.ContentType, metadata: res.Metadata ?? {} }).toEqual({
        contentType: o.contentType,
        metadata: o.metadata ?? {},
      });
    });
    expect(sample.filter((o) => o.metadata?.owner !== undefined).length).toBeGreaterThan(50);
    expect(new Set(sample.map((o) => o.contentType)).size).toBe(5);
  }, 600_000);

  it('round-trips keys that are not paths, into a bucket and into a directory with a manifest', async () => {
    const bucket = await newBucket();
    const keys = [
      'a//b',
      '../x',
      './y',
      'dir/',
      'dir/x',
      'a',
      'a/b',
      'ünïcødé/ファイル.txt',
      'with space/file name.jpg',
      '100%/a&b',
      'trailing/..',
      '/leading',
      'x//z',
    ];
    const objs = keys.map((k, i) => ({
      key: `p/${k}`,
      body: Buffer.from(`object ${i}: ${k}`),
      contentType: `x-test/${i}`,
      metadata: { n: String(i) },
    }));
    await put(bucket, objs);
    const stored = await contents(bucket, 'p/');
    // The test server keeps these keys as they are (test/support/s3rver-main.mjs), as S3 does.
    expect([...stored.keys()].sort()).toEqual([...keys].sort());
    const repo = await newRepo();
    const cfg = config(repo, `s3:${proxy.endpoint}/${bucket}/p`);
    const taken = await backup(cfg);
    expect(taken.apps[0].result!.snapshot.incomplete).toBeUndefined();
    expect(taken.outcome).toBe('ok');

    const other = await newBucket();
    await withContext({}, (ctx) =>
      restoreAppSnapshot(
        {},
        cfg,
        { app: cfg.apps[0], snapshot: 'latest', toBucket: `s3:${proxy.endpoint}/${other}` },
        ctx,
      ),
    );
    expect(sorted(await contents(other, ''))).toEqual(sorted(stored));

    const dir = join(tmp.path, `odd-${rnd()}`);
    const r = await withContext({}, (ctx) =>
      restoreAppSnapshot({}, cfg, { app: cfg.apps[0], snapshot: 'latest', target: dir }, ctx),
    );
    expect(r.restored[0]).toMatchObject({
      kind: 'bucket',
      target: join(dir, 'media'),
      manifest: join(dir, 'media.manifest.jsonl'),
      complete: true,
    });
    const manifest = (await readFile(join(dir, 'media.manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { path: string; key: string; contentType: string; metadata: Record<string, string> },
      );
    expect(manifest.map((m) => m.key).sort()).toEqual([...keys].sort());
    for (const m of manifest) {
      const i = keys.indexOf(m.key);
      expect(await readFile(join(dir, 'media', m.path), 'utf8')).toBe(`object ${i}: ${m.key}`);
      expect(m).toMatchObject({ contentType: `x-test/${i}`, metadata: { n: String(i) } });
    }
    expect(manifest.find((m) => m.key === '../x')!.path).toBe('%2E%2E/x');
    expect(manifest.find((m) => m.key === 'dir/')!.path).toBe('dir/%');
    expect(manifest.find((m) => m.key === 'a')!.path).toBe('a%');

    // `dump` of the component: a tar holding the same manifest and files, which tar(1) extracts.
    const tarFile = join(tmp.path, `odd-${rnd()}.tar`);
    const spec = { location: repo, password: { env: 'SB_BUCKET_PW' } };
    await withContext({}, (ctx) =>
      dumpComponent(spec, { snapshot: 'latest', component: 'media', output: tarFile }, ctx),
    );
    const x = join(tmp.path, `x-${rnd()}`);
    await mkdir(x);
    execFileSync('tar', ['-xf', tarFile, '-C', x]);
    expect(await readFile(join(x, 'media.manifest.jsonl'), 'utf8')).toBe(
      await readFile(join(dir, 'media.manifest.jsonl'), 'utf8'),
    );
    for (const m of manifest)
      expect(await readFile(join(x, 'media', m.path), 'utf8')).toBe(`object ${keys.indexOf(m.key)}: ${m.key}`);

    const check = await withContext({}, (ctx) =>
      checkRepo({ location: repo, password: { env: 'SB_BUCKET_PW' } }, { readData: { kind: 'all' } }, ctx),
    );
    expect(check.errors).toEqual([]);
  }, 120_000);

  it('fails naming the source on bad credentials and on a missing bucket (SOURCE, exit 4), never showing the secret', async () => {
    const bucket = await newBucket();
    await put(bucket, [{ key: 'x', body: Buffer.from('x') }]);
    const repo = await newRepo();
    const bad = await backup(
      config(repo, `s3:${proxy.endpoint}/${bucket}`, { key: 'SB_WRONG_KEY', secret: 'SB_WRONG_SECRET' }),
    ).catch((e: unknown) => e);
    expect(isStrongboxError(bad, 'SOURCE'), String(bad)).toBe(true);
    expect(exitStatusFor(bad)).toBe(4);
    expect((bad as Error).message).toMatch(
      new RegExp(`^app shop, files media: .*s3:${proxy.endpoint}/${bucket}.*credentials were refused`),
    );
    expect((bad as Error).message).not.toContain(process.env.SB_WRONG_SECRET);

    const missing = await backup(config(repo, `s3:${proxy.endpoint}/no-such-bucket-${rnd()}/p`)).catch(
      (e: unknown) => e,
    );
    expect(isStrongboxError(missing, 'SOURCE'), String(missing)).toBe(true);
    expect((missing as Error).message).toMatch(
      /^app shop, files media: bucket "no-such-bucket-[0-9a-f]+" of s3:http:\/\/127\.0\.0\.1:\d+\/no-such-bucket-[0-9a-f]+\/p does not exist$/,
    );
  }, 60_000);

  it('an object that cannot be read makes the snapshot incomplete (exit 3), naming it; the rest is backed up', async () => {
    const bucket = await newBucket();
    await put(
      bucket,
      ['a.txt', 'secret/b.txt', 'c.txt'].map((key) => ({ key, body: Buffer.from(key) })),
    );
    const repo = await newRepo();
    proxy.deny = (r) => r.bucket === bucket && r.key === 'secret/b.txt';
    try {
      const events: OpEvent[] = [];
      const res = await backup(config(repo, `s3:${proxy.endpoint}/${bucket}`), events);
      expect(res.outcome).toBe('incomplete');
      expect(isStrongboxError(res.error, 'INCOMPLETE')).toBe(true);
      expect(exitStatusFor(res.error)).toBe(3);
      const snap = res.apps[0].result!.snapshot;
      expect(snap.incomplete!.errors).toEqual([
        { path: `s3:${proxy.endpoint}/${bucket}/secret/b.txt`, message: expect.stringMatching(/access denied/) },
      ]);
      expect(snap.components[0]).toMatchObject({ kind: 'bucket', objects: 2 });
      expect(events.some((e) => e.type === 'warning' && e.path?.endsWith('/secret/b.txt'))).toBe(true);
    } finally {
      proxy.deny = () => false;
    }
  }, 60_000);

  it('restores into the configured bucket only with consent, and deletes what the snapshot lacks only when asked', async () => {
    const bucket = await newBucket();
    await put(bucket, [
      { key: 'm/a', body: Buffer.from('a1') },
      { key: 'm/b', body: Buffer.from('b1') },
    ]);
    const repo = await newRepo();
    const cfg = config(repo, `s3:${proxy.endpoint}/${bucket}/m`);
    await backup(cfg);
    await put(bucket, [
      { key: 'm/a', body: Buffer.from('a2 changed') },
      { key: 'm/extra', body: Buffer.from('new') },
    ]);
    const restore = (o: { yes?: boolean; deleteExtraneous?: boolean }) =>
      withContext({}, (ctx) => restoreAppSnapshot({}, cfg, { app: cfg.apps[0], snapshot: 'latest', ...o }, ctx));

    const refused = await restore({}).catch((e: unknown) => e);
    expect(isStrongboxError(refused, 'TARGET_NOT_EMPTY'), String(refused)).toBe(true);
    expect((refused as StrongboxError).message).toContain(
      `bucket s3:${proxy.endpoint}/${bucket}/m already holds data; pass --yes`,
    );

    const mark = proxy.requests.length;
    const r = await restore({ yes: true });
    expect(r.restored[0]).toMatchObject({ kind: 'bucket', objects: 2, unchanged: 1, removed: 0 });
    // Only the object that differs is uploaded again.
    expect(
      proxy.requests
        .slice(mark)
        .filter((q) => q.method === 'PUT')
        .map((q) => q.key),
    ).toEqual(['m/a']);
    expect([...(await contents(bucket, 'm/')).keys()].sort()).toEqual(['a', 'b', 'extra']);
    expect((await contents(bucket, 'm/')).get('a')!.md5).toBe(createHash('md5').update('a1').digest('hex'));

    const r2 = await restore({ yes: true, deleteExtraneous: true });
    expect(r2.restored[0]).toMatchObject({ removed: 1 });
    expect([...(await contents(bucket, 'm/')).keys()].sort()).toEqual(['a', 'b']);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'm/b' }));
    expect(head.ContentLength).toBe(2);
  }, 60_000);

  it('through the CLI: exit 0, then 3 for an unreadable object, 4 for bad credentials; config check shows the entry', async () => {
    const bucket = await newBucket();
    await put(bucket, [
      { key: 'a.jpg', body: Buffer.from('a'), contentType: 'image/jpeg' },
      { key: 'locked/b.jpg', body: Buffer.from('b') },
    ]);
    const repo = join(tmp.path, `cli-repo-${rnd()}`);
    const yaml = (key: string) => `repositories: { main: { location: '${repo}', passwordEnv: SB_BUCKET_PW } }
apps:
  - id: shop
    repository: main
    files:
      - { name: media, source: 's3:${proxy.endpoint}/${bucket}', options: { accessKeyIdEnv: ${key}, secretAccessKeyEnv: SB_MEDIA_SECRET } }
`;
    const good = join(tmp.path, `cli-${rnd()}.yaml`);
    const bad = join(tmp.path, `cli-${rnd()}.yaml`);
    await writeFile(good, yaml('SB_MEDIA_KEY'));
    await writeFile(bad, yaml('SB_WRONG_KEY'));
    const env = {
      SB_BUCKET_PW: process.env.SB_BUCKET_PW,
      SB_MEDIA_KEY: process.env.SB_MEDIA_KEY,
      SB_MEDIA_SECRET: process.env.SB_MEDIA_SECRET,
      SB_WRONG_KEY: 'AKIANOTAKEY',
    };
    expect((await sb(['-r', repo, 'init'], { env: { STRONGBOX_PASSWORD: process.env.SB_BUCKET_PW } })).code).toBe(0);
    const checked = await sb(['-c', good, '--json', 'config', 'check'], { env });
    expect(JSON.parse(checked.stdout).config.apps[0].files).toEqual([
      expect.objectContaining({ name: 'media', source: `s3:${proxy.endpoint}/${bucket}` }),
    ]);

    const ok = await sb(['-c', good, 'backup', '--app', 'shop'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr + ok.stdout).toMatch(/bucket media: 2 objects, 2 downloaded/);

    // Changed, so the next backup must read it again, and the proxy refuses that read.
    await put(bucket, [{ key: 'locked/b.jpg', body: Buffer.from('b, changed') }]);
    proxy.deny = (r) => r.bucket === bucket && r.key === 'locked/b.jpg';
    try {
      const partial = await sb(['-c', good, 'backup', '--app', 'shop'], { env });
      expect(partial.code, partial.stderr).toBe(3);
      expect(partial.stderr).toContain(`s3:${proxy.endpoint}/${bucket}/locked/b.jpg`);
    } finally {
      proxy.deny = () => false;
    }
    const refused = await sb(['-c', bad, 'backup', '--app', 'shop'], { env });
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(/app shop, files media: .*credentials were refused/);
  }, 120_000);

  it('re-reads only the attributes of an object whose metadata was replaced in place; prune keeps what bucket components use', async () => {
    const bucket = await newBucket();
    await put(bucket, [
      { key: 'm/a.jpg', body: randomBytes(3000), contentType: 'image/jpeg', metadata: { v: '1' } },
      { key: 'm/b.jpg', body: randomBytes(3000), contentType: 'image/jpeg' },
    ]);
    const repo = await newRepo();
    const spec = { location: repo, password: { env: 'SB_BUCKET_PW' } };
    const cfg = config(repo, `s3:${proxy.endpoint}/${bucket}/m`);
    await backup(cfg);
    // A copy onto itself with new metadata: same bytes and ETag, a new last-modified time.
    await new Promise((r) => setTimeout(r, 1100));
    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'm/a.jpg',
        CopySource: `${bucket}/m/a.jpg`,
        MetadataDirective: 'REPLACE',
        ContentType: 'image/webp',
        Metadata: { v: '2' },
      }),
    );
    // S3 gives such a copy a new last-modified time; s3rver keeps its file's mtime, so it is given one here.
    const now = new Date();
    await utimes(join(server!.dir, bucket, 'm', 'a.jpg._S3rver_object'), now, now);
    const mark = proxy.requests.length;
    const second = await backup(cfg);
    const sent = proxy.requests.slice(mark);
    expect(sent.filter((r) => r.method === 'HEAD').map((r) => r.key)).toEqual(['m/a.jpg']);
    expect(sent.filter((r) => r.method === 'GET' && r.key !== '')).toEqual([]);
    expect(second.apps[0].result!.snapshot.summary).toMatchObject({
      filesChanged: 1,
      filesUnmodified: 1,
      dataAdded: expect.any(Number),
    });

    // The first snapshot forgotten and the repository pruned: the second one's objects are all still there.
    await withContext({}, (ctx) => forget(spec, { apps: cfg.apps, policy: { last: 1 }, prune: true }, ctx));
    const check = await withContext({}, (ctx) => checkRepo(spec, { readData: { kind: 'all' } }, ctx));
    expect(check.errors).toEqual([]);
    const other = await newBucket();
    const r = await withContext({}, (ctx) =>
      restoreAppSnapshot(
        {},
        cfg,
        { app: cfg.apps[0], snapshot: 'latest', toBucket: `s3:${proxy.endpoint}/${other}` },
        ctx,
      ),
    );
    expect(r.outcome).toBe('ok');
    expect(sorted(await contents(other, ''))).toEqual(sorted(await contents(bucket, 'm/')));
    expect((await contents(other, '')).get('a.jpg')).toMatchObject({ contentType: 'image/webp', metadata: { v: '2' } });
  }, 60_000);

  it('a restore leaves out, and names, an object whose data is damaged in the repository (incomplete); --fail-fast stops', async () => {
    const bucket = await newBucket();
    await put(bucket, [
      { key: 'good.bin', body: randomBytes(5000) },
      { key: 'bad.bin', body: randomBytes(5000) },
    ]);
    const repoPath = join(tmp.path, `damaged-${rnd()}`);
    await withContext({}, (ctx) => initRepository({ location: repoPath, password: { env: 'SB_BUCKET_PW' } }, ctx));
    const cfg = config(repoPath, `s3:${proxy.endpoint}/${bucket}`);
    await backup(cfg);
    const repo = await Repository.open(await openBackend(repoPath), process.env.SB_BUCKET_PW!);
    try {
      await repo.loadIndex();
      const comp = (await repo.snapshots.list())[0].snapshot.components[0] as BucketComponent;
      const node = (await repo.loadTree(comp.tree)).nodes.find((n) => n.object?.key === 'bad.bin')!;
      const loc = repo.index.get(Buffer.from(node.content![0], 'hex'))!;
      await flipMiddle(repoPath, { blob: node.content![0], pack: loc.packId, offset: loc.offset, length: loc.length });
    } finally {
      await repo.close();
    }
    const other = await newBucket();
    const restore = (failFast?: boolean) =>
      withContext({}, (ctx) =>
        restoreAppSnapshot(
          {},
          cfg,
          { app: cfg.apps[0], snapshot: 'latest', toBucket: `s3:${proxy.endpoint}/${other}`, failFast, yes: true },
          ctx,
        ),
      );
    const r = await restore();
    expect(r.outcome).toBe('incomplete');
    expect(r.restored[0]).toMatchObject({
      kind: 'bucket',
      complete: false,
      objects: 1,
      failed: [
        {
          path: 'bad.bin',
          message: expect.stringMatching(
            /^object "bad.bin" not restored to s3:.*: blob [0-9a-f]{64} in pack [0-9a-f]{64}/,
          ),
        },
      ],
    });
    expect([...(await contents(other, '')).keys()]).toEqual(['good.bin']);
    const stopped = await restore(true).catch((e: unknown) => e);
    expect(isStrongboxError(stopped, 'INTEGRITY'), String(stopped)).toBe(true);
    expect((stopped as Error).message).toMatch(/bad\.bin.*--fail-fast: the restore stopped here/);
  }, 60_000);

  it('uploads a large object in parts (multipart), with its attributes, and the same bytes', async () => {
    const bucket = await newBucket();
    const big = randomBytes(12 * 1024 * 1024 + 123);
    await put(bucket, [
      { key: 'big/video.mp4', body: big, contentType: 'video/mp4', metadata: { take: '7' } },
      { key: 'small.txt', body: Buffer.from('s') },
    ]);
    const repoPath = join(tmp.path, `multipart-${rnd()}`);
    await withContext({}, (ctx) => initRepository({ location: repoPath, password: { env: 'SB_BUCKET_PW' } }, ctx));
    await backup(config(repoPath, `s3:${proxy.endpoint}/${bucket}`));
    const other = await newBucket();
    const repo = await Repository.open(await openBackend(repoPath), process.env.SB_BUCKET_PW!);
    const target = await openBucketSource(
      `s3:${proxy.endpoint}/${other}/copy`,
      s3OptionsSchema.parse({ accessKeyIdEnv: 'SB_MEDIA_KEY', secretAccessKeyEnv: 'SB_MEDIA_SECRET' }),
      'test',
    );
    try {
      await repo.loadIndex();
      const comp = (await repo.snapshots.list())[0].snapshot.components[0] as BucketComponent;
      const mark = proxy.requests.length;
      const r = await restoreToBucket(repo, repositorySource(repo), comp, target, {
        keep: [],
        signal: new AbortController().signal,
        multipartAbove: 6 << 20,
        partSize: 5 << 20,
      });
      expect(r).toMatchObject({ objects: 2, failed: [] });
      // Create, three parts (5 + 5 + 2 MiB), complete; the small object in one PUT.
      const uploads = proxy.requests.slice(mark).filter((q) => q.method === 'POST' || q.method === 'PUT');
      expect(uploads.filter((q) => q.key === 'copy/big/video.mp4' && q.method === 'PUT')).toHaveLength(3);
      expect(uploads.filter((q) => q.key === 'copy/big/video.mp4' && q.method === 'POST')).toHaveLength(2);
    } finally {
      target.close();
      await repo.close();
    }
    expect(sorted(await contents(other, 'copy/'))).toEqual(sorted(await contents(bucket, '')));
    expect((await contents(other, 'copy/')).get('big/video.mp4')).toMatchObject({
      contentType: 'video/mp4',
      metadata: { take: '7' },
    });
  }, 120_000);
});
