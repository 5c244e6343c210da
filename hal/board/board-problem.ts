/**
 * A problem found in a board config file (a JSON file problem, hal/json/json-problem.ts, printed
 * `FILE:LINE:COL: json.path: message`), and the number formats board messages use.
 */
import type { JsonProblem } from '../json/json-problem.js';

export { formatPath, formatProblem, type PathSegment } from '../json/json-problem.js';

export type BoardProblem = JsonProblem;

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
