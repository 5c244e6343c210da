import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseBoardConfig } from '../../../hal/board/load-board.js';
import type { BoardConfig } from '../../../hal/board/board-config.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'board-configs');

export const SHIPPED = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'board.schema.json')
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

export function shippedBoard(name: string): BoardConfig {
  const r = parseBoardConfig(readFileSync(join(DIR, `${name}.json`), 'utf8'), `${name}.json`);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.board;
}
