// A fault-injecting decorator for tests (after kopia's): planned or seeded-random failures of chosen
// operations, failures after the operation took effect (lost replies), and silent corruption on save.

import {
  BackendError,
  handleToString,
  type Backend,
  type FileInfo,
  type FileType,
  type Handle,
  type ListOptions,
} from '../backend.js';

export type FaultOp = 'create' | 'save' | 'load' | 'stat' | 'list' | 'remove';
export type FaultKind = 'transient' | 'permanent';

export interface Fault {
  op: FaultOp;
  /** Only calls on objects of this type fail (create has no type and is matched only without one). */
  type?: FileType;
  /** How many matching calls fail (default 1). */
  count?: number;
  kind?: FaultKind;
  /** Perform the operation, then fail as if the reply was lost (for list: after the first item). */
  after?: boolean;
}

export interface FaultPlan {
  /** Planned failures; a call consumes the first fault that matches it. */
  faults?: Fault[];
  /** Each call of `ops` (default all) fails before doing anything with `probability`, from a seeded PRNG. */
  random?: { probability: number; seed: number; ops?: FaultOp[]; kind?: FaultKind };
  /** Saves (of `type`, if given) store damaged bytes and report success: truncated to half, or one bit flipped. */
  corrupt?: { mode: 'truncate' | 'flip'; type?: FileType; count?: number };
}

export interface FaultyBackend extends Backend {
  readonly stats: { calls: Record<FaultOp, number>; injected: number; corrupted: number };
  /** Add a planned fault while the test runs. */
  inject(fault: Fault): void;
}

/** mulberry32: tiny, fast and good enough to make fault sequences reproducible from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function withFaults(backend: Backend, plan: FaultPlan = {}): FaultyBackend {
  const planned = (plan.faults ?? []).map((f) => ({ ...f, left: f.count ?? 1 }));
  const rnd = plan.random ? seededRandom(plan.random.seed) : undefined;
  let corruptLeft = plan.corrupt?.count ?? Infinity;
  const stats = { calls: { create: 0, save: 0, load: 0, stat: 0, list: 0, remove: 0 }, injected: 0, corrupted: 0 };

  function injected(kind: FaultKind, op: FaultOp, what: string): BackendError {
    stats.injected++;
    return new BackendError(kind, `injected ${kind} fault: ${op} ${what} at ${backend.location}`);
  }

  /** Decide a call's fate: throws at once for a "before" fault, returns the error for an "after" one. */
  function enter(op: FaultOp, type: FileType | undefined, what: string): BackendError | undefined {
    stats.calls[op]++;
    const i = planned.findIndex((f) => f.op === op && f.left > 0 && (f.type === undefined || f.type === type));
    if (i >= 0) {
      const f = planned[i];
      if (--f.left === 0) planned.splice(i, 1);
      const err = injected(f.kind ?? 'transient', op, what);
      if (f.after) return err;
      throw err;
    }
    const r = plan.random;
    if (r && rnd && (r.ops ?? [op]).includes(op) && rnd() < r.probability)
      throw injected(r.kind ?? 'transient', op, what);
    return undefined;
  }

  async function call<T>(op: FaultOp, h: Handle | undefined, fn: () => Promise<T>): Promise<T> {
    const after = enter(op, h?.type, h ? handleToString(h) : 'repository');
    const result = await fn();
    if (after) throw after;
    return result;
  }

  function damage(h: Handle, data: Uint8Array): Uint8Array {
    const c = plan.corrupt;
    if (!c || corruptLeft <= 0 || (c.type !== undefined && c.type !== h.type) || data.length === 0) return data;
    corruptLeft--;
    stats.corrupted++;
    if (c.mode === 'truncate') return data.subarray(0, Math.floor(data.length / 2));
    const copy = Buffer.from(data);
    copy[copy.length >> 1] ^= 0x01;
    return copy;
  }

  async function* list(type: FileType, opts?: ListOptions): AsyncIterable<FileInfo> {
    const after = enter('list', type, `${type} objects`);
    let yielded = false;
    for await (const info of backend.list(type, opts)) {
      yield info;
      yielded = true;
      if (after) throw after;
    }
    if (after && !yielded) throw after;
  }

  return {
    location: backend.location,
    localPath: backend.localPath,
    capabilities: backend.capabilities,
    stats,
    inject: (f) => void planned.push({ ...f, left: f.count ?? 1 }),
    create: () => call('create', undefined, () => backend.create()),
    save: (h, data, o) => call('save', h, () => backend.save(h, damage(h, data), o)),
    load: (h, range) => call('load', h, () => backend.load(h, range)),
    stat: (h) => call('stat', h, () => backend.stat(h)),
    list,
    remove: (h) => call('remove', h, () => backend.remove(h)),
    isNotFound: (err) => (err instanceof BackendError ? err.kind === 'not-found' : backend.isNotFound(err)),
    isAlreadyExists: (err) =>
      err instanceof BackendError ? err.kind === 'already-exists' : backend.isAlreadyExists(err),
    isPermanent: (err) => (err instanceof BackendError ? err.kind !== 'transient' : backend.isPermanent(err)),
    ...(backend.removeLeftovers ? { removeLeftovers: () => backend.removeLeftovers!() } : {}),
    close: () => backend.close(),
  };
}
