// The snapshots of an opened repository: saving, reading and checking them (each read once per process and kept),
// listing them newest written first, and resolving "latest" or an ID prefix. Repository owns one per store it reads.
import type { Backend, FileInfo } from '../backends/backend.js';
import type { Clock } from '../clock.js';
import { isStrongboxError, StrongboxError } from '../errors.js';
import { mapLimit } from '../util/concurrency.js';
import { resolveIdPrefix } from './ids.js';
import type { DamagedObject } from './index-read.js';
import type { ObjectKind } from './objects.js';
import type { Snapshot, SnapshotRef } from './snapshot.js';
import { newestWritten, nextSeq, sortNewestWritten } from './write-order.js';

/** What the store needs of its repository: sealed-object I/O, the listing, the clock and the warning channel. */
export interface SnapshotHost {
  readonly backend: Backend;
  readonly clock: Clock;
  saveObject(kind: 'snapshot', body: Uint8Array): Promise<string>;
  loadObject(kind: ObjectKind, name: string): Promise<Buffer>;
  warn(message: string): void;
}

export class SnapshotStore {
  private readonly cache = new Map<string, Snapshot>();
  /** Snapshots dated in the future already named in a warning (once each, whatever the wording). */
  private readonly namedAhead = new Set<string>();

  constructor(private readonly repo: SnapshotHost) {}

  async save(s: Snapshot): Promise<string> {
    return this.repo.saveObject('snapshot', Buffer.from(JSON.stringify(s)));
  }

  /** A snapshot object, checked; callers share the cached copy and must not change it. */
  async load(id: string): Promise<Snapshot> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const body = await this.repo.loadObject('snapshot', id);
    let s: Snapshot;
    try {
      s = JSON.parse(body.toString('utf8')) as Snapshot;
    } catch (e) {
      throw new StrongboxError('INTEGRITY', `snapshot ${id}: not valid JSON`, { cause: e });
    }
    if (!s || typeof s.time !== 'string' || !Array.isArray(s.components)) {
      throw new StrongboxError('INTEGRITY', `snapshot ${id}: not a snapshot (no time or component list)`);
    }
    this.cache.set(id, s);
    return s;
  }

  /**
   * Every snapshot that reads and verifies, newest written first (write-order.ts: `seq`, then the claimed
   * time), each with the storage's time where the backend gives it; and the ones that do not read.
   */
  async read(): Promise<{ snapshots: SnapshotRef[]; damaged: DamagedObject[] }> {
    const damaged: DamagedObject[] = [];
    const files: FileInfo[] = [];
    for await (const f of this.repo.backend.list('snapshot', { modTime: true })) files.push(f);
    const refs = await mapLimit(files, 8, async ({ name: id, modTime }) => {
      try {
        return { id, snapshot: await this.load(id), ...(modTime !== undefined ? { storedAt: modTime } : {}) };
      } catch (e) {
        if (!isStrongboxError(e, 'INTEGRITY')) throw e;
        damaged.push({ type: 'snapshot', name: id, message: e.message });
        return null;
      }
    });
    return {
      snapshots: sortNewestWritten(
        refs.filter((r) => r !== null),
        this.repo.clock.now(),
      ),
      damaged,
    };
  }

  /** All snapshots that read and verify, newest written first; each damaged one is skipped with a warning. */
  async list(): Promise<SnapshotRef[]> {
    const { snapshots, damaged } = await this.read();
    for (const d of damaged) this.repo.warn(`skipping ${d.message}; run 'strongbox repair snapshots'`);
    return snapshots;
  }

  async names(): Promise<string[]> {
    const names: string[] = [];
    for await (const f of this.repo.backend.list('snapshot')) names.push(f.name);
    return names;
  }

  /** The `seq` for a snapshot written now: 1 + the highest in the repository, listed afresh. */
  async nextSeq(): Promise<number> {
    return nextSeq((await this.list()).map((s) => s.snapshot));
  }

  /**
   * The newest written of `list`: what 'latest' and a backup's parent are. Each snapshot of the list dated more
   * than a few minutes ahead of this host's clock is named in a warning (once), saying whether it was used.
   */
  newestWritten(list: SnapshotRef[]): SnapshotRef | undefined {
    const { chosen, ahead } = newestWritten(list, this.repo.clock.now());
    for (const { ref, warning } of ahead) {
      if (this.namedAhead.has(ref.id)) continue;
      this.namedAhead.add(ref.id);
      this.repo.warn(warning);
    }
    return chosen;
  }

  /**
   * Resolve "latest" (the newest written readable snapshot `filter` accepts) or an ID prefix (the rule of
   * ids.ts). A prefix is matched against the stored names, so only the snapshot it names has to be readable.
   */
  async resolve(ref: string, filter?: (s: SnapshotRef) => boolean): Promise<SnapshotRef> {
    const location = this.repo.backend.location;
    if (ref === 'latest') {
      const latest = this.newestWritten((await this.list()).filter(filter ?? (() => true)));
      if (!latest) throw new StrongboxError('NOT_FOUND', `no snapshot in ${location} matches 'latest'`);
      return latest;
    }
    const id = resolveIdPrefix('snapshot', ref, await this.names(), location);
    const s = { id, snapshot: await this.load(id) };
    if (filter && !filter(s))
      throw new StrongboxError('NOT_FOUND', `snapshot ${ref} in ${location} does not match the selection`);
    return s;
  }
}
