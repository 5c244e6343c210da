import { readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.js';

/** The repository root: the bundle lives in dist/, the sources in cli/. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BOARD_DIR = join(ROOT, 'board-configs');

/** Largest input file we accept (a trace or a board config); larger is hostile or a mistake. */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

export function readInput(file: string, what: string): Buffer {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new CliError(`${file}: is a directory, expected a ${what}`);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(
      `${file}: cannot read ${what}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  if (size > MAX_INPUT_BYTES)
    throw new CliError(`${file}: ${size} bytes is too large for a ${what} (limit ${MAX_INPUT_BYTES})`);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CliError(`${file}: cannot read ${what}: ${(e as Error).message}`);
  }
}

/** Write atomically (temp file + rename) so an interrupted run never leaves half a file. */
export function writeOutput(file: string, data: Uint8Array | string): void {
  const tmp = join(dirname(resolve(file)), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    throw new CliError(`${file}: cannot write: ${(e as Error).message}`);
  }
}
