// The one rule for naming a repository object by ID on the command line (snapshots, keys, indexes, trees):
// at least 4 hex characters of its start, matching exactly one object; an ambiguous prefix is an error.
import { StrongboxError } from '../errors.js';

export const MIN_PREFIX = 4;

/** Throws USAGE unless `prefix` is 4 to 64 lower-case hex characters. */
export function checkIdPrefix(kind: string, prefix: string): void {
  if (!new RegExp(`^[0-9a-f]{${MIN_PREFIX},64}$`).test(prefix)) {
    throw new StrongboxError(
      'USAGE',
      `'${prefix}' is not a ${kind} ID: give at least ${MIN_PREFIX} hex characters of it`,
    );
  }
}

/**
 * The one name among `names` that starts with `prefix`. NOT_FOUND when none does, USAGE when several do
 * (listing a few, so the user sees how many more characters to give).
 */
export function resolveIdPrefix(kind: string, prefix: string, names: Iterable<string>, location: string): string {
  checkIdPrefix(kind, prefix);
  const hits: string[] = [];
  for (const n of names) if (n.startsWith(prefix)) hits.push(n);
  if (hits.length === 0) throw new StrongboxError('NOT_FOUND', `no ${kind} ${prefix} in ${location}`);
  if (hits.length > 1) {
    const some = hits
      .slice(0, 3)
      .map((h) => h.slice(0, prefix.length + 4))
      .join(', ');
    throw new StrongboxError(
      'USAGE',
      `${kind} prefix ${prefix} is ambiguous (${hits.length} match: ${some}${hits.length > 3 ? ', …' : ''}); give more characters`,
    );
  }
  return hits[0];
}
