// The scrypt cost of new keys: the real one unless the test-only switch is set, and opening always uses the cost a
// key file records.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { newMasterKey } from '../../../src/repository/crypto.js';
import { DEFAULT_KDF, defaultKdf, makeKeyFile, openKeyFile, TESTONLY_WEAK_KDF } from '../../../src/repository/keys.js';

describe('key derivation cost', () => {
  it('is the real cost by default and the weak one only with STRONGBOX_TESTONLY_WEAKEN_KDF=1', () => {
    expect(defaultKdf({})).toEqual(DEFAULT_KDF);
    expect(defaultKdf({ STRONGBOX_TESTONLY_WEAKEN_KDF: '0' })).toEqual(DEFAULT_KDF);
    expect(defaultKdf({ STRONGBOX_TESTONLY_WEAKEN_KDF: 'yes' })).toEqual(DEFAULT_KDF);
    expect(defaultKdf({ STRONGBOX_TESTONLY_WEAKEN_KDF: '1' })).toEqual(TESTONLY_WEAK_KDF);
    expect(DEFAULT_KDF.N).toBe(32768);
  });

  it('opens a key made at either cost with the cost its file records', async () => {
    const master = newMasterKey();
    for (const kdf of [DEFAULT_KDF, TESTONLY_WEAK_KDF]) {
      const kf = await makeKeyFile(master, 'pw', fixedClock(0), kdf);
      expect(kf.N).toBe(kdf.N);
      const opened = await openKeyFile(kf, 'pw', 'k');
      expect(opened?.encKey.equals(master.encKey)).toBe(true);
      expect(await openKeyFile(kf, 'wrong', 'k')).toBeNull();
    }
  });
});
