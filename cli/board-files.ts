import { realpathSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseBoardBytes, formatProblem } from '../hal/board/load-board.js';
import { BOARD_FILE, parseBoardJson } from '../hal/board/board-json.js';
import { closestWords } from '../hal/json/json-schema.js';
import { decodeJsonText } from '../hal/json/json-text.js';
import type { BoardConfig } from '../hal/board/board-config.js';
import { CliError, EXIT } from './errors.js';
import { BOARD_DIR, errnoText, jsonFilesIn, readInput } from './files.js';

/**
 * Where boards are found by name: the board search path. Folders given with `--boards-dir`
 * (in order), then the `:`-separated folders of the PASR_BOARDS environment variable, then the
 * shipped board-configs/ folder. Every `*.json` file in them except the JSON Schema is a board;
 * `--board NAME` finds the file whose name (NAME.json) or whose `name` field is NAME, and refuses
 * a name two files claim. This is the only module that reads PASR_BOARDS.
 */

export const SCHEMA_FILE = 'board.schema.json';

export interface BoardFolder {
  /** As the user gave it (messages show paths under it). */
  readonly dir: string;
  readonly from: '--boards-dir' | 'PASR_BOARDS' | 'shipped';
}

/** The `--boards-dir` option every command that finds boards takes (through the program's options). */
export interface BoardsDirOption {
  readonly boardsDir?: readonly string[];
}

export interface BoardSearch {
  readonly folders: readonly BoardFolder[];
  /** PASR_BOARDS folders that do not exist (skipped, as PATH-like variables are). */
  readonly missing: readonly string[];
}

function isFolder(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The real path of a file or folder (symlinks resolved), or the path itself when it does not exist. */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The search path from the command's `--boards-dir` options and the environment. */
export function boardSearch(opts: BoardsDirOption, env: string | undefined = process.env['PASR_BOARDS']): BoardSearch {
  const folders: BoardFolder[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const add = (dir: string, from: BoardFolder['from']): void => {
    const real = realPath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    folders.push({ dir, from });
  };
  for (const dir of opts.boardsDir ?? []) {
    if (!isFolder(dir)) throw new CliError(`--boards-dir ${dir}: ${statOr(dir) ? 'not a folder' : 'no such folder'}`);
    add(dir, '--boards-dir');
  }
  for (const dir of (env ?? '').split(':')) {
    if (dir === '') continue;
    if (isFolder(dir)) add(dir, 'PASR_BOARDS');
    else missing.push(dir);
  }
  add(BOARD_DIR, 'shipped');
  return { folders, missing };
}

function statOr(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The shipped board config files (board-configs/, not the schema), sorted by name. */
export function shippedBoardFiles(): string[] {
  return jsonFilesIn(BOARD_DIR, SCHEMA_FILE).map((f) => join(BOARD_DIR, f));
}

/** How a board file is shown: shipped boards as `board-configs/x.json`, others under the folder as given. */
export function displayPath(file: string): string {
  const rel = relative(join(BOARD_DIR, '..'), file);
  return rel.startsWith('board-configs/') && !rel.slice('board-configs/'.length).includes('/') ? rel : file;
}

export interface BoardEntry {
  /** Path to read. */
  readonly file: string;
  /** Path for messages. */
  readonly shown: string;
  /** File name without `.json`. */
  readonly stem: string;
  readonly folder: BoardFolder;
  /** Its bytes, or why it could not be read. */
  readonly bytes?: Uint8Array;
  readonly readError?: string;
  /** Its `name` field, when the file is JSON with a string `name`. */
  readonly name?: string;
}

/** Every board file of the search path, folder by folder (files sorted by name); unreadable ones say why. */
export function scanBoards(search: BoardSearch): BoardEntry[] {
  const out: BoardEntry[] = [];
  for (const folder of search.folders) {
    let names: string[];
    try {
      names = jsonFilesIn(folder.dir, SCHEMA_FILE);
    } catch (e) {
      throw new CliError(`${folder.dir}: cannot list the boards folder: ${errnoText(e)}`);
    }
    for (const f of names) {
      const file = folder.from === 'shipped' ? join(BOARD_DIR, f) : join(folder.dir, f);
      const base = { file, shown: displayPath(file), stem: basename(f, '.json'), folder };
      let bytes: Uint8Array;
      try {
        bytes = readInput(file, 'board config');
      } catch (e) {
        out.push({ ...base, readError: (e as Error).message });
        continue;
      }
      const decoded = decodeJsonText(bytes, BOARD_FILE.noun);
      const value = (decoded.ok ? parseBoardJson(decoded.text).value : undefined) as { name?: unknown } | undefined;
      const name = typeof value?.name === 'string' ? value.name : undefined;
      out.push({ ...base, bytes, ...(name !== undefined ? { name } : {}) });
    }
  }
  return out;
}

/** The names a board file answers to: its file name, and its `name` field. */
function namesOf(e: BoardEntry): string[] {
  return e.name === undefined || e.name === e.stem ? [e.stem] : [e.stem, e.name];
}

export interface NameProblem {
  readonly file: string;
  readonly message: string;
  /** A duplicate makes `--board NAME` fail; a name that differs from its file name only confuses. */
  readonly severity: 'error' | 'warning';
}

/** Names in the search path that two files claim, and files whose `name` field differs from their file name. */
export function nameProblems(entries: readonly BoardEntry[]): NameProblem[] {
  const out: NameProblem[] = [];
  for (const e of entries) {
    if (e.name !== undefined && e.name !== e.stem)
      out.push({
        file: e.shown,
        severity: 'warning',
        message: `its name "${e.name}" differs from its file name ${e.stem}.json (rename one of them)`,
      });
  }
  const claims = new Map<string, BoardEntry[]>();
  for (const e of entries) for (const n of namesOf(e)) claims.set(n, [...(claims.get(n) ?? []), e]);
  for (const [n, files] of claims) {
    if (files.length > 1)
      out.push({
        file: files[0]!.shown,
        severity: 'error',
        message: `board "${n}" is defined by ${files.length} files: ${files.map((f) => f.shown).join(', ')} (--board ${n} refuses to choose; rename or remove one)`,
      });
  }
  return out;
}

/** A name the search path knows, suggested for a mistyped one: the closest by edit distance, or the names containing it. */
function suggestion(word: string, names: readonly string[]): string {
  let best = closestWords(word, names);
  if (best.length === 0) best = names.filter((n) => n.includes(word) || word.includes(n));
  if (best.length === 0 || best.length > 3) return '';
  return `; did you mean ${best.join(' or ')}?`;
}

/**
 * `--board NAME|FILE`: a path (has a `/` or ends in `.json`) as given; a name through the search
 * path of the command's options (`--boards-dir`) and the environment.
 */
export function resolveBoardFile(nameOrFile: string, opts: BoardsDirOption): string {
  if (nameOrFile.endsWith('.json') || nameOrFile.includes('/')) return nameOrFile;
  const search = boardSearch(opts);
  const entries = scanBoards(search);
  const found = entries.filter((e) => namesOf(e).includes(nameOrFile));
  if (found.length === 1) return found[0]!.file;
  if (found.length > 1)
    throw new CliError(
      `board "${nameOrFile}" is defined by ${found.length} files: ${found.map((f) => f.shown).join(', ')}; rename or remove one, or give the file path`,
    );
  const names = [...new Set(entries.flatMap(namesOf))].sort();
  const own = search.folders.filter((f) => f.from !== 'shipped').map((f) => f.dir);
  const where = [
    own.length > 0 ? `; searched ${own.join(', ')} and the shipped boards` : '',
    search.missing.length > 0 ? `; PASR_BOARDS folders not found: ${search.missing.join(', ')}` : '',
  ].join('');
  throw new CliError(
    `unknown board ${JSON.stringify(nameOrFile)}${suggestion(nameOrFile, names)} (boards: ${names.join(', ')}${where}; or give a path to a .json config)`,
  );
}

/** Load and validate a board (`--board NAME|FILE`); on problems, a CliError listing them as FILE:LINE:COL lines. */
export function loadBoard(nameOrFile: string, opts: BoardsDirOption): BoardConfig {
  const file = resolveBoardFile(nameOrFile, opts);
  const shown = displayPath(file);
  return boardFromBytes(readInput(file, 'board config'), shown);
}

/** A board from the bytes of its config file (`shown` names the file in messages); CliError on problems. */
export function boardFromBytes(bytes: Uint8Array, shown: string): BoardConfig {
  const r = parseBoardBytes(bytes, shown);
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

/**
 * `pasr power` and `pasr run` meter awake time, so every part needs the awake table a board file
 * may leave out: without one, the command is refused naming the part.
 */
export function requireAwakeTables(config: BoardConfig): void {
  const die = config.dies.find((d) => d.part.awake === undefined);
  if (die)
    throw new CliError(
      `${config.file}: dram.parts.${die.part.name}.awake: no awake power table (IDD2P, IDD3N, IDD5 per rail)`,
    );
}

/** True when `file` sits directly in a folder of the search path (so `--board NAME` can find it). */
export function inSearchPath(file: string, search: BoardSearch): boolean {
  const dir = realPath(join(file, '..'));
  return search.folders.some((f) => realPath(f.dir) === dir);
}
