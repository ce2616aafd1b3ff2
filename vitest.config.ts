import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests live under test/ (unit tests in test/unit, mirroring src/) and bench/; test/unit/layout.test.ts keeps src/ free of them.
    include: ['test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Keys made by tests use a cheap scrypt cost (src/repository/keys.ts, TESTONLY_WEAK_KDF); the memory tests and
    // the benchmarks measure the real one.
    env: { STRONGBOX_TESTONLY_WEAKEN_KDF: '1' },
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
