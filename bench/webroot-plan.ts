// The pure plan of a synthetic webroot: every directory and file with its size, mode, mtime and content seed.
// Same seed and size → the same plan; writing it to disk is generate-webroot.ts's job.
import { createRng, type Rng } from './random.js';
import type { TextKind } from './text-content.js';

export type Content = { type: 'text'; kind: TextKind } | { type: 'media' } | { type: 'literal'; text: string };

export interface FileSpec {
  path: string;
  size: number;
  mode: number;
  mtime: number;
  content: Content;
}
export interface WebrootPlan {
  seed: string;
  dirs: string[];
  files: FileSpec[];
}

/** A quarter of the bytes is code-like text, the rest incompressible media. */
export const TEXT_SHARE = 0.25;
const MTIME_BASE = 1717200000; // 2024-06-01, so plans do not depend on the wall clock
const SILENCE = '<?php\n// Silence is golden.\n';

interface DirProfile {
  path: string;
  kinds: TextKind[];
  mode: number;
}

function textDirs(rng: Rng): DirProfile[] {
  const word = (): string =>
    rng.pick([
      'acme',
      'woo',
      'seo',
      'forms',
      'cache',
      'gallery',
      'slider',
      'shop',
      'mail',
      'social',
      'backup',
      'security',
      'events',
      'booking',
      'lms',
      'analytics',
      'blocks',
      'builder',
      'cookie',
      'maps',
    ]);
  const php: TextKind[] = ['php', 'php', 'php', 'php', 'php', 'json', 'html'];
  const dirs: DirProfile[] = [];
  const add = (path: string, kinds: TextKind[], mode = 0o644): void => {
    dirs.push({ path, kinds, mode });
  };
  for (const sub of ['', 'blocks', 'rest-api', 'widgets', 'customize', 'js', 'css', 'html-api', 'sodium_compat/src'])
    add(`wp-includes/${sub}`.replace(/\/$/, ''), sub === 'js' ? ['js'] : sub === 'css' ? ['css'] : php);
  for (const sub of ['', 'includes', 'js', 'css', 'network', 'user'])
    add(`wp-admin/${sub}`.replace(/\/$/, ''), sub === 'js' ? ['js'] : sub === 'css' ? ['css'] : php);
  for (let p = 0; p < 24; p++) {
    const root = `wp-content/plugins/${word()}-${word()}-${p}`;
    add(root, php);
    for (const sub of ['includes', 'admin', 'templates'])
      add(`${root}/${sub}`, sub === 'templates' ? ['html', 'php'] : php);
    add(`${root}/assets/js`, ['js', 'js', 'js', 'json']);
    add(`${root}/assets/css`, ['css']);
  }
  for (const theme of ['twentytwentyfour', 'storefront', 'astra-child']) {
    for (const sub of ['', 'template-parts', 'patterns', 'inc'])
      add(`wp-content/themes/${theme}/${sub}`.replace(/\/$/, ''), php);
    add(`wp-content/themes/${theme}/assets/js`, ['js']);
    add(`wp-content/themes/${theme}/assets/css`, ['css']);
  }
  for (let v = 0; v < 30; v++)
    add(`vendor/${word()}/${word()}-${v}/src/${rng.pick(['Http', 'Util', 'Model', 'Cache'])}`, ['php']);
  add('vendor/bin', ['php'], 0o755);
  return dirs;
}

function mediaDirs(rng: Rng): string[] {
  const dirs: string[] = [];
  for (let y = 2019; y <= 2024; y++)
    for (let m = 1; m <= 12; m++) dirs.push(`wp-content/uploads/${y}/${String(m).padStart(2, '0')}`);
  dirs.push('wp-content/uploads/woocommerce_uploads', 'wp-content/themes/storefront/assets/images');
  for (let i = dirs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [dirs[i], dirs[j]] = [dirs[j], dirs[i]];
  }
  return dirs;
}

function mediaExt(rng: Rng, size: number): string {
  if (size > 8 << 20) return rng.pick(['mp4', 'mp4', 'mp4', 'pdf']);
  if (size > 1 << 20) return rng.pick(['jpg', 'jpg', 'jpg', 'pdf', 'mp4', 'png']);
  return rng.pick(['jpg', 'jpg', 'jpg', 'png', 'png', 'pdf']);
}

/** Draws Pareto sizes until `budget` bytes are used; the last size is trimmed so the total is exact. */
function sizes(rng: Rng, budget: number, min: number, alpha: number, max: number): number[] {
  const out: number[] = [];
  for (let left = budget; left > 0;) {
    const size = Math.min(left, rng.pareto(min, alpha, Math.max(min, Math.floor(max))));
    out.push(size);
    left -= size;
  }
  return out;
}

/** Plans a webroot of `totalBytes` (± the few tiny fixed files) for `seed`. */
export function planWebroot(seed: string, totalBytes: number): WebrootPlan {
  const rng = createRng(`${seed}/plan`);
  const files: FileSpec[] = [];
  const taken = new Set<string>();
  const add = (dir: string, name: string, ext: string, size: number, mode: number, content: Content): void => {
    const dot = ext ? `.${ext}` : '';
    let path = `${dir}/${name}${dot}`;
    for (let n = 2; taken.has(path); n++) path = `${dir}/${name}-${n}${dot}`;
    taken.add(path);
    files.push({ path, size, mode, mtime: MTIME_BASE - rng.int(3 * 365 * 86400), content });
  };
  const tdirs = textDirs(rng);
  const textBudget = Math.round(totalBytes * TEXT_SHARE);
  for (const size of sizes(rng, textBudget, 1500, 1.2, Math.min(2 << 20, textBudget / 20))) {
    const dir = tdirs[rng.skewed(tdirs.length, 1.5)];
    const kind = rng.pick(dir.kinds);
    const name = `${rng.pick(['class', 'functions', 'index', 'module', 'view'])}-${rng.u32().toString(36).slice(0, 5)}`;
    add(dir.path, name, kind, size, dir.mode, { type: 'text', kind });
  }
  const mdirs = mediaDirs(rng);
  const mediaBudget = totalBytes - textBudget;
  for (const size of sizes(rng, mediaBudget, 20_000, 1.0, Math.min(40 << 20, mediaBudget / 6))) {
    const dir = mdirs[rng.skewed(mdirs.length, 1.3)];
    const mode = dir.endsWith('woocommerce_uploads') ? 0o600 : 0o644;
    add(dir, `IMG_${rng.int(10000)}-${rng.u32().toString(36).slice(0, 4)}`, mediaExt(rng, size), size, mode, {
      type: 'media',
    });
  }
  // WordPress drops identical "silence" index.php files everywhere: realistic duplicates for dedup.
  const dirs = new Set([...tdirs.map((d) => d.path), ...mdirs, 'wp-content/upgrade']);
  for (const dir of [...dirs].filter((d) => d.startsWith('wp-content/plugins/') && !d.includes('/assets'))) {
    if (!taken.has(`${dir}/index.php`))
      add(dir, 'index', 'php', SILENCE.length, 0o644, { type: 'literal', text: SILENCE });
  }
  add('wp-content/uploads', '.gitkeep', '', 0, 0o644, { type: 'literal', text: '' });
  for (const path of [...dirs, ...files.map((f) => f.path)]) {
    for (let d = path.lastIndexOf('/'); d > 0; d = path.lastIndexOf('/', d - 1)) dirs.add(path.slice(0, d));
  }
  return { seed, dirs: [...dirs].sort(), files };
}
