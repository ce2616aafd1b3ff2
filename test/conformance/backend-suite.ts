// The one conformance suite every backend runs (restic/unstorage style): a backend's own test file is a
// few lines that call backendConformanceSuite with a factory. Capability-dependent tests skip themselves.

import { afterEach, beforeEach, describe, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import { listingTests } from './backend-listing.js';
import { objectTests } from './backend-objects.js';

export interface BackendUnderTest {
  backend: Backend;
  /** Remove whatever the backend stored (temp directories, buckets). Called after backend.close(). */
  cleanup(): Promise<void>;
  /** A second, independent backend on the same storage; enables the persistence test. */
  reopen?(): Promise<Backend>;
}

/**
 * How much of the suite a backend runs. `full`: every test. `transport`: for a second or third way of reaching the same
 * backend code (git over ssh:// or http:// after the local bare repository ran the full suite), only the tests whose
 * requests cross the wire: round trips with multi-MiB objects, missing objects, exclusive and replacing saves and
 * their races, idempotent create, listing, removal, concurrent saves and a reopen from a second cache. Range checks,
 * name rules and buffer copies are the backend's own logic, the same whatever the transport.
 */
export type SuiteScope = 'full' | 'transport';

/** Registers a test only in the full scope. */
export function fullScopeOnly(scope: SuiteScope): typeof it {
  return scope === 'full' ? it : ((() => undefined) as unknown as typeof it);
}

/** What the test groups see; filled in before each test. */
export interface SuiteContext {
  backend: Backend;
  reopen?: () => Promise<Backend>;
}

/**
 * Register the backend contract tests under `describe(name)`. Each test gets a fresh backend from
 * `factory` on which the suite calls create() (which must be idempotent).
 *
 * Contract points the suite pins down beyond the comments in backend.ts:
 * - a ranged load must lie inside the object; zero-length ranges are allowed from 0 to size inclusive
 *   and return an empty buffer; anything past the end fails with a permanent error (never short data);
 * - a non-exclusive save over an existing object is allowed and replaces it atomically;
 * - not-found and already-exists errors are also permanent (retrying cannot help);
 * - object names are 1–255 characters without "/", "\\" or NUL, not starting with "."; data names have
 *   at least two; invalid names fail with a permanent error;
 * - close() may be called more than once;
 * - save copies its input: changing the caller's buffer after save resolves does not change the object,
 *   and buffers returned by load belong to the caller.
 */
export function backendConformanceSuite(
  name: string,
  factory: () => Promise<BackendUnderTest>,
  scope: SuiteScope = 'full',
): void {
  describe(`backend conformance: ${name}${scope === 'full' ? '' : ` (${scope} scope)`}`, () => {
    const ctx = {} as SuiteContext;
    let current: BackendUnderTest | undefined;

    beforeEach(async () => {
      current = await factory();
      ctx.backend = current.backend;
      ctx.reopen = current.reopen?.bind(current);
      await ctx.backend.create();
    });

    afterEach(async () => {
      if (current === undefined) return;
      await current.backend.close();
      await current.cleanup();
      current = undefined;
    });

    objectTests(ctx, scope);
    listingTests(ctx, scope);
  });
}
