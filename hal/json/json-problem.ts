/**
 * A problem found in a JSON input file (a board config, a workload scenario), and how it is
 * printed: `FILE:LINE:COL: json.path: message` (line and column 1-based, as editors and compilers
 * print them).
 */

export interface JsonProblem {
  readonly line: number;
  readonly col: number;
  /** JSON path, e.g. `controllers[0].dies[1].part`; `$` for the whole document. */
  readonly path: string;
  readonly message: string;
}

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['controllers', 0, 'dies', 1, 'part']` -> `controllers[0].dies[1].part`; `[]` -> `$`. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '$';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function formatProblem(file: string, p: JsonProblem): string {
  return `${file}:${p.line}:${p.col}: ${p.path}: ${p.message}`;
}

/** Most problems a loader returns for one file. */
export const MAX_PROBLEMS = 100;

/**
 * Problems in file order (line, then column, then as found), at most MAX_PROBLEMS: the last one
 * then says how many there were.
 */
export function sortProblems(problems: readonly JsonProblem[]): JsonProblem[] {
  const sorted = problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || a.p.col - b.p.col || a.i - b.i)
    .map((x) => x.p);
  if (sorted.length > MAX_PROBLEMS) {
    const total = sorted.length;
    sorted.length = MAX_PROBLEMS - 1;
    sorted.push({ line: 1, col: 1, path: '$', message: `too many problems: showing ${MAX_PROBLEMS - 1} of ${total}` });
  }
  return sorted;
}

/** The problem a loader returns when one of its own checks throws (a bug must not reach the user as a stack trace). */
export function internalProblem(e: unknown): JsonProblem {
  return {
    line: 1,
    col: 1,
    path: '$',
    message: `internal error while checking this file: ${(e as Error).message}`,
  };
}
