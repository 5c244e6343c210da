import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseBoardConfig, formatProblem } from '../hal/board/load-board.js';
import type { BoardConfig } from '../hal/board/board-config.js';
import { CliError, EXIT } from './errors.js';
import { BOARD_DIR, readInput, shippedBoardFiles } from './files.js';

/** A board by shipped name (`pandaboard-es`) or by path to a config file. */
export function resolveBoardFile(nameOrFile: string): string {
  if (nameOrFile.endsWith('.json') || nameOrFile.includes('/')) return nameOrFile;
  const shipped = join(BOARD_DIR, `${nameOrFile}.json`);
  if (existsSync(shipped)) return shipped;
  const names = shippedBoardFiles().map((f) => basename(f, '.json'));
  throw new CliError(
    `unknown board ${JSON.stringify(nameOrFile)}; shipped boards: ${names.join(', ')} (or give a path to a .json config)`,
  );
}

/** Load and validate a board; on problems, a CliError listing them as FILE:LINE:COL lines. */
export function loadBoard(nameOrFile: string): BoardConfig {
  const file = resolveBoardFile(nameOrFile);
  const shown = displayPath(file);
  return boardFromBytes(readInput(file, 'board config'), shown);
}

/** A board from the bytes of its config file (`shown` names the file in messages); CliError on problems. */
export function boardFromBytes(bytes: Uint8Array, shown: string): BoardConfig {
  const r = parseBoardConfig(Buffer.from(bytes).toString('utf8'), shown);
  if (!r.ok) {
    const n = r.problems.length;
    throw new CliError(
      `${shown}: not a valid board config (${n} problem${n === 1 ? '' : 's'}):`,
      EXIT.failed,
      r.problems.map((p) => formatProblem(shown, p)),
    );
  }
  return r.board;
}

/** Paths of shipped boards relative to the repository; user paths as given. */
export function displayPath(file: string): string {
  const rel = relative(join(BOARD_DIR, '..'), file);
  return rel.startsWith('board-configs/') ? rel : file;
}
