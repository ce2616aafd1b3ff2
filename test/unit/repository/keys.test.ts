// The scrypt cost of new keys: the real one unless the test-only switch is set, and opening always uses the cost a
// key file records.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.js';
import { newMasterKey } from '../../../src/repository/crypto.js';
import {
  DEFAULT_KDF,
  defaultKdf,
  kdfDerivations,
  makeKeyFile,
  openKeyFile,
  TESTONLY_WEAK_KDF,
} from '../../../src/repository/keys.js';

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

  it('derives a key once per process for the same password, salt and cost, and never remembers a wrong one', async () => {
    const master = newMasterKey();
    const kf = await makeKeyFile(master, 'right', fixedClock(0), TESTONLY_WEAK_KDF);
    const before = kdfDerivations();
    expect(await openKeyFile(kf, 'wrong', 'k')).toBeNull();
    expect(await openKeyFile(kf, 'wrong', 'k')).toBeNull();
    expect(kdfDerivations() - before).toBe(2);
    for (let i = 0; i < 3; i++) expect((await openKeyFile(kf, 'right', 'k'))?.idKey.equals(master.idKey)).toBe(true);
    expect(kdfDerivations() - before).toBe(3);
    // Another salt (another key file) with the same password is derived on its own.
    const other = await makeKeyFile(master, 'right', fixedClock(0), TESTONLY_WEAK_KDF);
    const mid = kdfDerivations();
    expect(await openKeyFile(other, 'right', 'k')).not.toBeNull();
    expect(kdfDerivations() - mid).toBe(1);
    // A damaged key file with a cached salt and cost is still refused.
    const damaged = { ...kf, data: Buffer.from('x'.repeat(80)).toString('base64') };
    expect(await openKeyFile(damaged, 'right', 'k')).toBeNull();
  });
});
