// Moving objects aside instead of deleting them (format doc, "Quarantine"): `repair` and `unlock` copy an
// object to quarantine/<type>-<name>-<time> and only then remove it, so whatever they took away can be put back.
import type { Handle } from '../backends/backend.js';
import type { Repository } from './repository.js';

/** The quarantine name of an object moved at `nowMs`: "<type>-<name>-<UTC time, compact>". */
export function quarantineName(h: Handle, nowMs: number): string {
  const t = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${h.type}-${h.name}-${t}`;
}

/** Copy the object into quarantine, then remove it; returns the quarantine name. */
export async function quarantine(repo: Repository, h: Handle): Promise<string> {
  const bytes = await repo.load(h);
  const name = quarantineName(h, repo.clock.now());
  await repo.save({ type: 'quarantine', name }, bytes);
  await repo.backend.remove(h);
  return name;
}
