/**
 * A problem found in a board config file, and how it is printed:
 * `FILE:LINE:COL: json.path: message` (line and column 1-based, as editors and compilers print them).
 */

export interface BoardProblem {
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

export function formatProblem(file: string, p: BoardProblem): string {
  return `${file}:${p.line}:${p.col}: ${p.path}: ${p.message}`;
}

/** A byte count for messages: `1 GiB`, `128 MiB`, `12 KiB`, `0x1234 bytes`. */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [2 ** 40, 'TiB'],
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ];
  for (const [u, name] of units) {
    if (n >= u && n % u === 0) return `${n / u} ${name}`;
  }
  for (const [u, name] of units) {
    if (n >= u && (n * 4) % u === 0) return `${n / u} ${name}`;
  }
  return `${n} bytes`;
}
