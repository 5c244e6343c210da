// Bundle the CLI, the worker threads of `pasr compare` (and the benchmark runner) with esbuild. `serialport` and
// `@lydell/node-pty` stay external: they load native addons relative to their own files, which a bundle would break;
// so does `piscina`, whose threads start from its own worker file.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  external: ['serialport', '@serialport/*', '@lydell/*', 'piscina'],
  logLevel: 'warning',
  // `pasr --version`: package.json's version, fixed at build time.
  define: { PASR_VERSION: JSON.stringify(version) },
  // jsonc-parser's `main` is a UMD build with dynamic requires that a bundle cannot resolve.
  mainFields: ['module', 'main'],
  // Bundled CJS dependencies (commander, ajv) call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __pasrCreateRequire } from 'node:module'; const require = __pasrCreateRequire(import.meta.url);",
  },
};

await build({ ...common, entryPoints: [join(root, 'cli/main.ts')], outfile: join(root, 'dist/pasr.mjs') });
await build({
  ...common,
  entryPoints: [join(root, 'cli/compare/worker.ts')],
  outfile: join(root, 'dist/compare-worker.mjs'),
});
if (process.argv.includes('--bench') || process.env.npm_lifecycle_event === 'bench' || process.argv.includes('--all')) {
  await build({ ...common, entryPoints: [join(root, 'bench/main.ts')], outfile: join(root, 'dist/bench.mjs') });
}
