// `strongbox backend test [LOCATION]`: checks what a store does under a scratch prefix of its own (no repository,
// no password) and reports each capability with latency and throughput (src/backends/probe.ts). The one operation
// about a store rather than a repository, so the one outside src/repository that opens a backend.
import { openBackend } from '../backends/index.js';
import { type ProbeCheck, type ProbeReport, DEFAULT_PROBE, probeBackend, scratchLocation } from '../backends/probe.js';
import type { OpContext } from './context.js';
import { plainRepo, type RepoChoice } from './target.js';

export interface BackendTestInput {
  /** The store to test; else the repository the choice names (-r, STRONGBOX_REPOSITORY, the config's only one). */
  location?: string;
  choice: RepoChoice;
  /** Bytes moved for the throughput figure, in objects of `objectBytes`. */
  bytes?: number;
  objectBytes?: number;
}

export interface BackendTestResult extends ProbeReport {
  outcome: 'ok' | 'failed';
}

export async function testBackend(input: BackendTestInput, ctx: OpContext): Promise<BackendTestResult> {
  let location = input.location;
  let options: Record<string, unknown> | undefined;
  if (location === undefined) {
    const spec = await plainRepo(input.choice);
    location = spec.location;
    options = spec.options;
  }
  const scratch = scratchLocation(location);
  // No retry wrapper: the point is to see what the store does, transient failures included.
  const backend = await openBackend(scratch, { retry: false, ...(options ? { options } : {}) });
  try {
    const report = await probeBackend(backend, scratch, location, {
      ...DEFAULT_PROBE,
      ...(input.bytes !== undefined ? { bytes: input.bytes } : {}),
      ...(input.objectBytes !== undefined ? { objectBytes: input.objectBytes } : {}),
      signal: ctx.signal,
      // A dashboard can follow the checks; the CLI prints the table at the end.
      onCheck: (c: ProbeCheck) =>
        ctx.emit({ type: 'phase', phase: 'backend-test', component: c.name, state: 'finished' }),
    });
    return { ...report, outcome: report.checks.some((c) => c.state === 'fail') ? 'failed' : 'ok' };
  } finally {
    await backend.close();
  }
}
