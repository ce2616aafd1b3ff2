// `strongbox backend test`: the non-destructive part of the conformance checks, run against a user's real store
// under a scratch prefix of its own, with what the store does measured: whether an exclusive create is atomic,
// whether a listing shows a write at once and forgets a removal, whether ranged reads work, request latency and
// throughput. Like kopia's `repository validate-provider`: an S3-compatible store that misbehaves is found before
// a repository depends on it. Only objects under the scratch prefix are written, and all of them are removed.
import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { monotonicMs } from '../clock.js';
import { type Backend, type Handle } from './backend.js';

export type CheckState = 'pass' | 'warn' | 'fail';

export interface ProbeCheck {
  name: string;
  state: CheckState;
  detail: string;
}

export interface LatencyStats {
  /** Requests measured. */
  count: number;
  medianMs: number;
  p95Ms: number;
}

export interface ProbeReport {
  location: string;
  /** Where the objects were written (removed again afterwards). */
  scratch: string;
  capabilities: Backend['capabilities'];
  checks: ProbeCheck[];
  latency: { save: LatencyStats; load: LatencyStats; stat: LatencyStats; list: LatencyStats };
  throughput: { bytes: number; objects: number; uploadBytesPerSecond: number; downloadBytesPerSecond: number };
  /** Objects the probe could not remove again (named), or a note about what the store keeps (empty directories). */
  leftovers: string[];
}

export interface ProbeOptions {
  /** Bytes to upload and download for the throughput measurement (in objects of `objectBytes`). */
  bytes: number;
  objectBytes: number;
  /** Small requests timed for each kind of latency. */
  samples: number;
  signal?: AbortSignal;
  /** Told as each check ends, so a front end can show progress. */
  onCheck?: (c: ProbeCheck) => void;
}

export const DEFAULT_PROBE: Omit<ProbeOptions, 'signal' | 'onCheck'> = {
  bytes: 64 << 20,
  objectBytes: 16 << 20,
  samples: 20,
};

/** A fresh scratch name below a location: appended as a path segment, which every path-like scheme accepts. */
export function scratchLocation(location: string, name = `strongbox-backend-test-${randomUUID().slice(0, 8)}`): string {
  return location.endsWith('/') ? `${location}${name}` : `${location}/${name}`;
}

const hex = (n: number) => randomBytes(n).toString('hex');

/**
 * Runs every check against `backend`, which must be opened on a scratch location nothing else uses, and removes
 * what it wrote. A check that finds the store breaking the contract is `fail`; one that finds a weaker guarantee
 * than the backend declares is `fail` too; a weaker guarantee the engine copes with is `warn`.
 */
export async function probeBackend(
  backend: Backend,
  scratch: string,
  location: string,
  opts: ProbeOptions,
): Promise<ProbeReport> {
  const checks: ProbeCheck[] = [];
  const written = new Set<string>();
  const handles: Handle[] = [];
  const note = (name: string, state: CheckState, detail: string) => {
    const c = { name, state, detail };
    checks.push(c);
    opts.onCheck?.(c);
  };
  const aborted = () => {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
  };
  const track = (h: Handle) => {
    const k = `${h.type}/${h.name}`;
    if (!written.has(k)) {
      written.add(k);
      handles.push(h);
    }
  };
  const save = async (h: Handle, data: Uint8Array, exclusive = false) => {
    track(h);
    await backend.save(h, data, exclusive ? { exclusive } : undefined);
  };
  /** Runs one check; an unexpected error fails it with the error's message and the probe goes on. */
  const check = async (name: string, fn: () => Promise<[CheckState, string]>) => {
    aborted();
    try {
      const [state, detail] = await fn();
      note(name, state, detail);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      note(name, 'fail', (e as Error).message);
    }
  };
  const latency = { save: [] as number[], load: [] as number[], stat: [] as number[], list: [] as number[] };
  let throughput: ProbeReport['throughput'] = {
    bytes: 0,
    objects: 0,
    uploadBytesPerSecond: 0,
    downloadBytesPerSecond: 0,
  };
  const leftovers: string[] = [];

  try {
    await check('create the layout', async () => {
      await backend.create();
      await backend.create();
      return ['pass', 'create() made the layout and is idempotent'];
    });

    const small: Handle = { type: 'snapshot', name: hex(32) };
    const content = randomBytes(4096);
    await check('write, read back, stat', async () => {
      await save(small, content);
      const back = await backend.load(small);
      if (!back.equals(content)) return ['fail', 'the object read back differs from what was written'];
      const st = await backend.stat(small);
      if (st.size !== content.length) return ['fail', `stat reports ${st.size} bytes, ${content.length} were written`];
      return ['pass', `${content.length} bytes written, read back identical, stat agrees`];
    });

    await check('list after write', async () => {
      const names = await listNames(backend, 'snapshot');
      return names.has(small.name)
        ? ['pass', 'a listing right after a write shows the object']
        : [
            backend.capabilities.consistentListing ? 'fail' : 'warn',
            'a listing right after a write did not show the object' +
              (backend.capabilities.consistentListing
                ? ', though the backend declares consistent listing'
                : ' (the backend declares inconsistent listing; locks re-check after a delay)'),
          ];
    });

    await check('ranged read', async () => {
      const part = await backend.load(small, { offset: 1000, length: 100 });
      if (!part.equals(content.subarray(1000, 1100))) return ['fail', 'a ranged read returned the wrong bytes'];
      return [
        'pass',
        backend.capabilities.rangeReads
          ? 'offset 1000, 100 bytes: right bytes'
          : 'right bytes (the backend reads whole objects and cuts them)',
      ];
    });

    await check('read of a missing object', async () => {
      try {
        await backend.load({ type: 'snapshot', name: hex(32) });
        return ['fail', 'reading a missing object succeeded'];
      } catch (e) {
        return backend.isNotFound(e)
          ? ['pass', 'reported as not found']
          : ['fail', `not reported as not found: ${(e as Error).message}`];
      }
    });

    await check('exclusive create refuses an existing object', async () => {
      const h: Handle = { type: 'lock', name: hex(32) };
      await save(h, Buffer.from('first'), true);
      try {
        await save(h, Buffer.from('second'), true);
        return ['fail', 'a second exclusive create of one name succeeded'];
      } catch (e) {
        if (!backend.isAlreadyExists(e)) return ['fail', `not reported as already existing: ${(e as Error).message}`];
      }
      const back = (await backend.load(h)).toString();
      return back === 'first'
        ? ['pass', 'the second create fails as already existing; the first content stays']
        : ['fail', 'the refused create changed the object'];
    });

    await check('exclusive create is atomic', async () => {
      const h: Handle = { type: 'lock', name: hex(32) };
      track(h);
      const racers = 8;
      const results = await Promise.allSettled(
        Array.from({ length: racers }, (_, i) => backend.save(h, Buffer.from(`racer ${i}`), { exclusive: true })),
      );
      const won = results.filter((r) => r.status === 'fulfilled').length;
      const odd = results
        .filter((r) => r.status === 'rejected' && !backend.isAlreadyExists(r.reason))
        .map((r) => ((r as PromiseRejectedResult).reason as Error).message);
      if (odd.length) return ['fail', `${odd.length} of ${racers} racing creates failed otherwise: ${odd[0]}`];
      if (won === 1) return ['pass', `of ${racers} racing exclusive creates of one name exactly one succeeded`];
      return backend.capabilities.atomicCreate
        ? ['fail', `${won} of ${racers} racing exclusive creates succeeded, though the backend declares atomic create`]
        : [
            'warn',
            `${won} of ${racers} racing exclusive creates succeeded (not atomic, as the backend declares; locks re-check after a delay)`,
          ];
    });

    await check('remove, then stat and list', async () => {
      await backend.remove(small);
      await backend.remove(small); // removing a missing object is not an error
      try {
        await backend.stat(small);
        return ['fail', 'stat still finds a removed object'];
      } catch (e) {
        if (!backend.isNotFound(e)) return ['fail', `stat of a removed object: ${(e as Error).message}`];
      }
      const names = await listNames(backend, 'snapshot');
      return names.has(small.name)
        ? [
            backend.capabilities.consistentListing ? 'fail' : 'warn',
            'a listing right after a removal still shows the object',
          ]
        : ['pass', 'gone from stat and listing at once; a second remove is no error'];
    });

    await check('latency', async () => {
      const data = randomBytes(1024);
      const hs: Handle[] = [];
      for (let i = 0; i < opts.samples; i++) {
        aborted();
        const h: Handle = { type: 'index', name: hex(32) };
        hs.push(h);
        latency.save.push(await timed(() => save(h, data)));
      }
      for (const h of hs) latency.stat.push(await timed(() => backend.stat(h)));
      for (const h of hs) latency.load.push(await timed(() => backend.load(h)));
      for (let i = 0; i < Math.min(5, opts.samples); i++)
        latency.list.push(await timed(() => listNames(backend, 'index')));
      const s = stats(latency.save);
      return [
        s.medianMs > 1000 ? 'warn' : 'pass',
        `small-object save median ${fmtMs(s.medianMs)}, p95 ${fmtMs(s.p95Ms)}; load median ${fmtMs(stats(latency.load).medianMs)}`,
      ];
    });

    await check('throughput', async () => {
      const count = Math.max(1, Math.ceil(opts.bytes / opts.objectBytes));
      const blobs = Array.from({ length: count }, () => ({
        h: { type: 'data', name: hex(32) } as Handle,
        data: randomBytes(opts.objectBytes),
      }));
      const lanes = Math.max(1, backend.capabilities.connections);
      const t0 = monotonicMs();
      await inLanes(blobs, lanes, async (b) => {
        aborted();
        await save(b.h, b.data);
      });
      const up = monotonicMs() - t0;
      const t1 = monotonicMs();
      let bad = 0;
      await inLanes(blobs, lanes, async (b) => {
        aborted();
        if (!(await backend.load(b.h)).equals(b.data)) bad++;
      });
      const down = monotonicMs() - t1;
      const total = count * opts.objectBytes;
      throughput = {
        bytes: total,
        objects: count,
        uploadBytesPerSecond: total / (up / 1000),
        downloadBytesPerSecond: total / (down / 1000),
      };
      if (bad) return ['fail', `${bad} of ${count} large objects read back with different content`];
      return [
        'pass',
        `${count} × ${mib(opts.objectBytes)} with ${lanes} connection(s): up ${mib(throughput.uploadBytesPerSecond)}/s, down ${mib(throughput.downloadBytesPerSecond)}/s`,
      ];
    });
  } finally {
    for (const h of handles) {
      try {
        await backend.remove(h);
      } catch (e) {
        leftovers.push(`${h.type}/${h.name}: ${(e as Error).message}`);
      }
    }
    if (backend.localPath !== undefined && leftovers.length === 0)
      await rm(backend.localPath, { recursive: true, force: true });
    else if (leftovers.length === 0 && !scratch.startsWith('s3:') && !scratch.startsWith('memory:'))
      leftovers.push(`the empty layout directories under ${scratch}`);
  }
  return {
    location,
    scratch,
    capabilities: backend.capabilities,
    checks,
    latency: {
      save: stats(latency.save),
      load: stats(latency.load),
      stat: stats(latency.stat),
      list: stats(latency.list),
    },
    throughput,
    leftovers,
  };
}

async function listNames(backend: Backend, type: Handle['type']): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const f of backend.list(type)) names.add(f.name);
  return names;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = monotonicMs();
  await fn();
  return monotonicMs() - t;
}

async function inLanes<T>(items: T[], lanes: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

export function stats(ms: number[]): LatencyStats {
  if (!ms.length) return { count: 0, medianMs: 0, p95Ms: 0 };
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { count: s.length, medianMs: at(0.5), p95Ms: at(0.95) };
}

const fmtMs = (ms: number) => (ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);
const mib = (b: number) => `${(b / 1048576).toFixed(b >= 10 * 1048576 ? 0 : 1)} MiB`;
