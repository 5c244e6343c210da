/**
 * Driver for the mm core benchmarks alone (bench/main.ts runs every suite):
 *   npx esbuild bench/run-mm.ts --bundle --platform=node --format=esm --outfile=/tmp/mmb.mjs && node /tmp/mmb.mjs
 */
import { runMmBench } from './mm.bench.js';

console.log(JSON.stringify(runMmBench(), null, 2));
