// Object keys as tree paths (pure): each "/"-separated segment becomes an entry name, escaped where a key
// segment is not a safe name (format doc, "Bucket components"); the exact key is kept on the node besides.

/**
 * The entry name for one key segment: "%", control characters and DEL as %XX (upper-case hex of the UTF-8 byte),
 * an empty segment (from "a//b", a trailing "/" folder marker, a leading "/") as "%", "." as "%2E", ".." as
 * "%2E%2E". Every other character stays as it is. Injective: a literal "%" is always escaped, so "%" alone or
 * "%" not followed by two hex digits never comes from a character.
 */
export function escapeSegment(seg: string): string {
  if (seg === '') return '%';
  if (seg === '.') return '%2E';
  if (seg === '..') return '%2E%2E';
  // eslint-disable-next-line no-control-regex
  return seg.replace(/[%\x00-\x1f\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The inverse of escapeSegment (a collision marker, a trailing lone "%" after a name, is not part of it). */
export function unescapeSegment(name: string): string {
  if (name === '%') return '';
  return name.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** A directory of the key tree: objects by entry name and sub-directories by entry name. */
export interface KeyDir<T> {
  dirs: Map<string, KeyDir<T>>;
  objects: Map<string, { key: string; value: T }>;
}

/**
 * Arranges objects by key into directories. An object whose name is also a directory's (keys "a" and "a/b") gets
 * "%" appended ("a%"): no escaped segment ends in a lone "%" after other characters, so the name is free.
 */
export function keyTree<T>(entries: Iterable<{ key: string; value: T }>): KeyDir<T> {
  const root: KeyDir<T> = { dirs: new Map(), objects: new Map() };
  const files: { dir: KeyDir<T>; name: string; key: string; value: T }[] = [];
  for (const e of entries) {
    const segs = e.key.split('/');
    let dir = root;
    for (const s of segs.slice(0, -1)) {
      const n = escapeSegment(s);
      let d = dir.dirs.get(n);
      if (!d) dir.dirs.set(n, (d = { dirs: new Map(), objects: new Map() }));
      dir = d;
    }
    files.push({ dir, name: escapeSegment(segs[segs.length - 1]), key: e.key, value: e.value });
  }
  // Names are settled once every directory exists: whether "a" needs its marker depends on keys seen later.
  for (const f of files)
    f.dir.objects.set(f.dir.dirs.has(f.name) ? `${f.name}%` : f.name, { key: f.key, value: f.value });
  return root;
}
