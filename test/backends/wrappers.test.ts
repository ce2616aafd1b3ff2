// The wrappers must keep the contract: the conformance suite over withRetry(memory) and over
// withFaults(memory) with no faults planned.

import { createMemoryBackend } from '../../src/backends/memory/memory.js';
import { withFaults } from '../../src/backends/wrappers/faults.js';
import { withRetry } from '../../src/backends/wrappers/retry.js';
import { backendConformanceSuite } from '../conformance/backend-suite.js';

backendConformanceSuite('withRetry(memory)', async () => ({
  backend: withRetry(createMemoryBackend(), { sleep: async () => {} }),
  cleanup: async () => {},
}));

backendConformanceSuite('withFaults(memory), no faults', async () => ({
  backend: withFaults(createMemoryBackend(), {}),
  cleanup: async () => {},
}));
