// storageWarning: silent well below the size a store should stay under, a warning from 80 % on, "over" above it.
import { describe, expect, it } from 'vitest';
import { storageWarning } from '../../../src/status/storage.js';

const MiB = 1024 * 1024;

describe('storageWarning', () => {
  it.each([
    [0, undefined],
    [819 * MiB, undefined],
    [820 * MiB, 'holds 820 MiB and approaches the 1024 MiB'],
    [1024 * MiB, 'holds 1024 MiB and approaches the 1024 MiB'],
    [1025 * MiB, 'holds 1025 MiB and is over the 1024 MiB'],
  ])('%d bytes against 1024 MiB: %s', (bytes, want) => {
    const got = storageWarning('git:/r.git#main', bytes, 1024 * MiB);
    if (want === undefined) expect(got).toBeUndefined();
    else {
      expect(got).toContain(`the repository at git:/r.git#main ${want}`);
      expect(got).toContain('warnSizeMiB');
    }
  });
});
