// Deterministic test data for the conformance suites: pseudo-random bytes and hex names from a seed,
// and a helper that expects a promise to reject and hands back the error.

import { createHash } from 'node:crypto';
import { expect } from 'vitest';

/** `n` pseudo-random bytes; the same seed always gives the same bytes (xorshift32, fast for MiBs). */
export function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A 64-character hex name, as the repository uses for content-addressed and random names. */
export function hexName(label: string | number): string {
  return createHash('sha256').update(String(label)).digest('hex');
}

/** Await a promise that must reject; returns the rejection reason. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  expect.fail('expected the operation to fail, but it succeeded');
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export const MiB = 1024 * 1024;
