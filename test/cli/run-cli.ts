import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment a test runs the CLI in: the caller's, without PASR_BOARDS (a developer's own
 * board folders must not change what the tests see) and without PASR_DEBUG, plus `env`.
 */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { PASR_BOARDS: _boards, ...rest } = process.env;
  return { ...rest, PASR_DEBUG: '', ...env };
}

/** Run the built CLI (`node dist/pasr.mjs ARGS`) with no standard input, as CI does. */
export function pasr(...args: string[]): CliRun {
  return pasrIn({}, ...args);
}

/** Run the built CLI with extra environment variables and/or in another working directory. */
export function pasrIn(opts: { env?: Record<string, string>; cwd?: string }, ...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'pasr.mjs'), ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
    maxBuffer: 256 * 2 ** 20,
    env: cliEnv(opts.env),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
