import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (`node dist/pasr.mjs ARGS`) with no standard input, as CI does. */
export function pasr(...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'pasr.mjs'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
    maxBuffer: 256 * 2 ** 20,
    env: { ...process.env, PASR_DEBUG: '' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
