// What the CLI adds to a repository holding junk (random bytes in snapshots/, locks/, data/): the warnings reach
// stderr and leave --json output clean, check exits 1 with the error on stderr, unlock and repair report on
// stdout, and an ID prefix under 4 characters exits 2. The behaviour itself (what is skipped, listed, restored,
// quarantined) is tested at the operations level: test/ops/junk.test.ts and test/ops/id-prefix.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOut, sb, sbOk, tempDir } from './helpers.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('junk objects in a repository: the CLI surface', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let pristine: string;
  let copies = 0;

  function copyRepo(): string {
    const dir = join(tmp.path, `copy-${copies++}`);
    execFileSync('cp', ['-a', pristine, dir]);
    return dir;
  }
  /** Put `bytes` into DIR of the repository under NAME (by default their SHA-256, as a real object's). */
  async function plant(repo: string, dir: string, bytes: Buffer, name = sha(bytes)): Promise<string> {
    const where = dir === 'data' ? join(repo, 'data', name.slice(0, 2)) : join(repo, dir);
    await mkdir(where, { recursive: true });
    await writeFile(join(where, name), bytes);
    return name;
  }

  beforeAll(async () => {
    tmp = await tempDir('sb-junk-');
    const src = join(tmp.path, 'src');
    pristine = join(tmp.path, 'pristine');
    await mkdir(src);
    await writeFile(join(src, 'a.bin'), randomBytes(4096));
    await sbOk(['-r', pristine, 'init']);
    await sbOk(['-r', pristine, '-q', 'backup', src]);
  });
  afterAll(async () => tmp?.cleanup());

  it('a junk snapshot: snapshots --json exits 0, its stdout clean JSON, the warning on stderr; check exits 1 naming it', async () => {
    const repo = copyRepo();
    const [intact] = await readdir(join(repo, 'snapshots'));
    const junk = await plant(repo, 'snapshots', randomBytes(700));
    const r = await sbOk(['-r', repo, '--json', 'snapshots']);
    expect(jsonOut<{ id: string }[]>(r.stdout).map((s) => s.id)).toEqual([intact]);
    expect(r.stderr).toMatch(new RegExp(`warning: .*snapshot ${junk.slice(0, 8)}`));
    const c = await sb(['-r', repo, 'check']);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(new RegExp(`error: .*snapshot ${junk.slice(0, 8)}`));
  });

  it('unlock and repair say what they did: unlock on stdout, repair index warns on stderr, repair snapshots --dry-run names on stdout', async () => {
    const repo = copyRepo();
    await plant(repo, 'locks', Buffer.alloc(0), randomBytes(32).toString('hex'));
    const pack = await plant(repo, 'data', randomBytes(700));
    const snap = await plant(repo, 'snapshots', Buffer.alloc(0));
    expect((await sbOk(['-r', repo, 'unlock'])).stdout).toMatch(/removed 1 lock/);
    const ri = await sbOk(['-r', repo, 'repair', 'index']);
    expect(ri.stderr).toMatch(new RegExp(`warning: .*pack ${pack.slice(0, 8)}`));
    const dry = await sbOk(['-r', repo, 'repair', 'snapshots', '--dry-run']);
    expect(dry.stdout).toMatch(new RegExp(`would move unreadable snapshot ${snap.slice(0, 8)}`));
  });

  it('an ID prefix under 4 hex characters exits 2 with the rule on stderr (key remove, cat index)', async () => {
    const repo = copyRepo();
    await sbOk(['-r', repo, 'key', 'add'], 0, { env: { STRONGBOX_NEW_PASSWORD: 'other' } });
    const [key] = await readdir(join(repo, 'keys'));
    const r = await sb(['-r', repo, 'key', 'remove', key.slice(0, 1)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/at least 4 hex characters/);
    const [index] = await readdir(join(repo, 'index'));
    expect((await sb(['-r', repo, 'cat', 'index', index.slice(0, 3)])).code).toBe(2);
  });
});
