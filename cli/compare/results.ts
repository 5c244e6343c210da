/**
 * The results of a sweep: one record per cell (its run as `pasr run --json` prints it, or the
 * error that stopped it), the aggregates over seeds of each board x workload x policy, and the
 * report's JSON and CSV forms. Everything here is a function of the cells alone, in grid order:
 * the same cells give the same bytes whatever the number of workers or the order they finished.
 */
import { runFailure } from '../../firmware/system/run-report.js';
import type { CellKey } from './grid.js';
import type { RunJson } from './tasks.js';

/** `ok`; `data-loss`: the PASR safety invariant violated or a live page lost (exit 3 for `pasr run`); `error`. */
export type CellStatus = 'ok' | 'data-loss' | 'error';

export interface CellRecord extends CellKey {
  readonly status: CellStatus;
  /** What went wrong (the message `pasr run` would print), or null. */
  readonly error: string | null;
  /** The run, or null when it did not finish. */
  readonly run: RunJson | null;
}

/** A cell from its run (status from what the run reports) or from the error that stopped it. */
export function cellOf(key: CellKey, outcome: { run: RunJson } | { error: string }): CellRecord {
  if ('error' in outcome) return { ...key, status: 'error', error: outcome.error, run: null };
  const failure = runFailure(outcome.run);
  return { ...key, status: failure?.kind ?? 'ok', error: failure?.message ?? null, run: outcome.run };
}

export interface Spread {
  /** Seeds that gave a value. */
  readonly n: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** Sample standard deviation (n - 1); 0 for one seed. */
  readonly stddev: number;
}

export interface Aggregate {
  readonly board: string;
  readonly workload: string;
  readonly policy: string;
  readonly cells: number;
  readonly ok: number;
  readonly dataLoss: number;
  readonly errors: number;
  /** Every numeric figure of the runs (flattened keys, as in the CSV) over the seeds that ran. */
  readonly figures: Readonly<Record<string, Spread>>;
}

const round = (x: number): number => Number(x.toPrecision(12));

export function spread(xs: readonly number[]): Spread {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const variance = n > 1 ? xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return {
    n,
    mean: round(mean),
    min: Math.min(...xs),
    max: Math.max(...xs),
    stddev: round(Math.sqrt(variance)),
  };
}

type Flat = Record<string, string | number | boolean | null>;

/**
 * A run's keys flattened with dots (`energyJ.band.low`), without its timeline; lists become one
 * text, their items separated by ` | `.
 */
export function flatten(run: RunJson): Flat {
  const out: Flat = {};
  const walk = (prefix: string, v: unknown): void => {
    if (Array.isArray(v)) out[prefix] = v.map(String).join(' | ');
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
    else out[prefix] = v as string | number | boolean | null;
  };
  const { timeline: _, ...rest } = run;
  walk('', rest);
  return out;
}

/** The aggregates of every board x workload x policy, in grid order. */
export function aggregates(cells: readonly CellRecord[]): Aggregate[] {
  const groups = new Map<string, CellRecord[]>();
  for (const c of cells) {
    const k = JSON.stringify([c.board, c.workload, c.policy]);
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  return [...groups.values()].map((g) => {
    const values = new Map<string, number[]>();
    for (const c of g) {
      if (c.run === null) continue;
      for (const [k, v] of Object.entries(flatten(c.run))) {
        if (typeof v !== 'number' || k === 'seed') continue;
        const xs = values.get(k);
        if (xs) xs.push(v);
        else values.set(k, [v]);
      }
    }
    const first = g[0]!;
    return {
      board: first.board,
      workload: first.workload,
      policy: first.policy,
      cells: g.length,
      ok: g.filter((c) => c.status === 'ok').length,
      dataLoss: g.filter((c) => c.status === 'data-loss').length,
      errors: g.filter((c) => c.status === 'error').length,
      figures: Object.fromEntries([...values].map(([k, xs]) => [k, spread(xs)])),
    };
  });
}

export interface SweepReport {
  readonly grid: {
    readonly boards: readonly string[];
    readonly workloads: readonly string[];
    readonly policies: readonly string[];
    readonly seeds: readonly number[];
    readonly durationSeconds: number | null;
  };
  readonly counts: { readonly cells: number; readonly ok: number; readonly dataLoss: number; readonly errors: number };
  /** Every cell, its run without the timeline (the cell files in cells/ keep it). */
  readonly cells: readonly (CellKey & {
    readonly status: CellStatus;
    readonly error: string | null;
    readonly run: Omit<RunJson, 'timeline'> | null;
  })[];
  readonly aggregates: readonly Aggregate[];
}

export function sweepReport(grid: SweepReport['grid'], cells: readonly CellRecord[]): SweepReport {
  return {
    grid,
    counts: {
      cells: cells.length,
      ok: cells.filter((c) => c.status === 'ok').length,
      dataLoss: cells.filter((c) => c.status === 'data-loss').length,
      errors: cells.filter((c) => c.status === 'error').length,
    },
    cells: cells.map((c) => {
      if (c.run === null) return { ...c, run: null };
      const { timeline: _, ...run } = c.run;
      return { ...c, run };
    }),
    aggregates: aggregates(cells),
  };
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * One row per cell: the cell (board, workload, policy variant, seed), its status and error, then
 * the other keys of its run flattened (`policy`, `energyJ.baseline`, ...); the columns are the
 * union over the cells, in the order they first appear.
 */
export function sweepCsv(cells: readonly CellRecord[]): string {
  const head = ['board', 'workload', 'variant', 'seed', 'status', 'error'];
  const rows = cells.map((c) => {
    const flat: Flat = c.run ? flatten(c.run) : {};
    for (const k of ['board', 'workload', 'seed']) delete flat[k];
    return { c, flat };
  });
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const { flat } of rows)
    for (const k of Object.keys(flat))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  const lines = [[...head, ...columns].map(csvField).join(',')];
  for (const { c, flat } of rows)
    lines.push(
      [c.board, c.workload, c.policy, c.seed, c.status, c.error, ...columns.map((k) => flat[k])]
        .map(csvField)
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}
