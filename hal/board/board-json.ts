/**
 * How a board file is read as JSON (hal/json/json-source.ts): its limits, and the noun its
 * messages use.
 */
import { parseJsonSource, type JsonFileKind, type JsonSource } from '../json/json-source.js';
import type { BoardProblem } from './board-problem.js';

/** Largest board file accepted (a real board file is 5-20 KiB). */
export const MAX_BOARD_FILE_CHARS = 1 << 20;
/** Deepest nesting accepted (board files nest 7 levels). */
export const MAX_BOARD_NESTING = 64;
/** Most entries in one list or object (the schema's own limits are lower; this keeps the validator's work small). */
export const MAX_BOARD_COLLECTION = 1024;

export const BOARD_FILE: JsonFileKind = {
  noun: 'board file',
  maxChars: MAX_BOARD_FILE_CHARS,
  maxNesting: MAX_BOARD_NESTING,
  maxCollection: MAX_BOARD_COLLECTION,
};

/** Parse a board file's text: the source with positions, the plain value, and syntax problems. */
export function parseBoardJson(text: string): { source: JsonSource; value: unknown; problems: BoardProblem[] } {
  return parseJsonSource(text, BOARD_FILE);
}
