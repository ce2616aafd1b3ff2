import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

export default defineConfig({
  test: {
    // Tests live under test/ (unit tests in test/unit, mirroring src/) and bench/; test/unit/layout.test.ts keeps src/ free of them.
    include: ['test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Keys made by tests use a cheap scrypt cost (src/repository/keys.ts, TESTONLY_WEAK_KDF); the memory tests and
    // the benchmarks measure the real one.
    env: { STRONGBOX_TESTONLY_WEAKEN_KDF: '1' },
    // The longest files start first (test/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
