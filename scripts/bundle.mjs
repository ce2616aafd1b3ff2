// Bundles the CLI (and the worker scripts it starts) over tsc's output in dist/: one file each, plus shared and
// lazily loaded chunks in dist/chunks/. Node's ES module loader costs about a millisecond per module, and the CLI
// loaded some 180 of them before doing anything (0.3 CPU-s for `strongbox --version`); bundled it starts in about a
// third of that. The library entry (dist/index.js) stays tsc's output. Packages with native parts stay external.
import { build } from 'esbuild';
import { writeFile, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

const entries = ['cli/main', 'archiver/worker', 'repository/seal-worker'];
// Bundled CommonJS packages call require(); in an ES module it must be made.
const banner =
  "import { createRequire as __sbCreateRequire } from 'node:module';\n" +
  'const require = __sbCreateRequire(import.meta.url);';

await rm('dist/chunks', { recursive: true, force: true });
const result = await build({
  entryPoints: Object.fromEntries(entries.map((e) => [e, `dist/${e}.js`])),
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['zstd-napi', 'ssh2', 'cpu-features'],
  banner: { js: banner },
  legalComments: 'none',
  write: false,
  logLevel: 'warning',
});
for (const f of result.outputFiles) {
  await mkdir(dirname(f.path), { recursive: true });
  await writeFile(f.path, f.contents);
}
