// A bucket component as one tar stream (`strongbox dump` of a bucket): first `<name>.manifest.jsonl` (each object's
// path, exact key and attributes, as a restore with --target writes it), then every object as `<name>/<path>`.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blobOrThrow, type BlobSource } from '../../repository/blob-source.js';
import type { Repository } from '../../repository/repository.js';
import type { BucketComponent } from '../../repository/snapshot.js';
import { throwIfAborted } from '../../util/scope.js';
import { manifestLine, snapshotObjects } from './restore.js';

/**
 * Writes the tar to `out` (ended when done, unless `end` is false). Every blob is verified as it is read; a bad one stops the dump with an
 * INTEGRITY error naming it (a caller writing a file removes the partial one).
 */
export async function writeBucketTar(
  repo: Repository,
  blobs: BlobSource,
  comp: BucketComponent,
  out: Writable,
  signal: AbortSignal,
  end = true,
): Promise<{ objects: number; bytes: number }> {
  const tar = await import('tar-stream');
  const pack = tar.pack();
  const done = pipeline(pack, out, { signal, end });
  done.catch(() => {}); // awaited below; a failure while entries are written surfaces through it
  const objects = await snapshotObjects(repo, comp);
  const manifest = Buffer.from(objects.map((o) => manifestLine(o)).join(''));
  const now = new Date(
    Date.parse(
      objects.reduce(
        (a, o) => (o.node.object.lastModified > a ? o.node.object.lastModified : a),
        '1970-01-01T00:00:00.000Z',
      ),
    ),
  );
  await add(pack, { name: `${comp.name}.manifest.jsonl`, size: manifest.length, mode: 0o644, mtime: now }, [manifest]);
  let bytes = 0;
  for (const { path, node } of objects) {
    throwIfAborted(signal);
    await add(
      pack,
      {
        name: `${comp.name}/${path}`,
        size: node.size,
        mode: 0o644,
        mtime: new Date(Date.parse(node.object.lastModified)),
      },
      loadAll(blobs, node.content ?? []),
    );
    bytes += node.size;
  }
  pack.finalize();
  await done;
  return { objects: objects.length, bytes };
}

type Pack = Awaited<ReturnType<(typeof import('tar-stream'))['pack']>>;

/** One entry, its data written with backpressure; resolves once the pack has taken all of it. */
async function add(
  pack: Pack,
  header: Parameters<Pack['entry']>[0],
  data: Iterable<Buffer> | AsyncIterable<Buffer>,
): Promise<void> {
  let settle!: (err?: Error | null) => void;
  const taken = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  const entry = pack.entry(header, (err) => settle(err));
  try {
    for await (const chunk of data)
      if (!entry.write(chunk)) await once(entry as unknown as NodeJS.EventEmitter, 'drain');
  } catch (e) {
    entry.destroy(e as Error);
    pack.destroy(e as Error);
    throw e;
  }
  entry.end(undefined);
  await taken;
}

async function* loadAll(blobs: BlobSource, ids: string[]): AsyncGenerator<Buffer> {
  for (const id of ids) yield blobOrThrow(await blobs.load(id));
}
