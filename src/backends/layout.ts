// Where each object lives relative to the repository's root, shared by every backend that stores paths or
// keys (local directories, S3 prefixes, SFTP): docs/design/repository-format.md, "Layout".
import type { FileType, Handle } from './backend.js';

/** The folder of each object type; `config` is the single file "config" at the root. */
export const TYPE_DIRS: Record<Exclude<FileType, 'config'>, string> = {
  key: 'keys',
  data: 'data',
  index: 'index',
  snapshot: 'snapshots',
  lock: 'locks',
  quarantine: 'quarantine',
};

/** The object's path below the root with "/" separators: data packs are sharded by their first two characters. */
export function objectPath(h: Handle): string {
  if (h.type === 'config') return 'config';
  if (h.type === 'data') return `data/${h.name.slice(0, 2)}/${h.name}`;
  return `${TYPE_DIRS[h.type]}/${h.name}`;
}
