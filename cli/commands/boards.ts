import { basename } from 'node:path';
import { parseBoardConfig, formatProblem } from '../../hal/board/load-board.js';
import { parseJsonSource } from '../../hal/board/json-source.js';
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
import { CliError } from '../errors.js';
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
    if (e.text === undefined) {
      broken.push(e.readError ?? `${e.shown}: cannot read`);
      continue;
    }
    const r = parseBoardConfig(e.text, e.shown);
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
  if (errors.length > 0) throw new CliError(`board configs with problems:\n${errors.join('\n')}`);
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
    let text: string;
    try {
      text = readInput(file, 'board config').toString('utf8');
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      bad++;
      say(e.message);
      continue;
    }
    const r = parseBoardConfig(text, file);
    if (!r.ok) {
      bad++;
      for (const p of r.problems) say(formatProblem(file, p));
      continue;
    }
    const b = r.board;
    const at = nameField(text);
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
  if (bad > 0) process.exitCode = 1;
}

/** `LINE:COL` of the `name` field of a valid board file's text. */
function nameField(text: string): string {
  const { source } = parseJsonSource(text);
  const p = source.positionOf(['name']);
  return `${p.line}:${p.col}`;
}
