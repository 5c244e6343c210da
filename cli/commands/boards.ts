import { basename } from 'node:path';
import { parseBoardBytes, formatProblem } from '../../hal/board/load-board.js';
import { BOARD_FILE, parseBoardJson } from '../../hal/board/board-json.js';
import { decodeJsonText } from '../../hal/json/json-text.js';
import {
  boardSearch,
  inSearchPath,
  nameProblems,
  realPath,
  scanBoards,
  SCHEMA_FILE,
  type BoardEntry,
  type BoardsDirOption,
} from '../board-files.js';
import { CliError, EXIT } from '../errors.js';
import { readInput } from '../files.js';
import { table, sizeText } from '../format.js';

export interface BoardSummary {
  name: string;
  file: string;
  standard: string;
  sizeBytes: number;
  dies: string[];
}

interface BoardsOptions extends BoardsDirOption {
  json?: boolean;
}

/** `pasr boards`: every board of the search path; broken files, duplicate names and misnamed files are flagged. */
export async function listBoards(opts: BoardsOptions): Promise<void> {
  const search = boardSearch(opts);
  const entries = scanBoards(search);
  const rows: BoardSummary[] = [];
  const broken: string[] = [];
  for (const e of entries) {
    if (e.bytes === undefined) {
      broken.push(e.readError ?? `${e.shown}: cannot read`);
      continue;
    }
    const r = parseBoardBytes(e.bytes, e.shown);
    if (!r.ok) {
      broken.push(...r.problems.map((p) => formatProblem(e.shown, p)));
      continue;
    }
    const b = r.board;
    rows.push({
      name: b.name,
      file: e.shown,
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
  for (const dir of search.missing) process.stderr.write(`warning: PASR_BOARDS: ${dir}: no such folder (skipped)\n`);
  const names = nameProblems(entries);
  for (const p of names.filter((p) => p.severity === 'warning'))
    process.stderr.write(`warning: ${p.file}: ${p.message}\n`);
  const errors = [...broken, ...names.filter((p) => p.severity === 'error').map((p) => `${p.file}: ${p.message}`)];
  if (errors.length > 0) throw new CliError(`board configs with problems (${errors.length}):`, EXIT.failed, errors);
}

function abbreviate(ids: string[]): string {
  return ids.length <= 4 ? ids.join(' ') : `${ids.slice(0, 3).join(' ')} … ${ids.at(-1)}`;
}

/**
 * `pasr boards validate FILE...`: every file is checked, even after one that cannot be read;
 * the JSON Schema (board.schema.json, what `board-configs/*.json` also matches) is skipped.
 * A valid board in a folder of the search path is also checked against the other boards there
 * (a name two files claim is a problem) and against its file name (a warning).
 */
export async function validateBoards(files: string[], opts: BoardsDirOption): Promise<void> {
  const search = boardSearch(opts);
  let entries: BoardEntry[] | undefined;
  let bad = 0;
  const say = (line: string) => process.stdout.write(line + '\n');
  for (const file of files) {
    if (basename(file) === SCHEMA_FILE) {
      say(`${file}: skipped (the JSON Schema of board files, not a board)`);
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = readInput(file, 'board config');
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      bad++;
      say(e.message);
      continue;
    }
    const r = parseBoardBytes(bytes, file);
    if (!r.ok) {
      bad++;
      for (const p of r.problems) say(formatProblem(file, p));
      continue;
    }
    const b = r.board;
    const at = nameField(bytes);
    const errors: string[] = [];
    const warnings: string[] = [];
    const stem = basename(file).replace(/\.json$/, '');
    if (b.name !== stem)
      warnings.push(
        `${file}:${at}: name: warning: "${b.name}" differs from the file name ${basename(file)} (rename one of them)`,
      );
    if (inSearchPath(file, search)) {
      entries ??= scanBoards(search);
      const self = realPath(file);
      const others = entries.filter(
        (e) => realPath(e.file) !== self && (e.stem === b.name || e.name === b.name || e.stem === stem),
      );
      if (others.length > 0)
        errors.push(
          `${file}:${at}: name: board "${b.name}" is also defined by ${others.map((o) => o.shown).join(', ')} (--board ${b.name} refuses to choose; rename or remove one)`,
        );
    }
    if (errors.length > 0) bad++;
    else say(`${file}: ok (${b.name}: ${b.dies.length} dies, ${sizeText(b.dramSize)} ${b.standard})`);
    for (const l of [...errors, ...warnings]) say(l);
  }
  if (bad > 0) {
    const boards = files.filter((f) => basename(f) !== SCHEMA_FILE);
    const n = boards.length;
    throw new CliError(
      n === 1 ? `${boards[0]} is not a valid board config` : `${bad} of ${n} board configs are not valid`,
    );
  }
}

/** `LINE:COL` of the `name` field of a valid board file. */
function nameField(bytes: Uint8Array): string {
  const decoded = decodeJsonText(bytes, BOARD_FILE.noun);
  if (!decoded.ok) return '1:1';
  const { source } = parseBoardJson(decoded.text);
  const p = source.positionOf(['name']);
  return `${p.line}:${p.col}`;
}
