// Bundles the CLI (and the worker scripts it starts) over tsc's output in dist/: one file each, plus shared and
// lazily loaded chunks in dist/chunks/. Node's ES module loader costs about a millisecond per module, and the CLI
// loaded some 180 of them before doing anything (0.3 CPU-s for `strongbox --version`); bundled it starts in about a
// third of that. The library entry (dist/index.js) stays tsc's output. Packages with native parts stay external.
import { build } from 'esbuild';
import { writeFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const entries = ['cli/main', 'archiver/worker', 'repository/seal-worker'];
// Bundled CommonJS packages call require(); in an ES module it must be made.
const banner =
  "import { createRequire as __sbCreateRequire } from 'node:module';\n" +
  'const require = __sbCreateRequire(import.meta.url);';

// zod's `z` namespace carries its ~45 error-message locales (366 KB). The CLI imports zod as a namespace, which
// esbuild shakes, but @hono/zod-openapi (the HTTP API) passes `z` around as a value, and esbuild then puts every
// locale into the chunk the CLI loads at start. strongbox only ever uses zod's default English messages (set by zod
// itself from locales/en.js), so the bundle's locale table holds English alone: ~20% less code parsed at each start.
const zodLocales = join(dirname(createRequire(import.meta.url).resolve('zod/package.json')), 'v4/locales');
const englishOnlyZodLocales = {
  name: 'english-only-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /\/zod\/v4\/(classic|core|mini)\//.test(args.importer)
        ? { path: 'zod-locales', namespace: 'sb-zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'sb-zod-locales' }, () => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: zodLocales,
    }));
  },
};

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
  plugins: [englishOnlyZodLocales],
  write: false,
  logLevel: 'warning',
});
for (const f of result.outputFiles) {
  await mkdir(dirname(f.path), { recursive: true });
  await writeFile(f.path, f.contents);
}
