import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Build the CLI bundle once, so CLI tests run the same `dist/pasr.mjs` a user runs. */
export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'cli', 'build.mjs')], { stdio: 'inherit' });
}
