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

/** Where and how the CLI runs: extra environment variables, another working directory, a time limit. */
export interface CliRunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** A run past it is killed and has code -1. */
  timeoutMs?: number;
}

/** Run the built CLI with extra environment variables and/or in another working directory. */
export function pasrIn(options: CliRunOptions, ...args: string[]): CliRun {
  const r = pasrBytes(options, ...args);
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

/** The same, with standard output as bytes. */
export function pasrBytes(options: CliRunOptions, ...args: string[]): { code: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'pasr.mjs'), ...args], {
    cwd: options.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 256 * 2 ** 20,
    env: cliEnv(options.env),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}
