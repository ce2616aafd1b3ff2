// Runs the backend conformance suite against the in-memory backend.

import { createMemoryBackend } from '../../src/backends/memory/memory.js';
import { backendConformanceSuite } from '../conformance/backend-suite.js';

backendConformanceSuite('memory', async () => ({ backend: createMemoryBackend(), cleanup: async () => {} }));
