// One ID prefix rule for every kind of object (repository/ids.ts), at the operations level: key removal and
// `cat` of an index or a snapshot take at least 4 hex characters, and a shorter prefix is a USAGE error that
// changes nothing. test/e2e/junk.test.ts checks that the CLI turns it into exit status 2.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrongboxError } from '../../src/errors.js';
import { backupPaths } from '../../src/ops/backup.js';
import { newContext } from '../../src/ops/context.js';
import { catObject } from '../../src/ops/inspect.js';
import { addKey, listKeys, removeKey } from '../../src/ops/keys.js';
import { initRepository, type RepoSpec } from '../../src/ops/repo.js';
import { tempDir } from '../e2e/helpers.js';

process.env.SB_OPS_IDS_PW = 'one prefix rule';
process.env.SB_OPS_IDS_NEW_PW = 'another key';

/** The error a promise rejects with (null if it resolves). */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe('one ID prefix rule (operations)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let spec: RepoSpec;
  beforeAll(async () => {
    tmp = await tempDir('sb-ops-ids-');
    spec = { location: join(tmp.path, 'repo'), password: { env: 'SB_OPS_IDS_PW' } };
    await initRepository(spec, newContext());
  });
  afterAll(async () => tmp?.cleanup());

  it('key removal with a prefix shorter than 4 characters is refused (USAGE) and removes nothing', async () => {
    await addKey(spec, { env: 'SB_OPS_IDS_NEW_PW' }, newContext());
    const keys = (await listKeys(spec, newContext())).keys.map((k) => k.id);
    expect(keys).toHaveLength(2);
    for (const k of keys) {
      const err = await failure(removeKey(spec, k.slice(0, 1), newContext()));
      expect(isStrongboxError(err, 'USAGE'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/at least 4 hex characters/);
    }
    expect((await listKeys(spec, newContext())).keys.map((k) => k.id).sort()).toEqual([...keys].sort());
  });

  it('cat index and cat snapshot take the same prefixes', async () => {
    const src = join(tmp.path, 'src');
    await mkdir(src);
    await writeFile(join(src, 'f'), 'x');
    const { id } = await backupPaths(spec, { paths: [src] }, newContext());
    const [index] = await readdir(join(spec.location, 'index'));
    const [snap] = await readdir(join(spec.location, 'snapshots'));
    expect(snap).toBe(id);
    expect(await catObject(spec, 'index', index.slice(0, 6), newContext())).toHaveProperty('packs');
    expect(await catObject(spec, 'snapshot', snap.slice(0, 6), newContext())).toHaveProperty('id', snap);
    for (const [kind, name] of [
      ['index', index],
      ['snapshot', snap],
    ]) {
      const err = await failure(catObject(spec, kind, name.slice(0, 3), newContext()));
      expect(isStrongboxError(err, 'USAGE'), `${kind}: ${String(err)}`).toBe(true);
    }
  });
});
