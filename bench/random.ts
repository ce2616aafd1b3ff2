// Seeded, platform-independent randomness for the benchmark generators.
// A small xoshiro128** PRNG for choices, and an AES-128-CTR keystream for bulk incompressible bytes.
import { createCipheriv, createHash } from 'node:crypto';

export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  u32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Skewed index in [0, n): small indices are much likelier (power law, like word frequencies). */
  skewed(n: number, power?: number): number;
  pick<T>(items: readonly T[]): T;
  /** Pareto-distributed value ≥ min with shape alpha, capped at max. */
  pareto(min: number, alpha: number, max: number): number;
}

/** A PRNG whose whole state is derived from `seed`; the same seed gives the same sequence everywhere. */
export function createRng(seed: string): Rng {
  const d = createHash('sha256').update(seed).digest();
  let a = d.readUInt32LE(0) | 1;
  let b = d.readUInt32LE(4);
  let c = d.readUInt32LE(8);
  let e = d.readUInt32LE(12);
  const u32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    e ^= b;
    b ^= c;
    a ^= e;
    c ^= t;
    e = rotl(e, 11);
    return result;
  };
  const float = (): number => u32() / 4294967296;
  const int = (n: number): number => Math.floor(float() * n);
  return {
    u32,
    float,
    int,
    skewed: (n, power = 2.5) => Math.floor(n * Math.pow(float(), power)),
    pick: (items) => items[int(items.length)],
    pareto: (min, alpha, max) => Math.min(max, Math.floor(min / Math.pow(1 - float(), 1 / alpha))),
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const ZEROS = Buffer.alloc(1 << 20);

/** Deterministic incompressible bytes: the AES-128-CTR keystream for `seed`, read in chunks of ≤ 1 MiB. */
export function createKeystream(seed: string): (length: number) => Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return (length) => cipher.update(ZEROS.subarray(0, Math.min(length, ZEROS.length)));
}
