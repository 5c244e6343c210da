import { parseBoardConfig, formatProblem } from '../../hal/board/load-board.js';
import { displayPath } from '../board-files.js';
import { CliError, EXIT } from '../errors.js';
import { readInput, shippedBoardFiles } from '../files.js';
import { table, sizeText } from '../format.js';

export interface BoardSummary {
  name: string;
  file: string;
  standard: string;
  sizeBytes: number;
  dies: string[];
}

export async function listBoards(opts: { json?: boolean }): Promise<void> {
  const rows: BoardSummary[] = [];
  const broken: string[] = [];
  for (const file of shippedBoardFiles()) {
    const shown = displayPath(file);
    const r = parseBoardConfig(readInput(file, 'board config').toString('utf8'), shown);
    if (!r.ok) {
      broken.push(...r.problems.map((p) => formatProblem(shown, p)));
      continue;
    }
    const b = r.board;
    rows.push({
      name: b.name,
      file: shown,
      standard: b.standard,
      sizeBytes: b.dramSize,
      dies: b.dies.map((d) => d.id),
    });
  }
  if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else {
    process.stdout.write(
      table(
        ['BOARD', 'DRAM', 'SIZE', 'DIES', 'FILE'],
        rows.map((r) => [r.name, r.standard, sizeText(r.sizeBytes), `${r.dies.length}: ${abbreviate(r.dies)}`, r.file]),
      ),
    );
  }
  if (broken.length > 0)
    throw new CliError(`shipped board configs with problems (${broken.length}):`, EXIT.failed, broken);
}

function abbreviate(ids: string[]): string {
  return ids.length <= 4 ? ids.join(' ') : `${ids.slice(0, 3).join(' ')} … ${ids.at(-1)}`;
}

export async function validateBoards(files: string[]): Promise<void> {
  let bad = 0;
  for (const file of files) {
    const text = readInput(file, 'board config').toString('utf8');
    const r = parseBoardConfig(text, file);
    if (r.ok) {
      process.stdout.write(
        `${file}: ok (${r.board.name}: ${r.board.dies.length} dies, ${sizeText(r.board.dramSize)} ${r.board.standard})\n`,
      );
    } else {
      bad++;
      for (const p of r.problems) process.stdout.write(formatProblem(file, p) + '\n');
    }
  }
  if (bad > 0) {
    const n = files.length;
    throw new CliError(
      n === 1 ? `${files[0]} is not a valid board config` : `${bad} of ${n} board configs are not valid`,
    );
  }
}
