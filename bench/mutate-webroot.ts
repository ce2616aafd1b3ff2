// Deterministically changes a generated webroot a little, like a day of site activity: edits, new uploads, deletions.
// For incremental-backup benchmarks; the same (tree, seed, generation) always gives the same result.
import { closeSync, mkdirSync, openSync, rmSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { contentReader, writeFrom } from './file-content.js';
import { createRng, type Rng } from './random.js';
import type { TextKind } from './text-content.js';
import { walkTree, type TreeEntry } from './tree-hash.js';
import type { Content } from './webroot-plan.js';

export interface MutateOptions {
  seed: string;
  /** 1, 2, 3…: each generation mutates differently and stamps its own mtime. */
  generation: number;
  /** Share of existing files edited in place (default 1%); a fifth as many are added, a tenth removed. */
  fraction?: number;
}
export interface MutationResult {
  modified: string[];
  added: string[];
  removed: string[];
}

const TEXT_KINDS = new Set<string>(['php', 'js', 'css', 'html', 'json']);
const MTIME_BASE = 1717200000;

function contentOf(path: string): Content {
  const ext = path.slice(path.lastIndexOf('.') + 1);
  return TEXT_KINDS.has(ext) ? { type: 'text', kind: ext as TextKind } : { type: 'media' };
}

/** Overwrites part of a file: a small text edit (sometimes with lines appended), or re-encoded media. */
function edit(root: string, e: TreeEntry, rng: Rng, seed: string, salt: string): void {
  const content = contentOf(e.path);
  const read = contentReader({ seed }, { path: e.path, content }, salt);
  const fd = openSync(join(root, e.path), 'r+');
  try {
    if (content.type === 'text') {
      const at = rng.int(e.size);
      writeFrom(fd, read, Math.min(e.size - at, 256 + rng.int(2048)), at);
      if (rng.float() < 0.5) writeFrom(fd, read, 1024 + rng.int(3072), e.size);
    } else {
      // small images get re-encoded whole; big media only get their metadata header rewritten
      writeFrom(fd, read, e.size <= 2 << 20 ? e.size : 64 * 1024, 0);
    }
  } finally {
    closeSync(fd);
  }
}

function create(root: string, path: string, size: number, seed: string, mtime: number): void {
  mkdirSync(dirname(join(root, path)), { recursive: true, mode: 0o755 });
  const fd = openSync(join(root, path), 'wx', 0o644);
  try {
    writeFrom(fd, contentReader({ seed }, { path, content: contentOf(path) }), size);
  } finally {
    closeSync(fd);
  }
  utimesSync(join(root, path), mtime, mtime);
}

/** Mutates the webroot at `root` in place and says which files changed. */
export function mutateWebroot(root: string, options: MutateOptions): MutationResult {
  const { seed, generation, fraction = 0.01 } = options;
  const rng = createRng(`${seed}/mutate/${generation}`);
  const salt = `/generation-${generation}`;
  const mtime = MTIME_BASE + generation * 86400;
  const files = walkTree(root).filter((e) => e.type === 'file' && e.size > 0);
  for (let i = files.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [files[i], files[j]] = [files[j], files[i]];
  }
  const touched = Math.max(1, Math.round(files.length * fraction));
  const modified = files.slice(0, touched);
  const removed = files.slice(touched, touched + Math.max(1, Math.round(touched / 10)));
  for (const e of modified) {
    edit(root, e, rng, seed, salt);
    utimesSync(join(root, e.path), mtime, mtime);
  }
  for (const e of removed) rmSync(join(root, e.path));
  const added: string[] = [];
  const month = String((generation % 12) + 1).padStart(2, '0');
  for (let i = 0; i < Math.max(2, Math.round(touched / 5)); i++) {
    const media = i % 3 !== 2;
    const path = media
      ? `wp-content/uploads/2025/${month}/IMG_g${generation}_${i}.jpg`
      : `wp-content/plugins/new-plugin-g${generation}/includes/class-added-${i}.php`;
    create(
      root,
      path,
      media ? rng.pareto(20_000, 1.0, 8 << 20) : rng.pareto(1500, 1.2, 256 * 1024),
      seed + salt,
      mtime,
    );
    added.push(path);
  }
  return { modified: modified.map((e) => e.path), added, removed: removed.map((e) => e.path) };
}
