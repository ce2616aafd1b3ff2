// Writes a deterministic synthetic webroot (¼ code-like text, ¾ incompressible media, Pareto sizes) for the benchmark.
// CLI: node generate-webroot.js DIR [--size-mb N] [--seed S] [--mutate GENERATION]; BENCH_SIZE_MB sets the default size.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { contentReader, writeFrom } from './file-content.js';
import { planWebroot, type WebrootPlan } from './webroot-plan.js';
import { mutateWebroot } from './mutate-webroot.js';

export { mutateWebroot } from './mutate-webroot.js';
export { planWebroot } from './webroot-plan.js';

export interface GenerateOptions {
  seed?: string;
  sizeMb?: number;
}

export const DEFAULT_SEED = 'strongbox-bench-1';

/** Generates the webroot into `dir`, which must not exist or be empty; returns the plan it wrote. */
export function generateWebroot(dir: string, options: GenerateOptions = {}): WebrootPlan {
  const sizeMb = options.sizeMb ?? 400;
  const plan = planWebroot(options.seed ?? DEFAULT_SEED, Math.round(sizeMb * 1024 * 1024));
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`refusing to generate a webroot into ${dir}: it is not empty; remove it or pick another directory`);
  }
  mkdirSync(dir, { recursive: true });
  for (const d of plan.dirs) {
    mkdirSync(join(dir, d), { recursive: true });
    chmodSync(join(dir, d), 0o755);
  }
  for (const file of plan.files) {
    const path = join(dir, file.path);
    const fd = openSync(path, 'w', file.mode);
    try {
      writeFrom(fd, contentReader(plan, file), file.size);
    } finally {
      closeSync(fd);
    }
    chmodSync(path, file.mode);
    utimesSync(path, file.mtime, file.mtime);
  }
  return plan;
}

function main(argv: string[]): void {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dir = argv.find((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
  if (!dir) throw new Error('usage: generate-webroot DIR [--size-mb N] [--seed S] [--mutate GENERATION]');
  const seed = flag('--seed') ?? DEFAULT_SEED;
  const mutate = flag('--mutate');
  const started = performance.now();
  if (mutate !== undefined) {
    const r = mutateWebroot(resolve(dir), { seed, generation: Number(mutate) });
    console.log(`mutated ${dir}: ${r.modified.length} modified, ${r.added.length} added, ${r.removed.length} removed`);
  } else {
    const sizeMb = Number(flag('--size-mb') ?? process.env.BENCH_SIZE_MB ?? 400);
    const plan = generateWebroot(resolve(dir), { seed, sizeMb });
    const bytes = plan.files.reduce((n, f) => n + f.size, 0);
    console.log(
      `generated ${dir}: ${plan.files.length} files, ${plan.dirs.length} dirs, ${(bytes / 2 ** 20).toFixed(1)} MiB`,
    );
  }
  console.log(`in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
