/**
 * The grid of a `pasr compare` sweep: boards x workloads x policy variants x seeds, every list
 * derived from what ships (board-configs/, workloads/, the policy table) unless the user names
 * a subset, and the names and file names of its cells.
 *
 * A cell's inputs are the bytes of its board and workload files, read once here: the workers
 * parse those bytes, so every cell of one sweep sees the same files, and the fingerprint of a
 * cell (kept in its file) says whether a finished cell in the output folder is still valid.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { POLICIES, type PolicyInfo } from '../../firmware/pasr/policies/index.js';
import {
  type BoardsDirOption,
  boardFromBytes,
  displayPath,
  resolveBoardFile,
  shippedBoardFiles,
} from '../board-files.js';
import { CliError } from '../errors.js';
import { readInput } from '../files.js';
import {
  loadedScenario,
  resolveWorkloadFile,
  scenarioFromBytes,
  shippedWorkloadFiles,
  workloadDisplayPath,
} from '../workload-files.js';

/** A board or workload file of the grid: its name in the report, its bytes, and why it cannot run (or null). */
export interface GridInput {
  readonly name: string;
  /** The file as messages name it. */
  readonly shown: string;
  readonly bytes: Uint8Array;
  /** The file's problems (FILE:LINE:COL lines) when it does not load; its cells fail with this. */
  readonly problem: string | null;
}

/** A policy with a set of its options: `oracle`, `balloon:oom`, `hotplug:offline-timeout=1s,order=top-down`. */
export interface PolicyVariant {
  readonly name: string;
  readonly policy: string;
  readonly options: Readonly<Record<string, string>>;
}

export interface Grid {
  readonly boards: readonly GridInput[];
  readonly workloads: readonly GridInput[];
  readonly variants: readonly PolicyVariant[];
  readonly seeds: readonly number[];
  readonly durationNs: number | undefined;
}

/** One cell of the grid. */
export interface CellKey {
  readonly board: string;
  readonly workload: string;
  readonly policy: string;
  readonly seed: number;
}

/** A comma-separated option value as a list: no empty item, no item twice. */
export function splitList(text: string, option: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new CliError(`${option} ${JSON.stringify(text)}: an empty item (give names separated by commas)`, 2);
  const seen = new Set<string>();
  for (const s of items) {
    if (seen.has(s)) throw new CliError(`${option}: ${s} is listed twice`, 2);
    seen.add(s);
  }
  return items;
}

function input(file: string, shown: string, what: 'board' | 'workload'): GridInput {
  const bytes = readInput(file, what === 'board' ? 'board config' : 'workload scenario');
  const fallback = basename(file).replace(/\.json$/, '');
  try {
    const name =
      what === 'board' ? boardFromBytes(bytes, shown).name : loadedScenario(scenarioFromBytes(bytes), shown).name;
    return { name, shown, bytes, problem: null };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return { name: fallback, shown, bytes, problem: e.details.length > 0 ? e.details.join('\n') : e.message };
  }
}

function unique(inputs: GridInput[], option: string): GridInput[] {
  const byName = new Map<string, string>();
  for (const i of inputs) {
    const other = byName.get(i.name);
    if (other !== undefined) throw new CliError(`${option}: ${other} and ${i.shown} are both named ${i.name}`, 2);
    byName.set(i.name, i.shown);
  }
  return inputs;
}

/** The boards of a sweep: the named ones (shipped names or config files), or every shipped board. */
export function gridBoards(list: string | undefined, opts: BoardsDirOption): GridInput[] {
  const files =
    list === undefined ? shippedBoardFiles() : splitList(list, '--boards').map((b) => resolveBoardFile(b, opts));
  return unique(
    files.map((f) => input(f, displayPath(f), 'board')),
    '--boards',
  );
}

/** The workloads of a sweep: the named ones (shipped names or scenario files), or every shipped workload. */
export function gridWorkloads(list: string | undefined): GridInput[] {
  const files = list === undefined ? shippedWorkloadFiles() : splitList(list, '--workloads').map(resolveWorkloadFile);
  return unique(
    files.map((f) => input(f, workloadDisplayPath(f), 'workload')),
    '--workloads',
  );
}

/**
 * The variants a policy runs as when named alone: a policy with exactly one option runs once per
 * value of it (`balloon:shrinker`, `balloon:oom`, `balloon:psi`), each named policy:value; any
 * other policy runs once, with its defaults (variants of those are asked for by name).
 */
export function defaultVariants(info: PolicyInfo): PolicyVariant[] {
  const options = Object.entries(info.options);
  if (options.length !== 1) return [{ name: info.name, policy: info.name, options: {} }];
  const [option, values] = options[0]!;
  return values.map((v) => ({ name: `${info.name}:${v}`, policy: info.name, options: { [option]: v } }));
}

/**
 * One --policies item: `NAME` (its default variants), `NAME:VALUE` (the one option that has that
 * value), or `NAME:OPTION=VALUE`; several settings join with `+` (commas separate the items):
 * `hotplug:offline-timeout=1s+order=top-down`.
 */
function variantsOf(item: string, policies: readonly PolicyInfo[]): PolicyVariant[] {
  const colon = item.indexOf(':');
  const name = colon < 0 ? item : item.slice(0, colon);
  const info = policies.find((p) => p.name === name);
  if (info === undefined)
    throw new CliError(
      `--policies: unknown policy ${JSON.stringify(name)} (policies: ${policies.map((p) => p.name).join(', ')})`,
      2,
    );
  if (colon < 0) return defaultVariants(info);
  const options: Record<string, string> = {};
  for (const setting of item.slice(colon + 1).split('+')) {
    const eq = setting.indexOf('=');
    let option: string;
    let value: string;
    if (eq >= 0) {
      option = setting.slice(0, eq);
      value = setting.slice(eq + 1);
      const allowed = info.options[option];
      if (allowed === undefined) {
        const known = Object.keys(info.options);
        throw new CliError(
          `--policies ${item}: policy ${name} has no option ${JSON.stringify(option)}${known.length ? ` (options: ${known.join(', ')})` : ' (it takes none)'}`,
          2,
        );
      }
      if (!allowed.includes(value))
        throw new CliError(
          `--policies ${item}: ${option} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`,
          2,
        );
    } else {
      value = setting;
      const owners = Object.entries(info.options).filter(([, vs]) => vs.includes(value));
      if (owners.length !== 1) {
        const all = Object.entries(info.options).map(([o, vs]) => `${o}: ${vs.join(', ')}`);
        throw new CliError(
          owners.length === 0
            ? `--policies ${item}: ${JSON.stringify(value)} is no value of an option of ${name}${all.length ? ` (${all.join('; ')})` : ' (it takes no option)'}`
            : `--policies ${item}: ${value} is a value of ${owners.map(([o]) => o).join(' and ')}: write ${name}:OPTION=${value}`,
          2,
        );
      }
      option = owners[0]![0];
    }
    if (option in options) throw new CliError(`--policies ${item}: ${option} is given twice`, 2);
    options[option] = value;
  }
  return [{ name: item, policy: name, options }];
}

/**
 * The policy variants of a sweep, from the policy table: the named ones, or every policy but
 * `none` (every cell carries its baseline, the run with policy none).
 */
export function gridVariants(list: string | undefined, policies: readonly PolicyInfo[] = POLICIES): PolicyVariant[] {
  const variants =
    list === undefined
      ? policies.filter((p) => p.name !== 'none').flatMap(defaultVariants)
      : splitList(list, '--policies').flatMap((item) => variantsOf(item, policies));
  const seen = new Map<string, string>();
  for (const v of variants) {
    const key = `${v.policy} ${JSON.stringify(Object.entries(v.options).sort())}`;
    const other = seen.get(key);
    if (other !== undefined) throw new CliError(`--policies: ${other} and ${v.name} are the same policy variant`, 2);
    seen.set(key, v.name);
  }
  return variants;
}

/** Every cell of the grid, in report order: board, workload, policy variant, seed. */
export function gridCells(grid: Grid): CellKey[] {
  const out: CellKey[] = [];
  for (const b of grid.boards)
    for (const w of grid.workloads)
      for (const v of grid.variants)
        for (const seed of grid.seeds) out.push({ board: b.name, workload: w.name, policy: v.name, seed });
  return out;
}

/** A file name for a list of names: each percent-encoded (so `+`, `/` and `:` cannot clash), joined by `+`. */
export function fileNameOf(parts: readonly (string | number)[]): string {
  return `${parts.map((p) => encodeURIComponent(String(p))).join('+')}.json`;
}

export function cellFileName(c: CellKey): string {
  return fileNameOf([c.board, c.workload, c.policy, `s${c.seed}`]);
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * What a result depends on, as one hash: the code (the worker bundle), the board and workload
 * files, the seed and duration, and the policy with its options (absent for a baseline).
 */
export function fingerprint(
  code: string,
  board: GridInput,
  workload: GridInput,
  seed: number,
  durationNs: number | undefined,
  variant?: PolicyVariant,
): string {
  return sha256(
    JSON.stringify({
      code,
      board: sha256(board.bytes),
      workload: sha256(workload.bytes),
      seed,
      durationNs: durationNs ?? null,
      policy: variant ? [variant.policy, Object.entries(variant.options).sort()] : null,
    }),
  );
}
