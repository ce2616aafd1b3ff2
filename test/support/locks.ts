// Plants a lock object in a repository as another process (or host) would have written it: sealed like every lock,
// with the fields given and, for the rest, a fresh shared lock of this host and process.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LockInfo } from '../../src/repository/lock.js';
import { sealObject } from '../../src/repository/objects.js';
import type { Repository } from '../../src/repository/repository.js';

export async function plantLock(repo: Repository, info: Partial<LockInfo>): Promise<void> {
  const now = new Date().toISOString();
  const full: LockInfo = {
    exclusive: false,
    host: hostname(),
    pid: process.pid,
    username: 'test',
    time: now,
    refreshed: now,
    ...info,
  };
  await repo.save(
    { type: 'lock', name: randomBytes(32).toString('hex') },
    sealObject(repo.key.encKey, 'lock', Buffer.from(JSON.stringify(full))),
    true,
  );
}
