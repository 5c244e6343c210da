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
  const r = pasrBytes({}, ...args);
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

/** The same, with standard output as bytes and a time limit (a run past it is killed and has code -1). */
export function pasrBytes(
  options: { timeoutMs?: number },
  ...args: string[]
): { code: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'pasr.mjs'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 256 * 2 ** 20,
    env: { ...process.env, PASR_DEBUG: '' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}
