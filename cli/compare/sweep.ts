/**
 * A sweep over a grid, on a pool of worker threads (piscina), each cell written to the output
 * folder as it finishes.
 *
 * Invariants:
 *  - each baseline (board, workload, seed with policy `none`) runs once per sweep, and only if
 *    a cell needs it; a policy run starts only after its baseline finished, and gets the
 *    baseline's energy figures as data (the same figures `pasr run` computes in one process);
 *  - at most `jobs` tasks are in flight; a free worker takes a policy run whose baseline is
 *    ready before a new baseline, so cells finish (and are kept) early;
 *  - a cell's file is written whole (temporary file, then rename) and carries the fingerprint of
 *    its inputs: a rerun skips the cells whose file has the same fingerprint and did not end in
 *    an error, and baselines likewise (baselines/);
 *  - a result is a function of its task alone: the order tasks finish in changes nothing but
 *    the order of the progress lines;
 *  - on abort, no new task starts, the workers are terminated, and the cells written stay.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { BaselineEnergy } from '../../firmware/system/run-report.js';
import { CliError } from '../errors.js';
import { errnoText, ROOT, writeOutput } from '../files.js';
import {
  type CellKey,
  cellFileName,
  fileNameOf,
  fingerprint,
  type Grid,
  type GridInput,
  gridCells,
  type PolicyVariant,
  sha256,
} from './grid.js';
import { type CellRecord, type CellStatus, cellOf } from './results.js';
import type { RunJson, Task, TaskResult } from './tasks.js';

export const WORKER_FILE = join(ROOT, 'dist', 'compare-worker.mjs');

export interface SweepOptions {
  /** Output folder (created if missing): cells/, baselines/. */
  readonly dir: string;
  readonly jobs: number;
  readonly signal?: AbortSignal;
  /** A cell finished in this sweep (not a skipped one): `done` of `total` cells to run. */
  readonly onCell?: (cell: CellRecord, done: number, total: number) => void;
  /** Before any task: how many cells are already done and how many will run. */
  readonly onPlan?: (plan: { readonly skipped: number; readonly stale: number; readonly toRun: number }) => void;
}

export interface SweepOutcome {
  /** The grid's cells in grid order: every one, or after an abort those finished. */
  readonly cells: readonly CellRecord[];
  readonly ran: number;
  readonly skipped: number;
  /** Cells whose file was for other inputs (another build, board or workload file): run again. */
  readonly stale: number;
  readonly baselinesRun: number;
  readonly interrupted: boolean;
  readonly wallSeconds: number;
}

interface CellFile extends CellRecord {
  readonly inputs: string;
}

interface BaselineFile {
  readonly board: string;
  readonly workload: string;
  readonly seed: number;
  readonly inputs: string;
  readonly baseline: BaselineEnergy;
  readonly none: RunJson;
}

const STATUSES: readonly CellStatus[] = ['ok', 'data-loss', 'error'];

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A finished cell's file, if it is one (written by a sweep, whole) for this cell and these inputs. */
function doneCell(file: string, key: CellKey, inputs: string): CellRecord | 'stale' | null {
  if (!existsSync(file)) return null;
  const x = readJson(file) as Partial<CellFile> | undefined;
  if (
    typeof x !== 'object' ||
    x === null ||
    x.board !== key.board ||
    x.workload !== key.workload ||
    x.policy !== key.policy ||
    x.seed !== key.seed ||
    !STATUSES.includes(x.status as CellStatus) ||
    typeof x.run !== 'object'
  )
    return null;
  if (x.inputs !== inputs) return 'stale';
  if (x.status === 'error') return null;
  return { ...key, status: x.status!, error: x.error ?? null, run: x.run ?? null };
}

function makeDir(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
    if (!isDir) throw new CliError(`${dir}: is not a directory`);
  } catch (e) {
    if (e instanceof CliError) throw e;
  }
  if (isDir) return;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CliError(`${dir}: cannot make the output folder: ${errnoText(e)}`);
  }
}

interface Group {
  readonly board: GridInput;
  readonly workload: GridInput;
  readonly seed: number;
  readonly inputs: string;
  readonly file: string;
  /** Cells of this group still to run, with their fingerprints. */
  readonly cells: { key: CellKey; variant: PolicyVariant; inputs: string }[];
  baseline?: BaselineFile;
}

export async function runSweep(grid: Grid, o: SweepOptions): Promise<SweepOutcome> {
  const t0 = performance.now();
  if (!existsSync(WORKER_FILE)) throw new CliError(`${WORKER_FILE} is missing: run npm run build`);
  const code = sha256(readFileSync(WORKER_FILE));
  const cellsDir = join(o.dir, 'cells');
  const baselinesDir = join(o.dir, 'baselines');
  for (const d of [o.dir, cellsDir, baselinesDir]) makeDir(d);
  for (const d of [cellsDir, baselinesDir])
    for (const f of readdirSync(d)) if (f.startsWith('.') && f.endsWith('.tmp')) rmSync(join(d, f), { force: true });

  const keys = gridCells(grid);
  const results = new Map<string, CellRecord>();
  const boards = new Map(grid.boards.map((b) => [b.name, b]));
  const workloads = new Map(grid.workloads.map((w) => [w.name, w]));
  const variants = new Map(grid.variants.map((v) => [v.name, v]));
  const groups = new Map<string, Group>();
  let skipped = 0;
  let stale = 0;
  const immediate: { cell: CellRecord; inputs: string }[] = [];
  for (const key of keys) {
    const board = boards.get(key.board)!;
    const workload = workloads.get(key.workload)!;
    const variant = variants.get(key.policy)!;
    const inputs = fingerprint(code, board, workload, key.seed, grid.durationNs, variant);
    const done = doneCell(join(cellsDir, cellFileName(key)), key, inputs);
    if (done === 'stale') stale++;
    else if (done !== null) {
      results.set(keyOf(key), done);
      skipped++;
      continue;
    }
    const problem = board.problem ?? workload.problem;
    if (problem !== null) {
      immediate.push({ cell: cellOf(key, { error: problem }), inputs });
      continue;
    }
    const gk = JSON.stringify([key.board, key.workload, key.seed]);
    let g = groups.get(gk);
    if (!g) {
      g = {
        board,
        workload,
        seed: key.seed,
        inputs: fingerprint(code, board, workload, key.seed, grid.durationNs),
        file: join(baselinesDir, fileNameOf([key.board, key.workload, `s${key.seed}`])),
        cells: [],
      };
      const b = readJson(g.file) as Partial<BaselineFile> | undefined;
      if (b && b.inputs === g.inputs && typeof b.baseline === 'object' && typeof b.none === 'object')
        g.baseline = b as BaselineFile;
      groups.set(gk, g);
    }
    g.cells.push({ key, variant, inputs });
  }
  const total = immediate.length + [...groups.values()].reduce((s, g) => s + g.cells.length, 0);
  o.onPlan?.({ skipped, stale, toRun: total });

  let done = 0;
  const finish = (cell: CellRecord, inputs: string): void => {
    const file: CellFile = { ...cell, inputs };
    writeOutput(join(cellsDir, cellFileName(cell)), `${JSON.stringify(file)}\n`, '--out');
    results.set(keyOf(cell), cell);
    done++;
    o.onCell?.(cell, done, total);
  };
  for (const { cell, inputs } of immediate) finish(cell, inputs);

  const taskInputs = (g: Group) => ({
    board: { bytes: g.board.bytes, shown: g.board.shown },
    workload: { bytes: g.workload.bytes, shown: g.workload.shown },
    seed: g.seed,
    ...(grid.durationNs !== undefined ? { durationNs: grid.durationNs } : {}),
  });
  type Job = { task: Task; onResult: (r: TaskResult) => void };
  const ready: Job[] = [];
  const baselines: Group[] = [];

  /** Once a group's baseline is known: its `none` cells finish, its other cells are ready to run. */
  const baselineReady = (g: Group): void => {
    for (const c of g.cells) {
      if (c.variant.policy === 'none') {
        finish(cellOf(c.key, { run: g.baseline!.none }), c.inputs);
        continue;
      }
      ready.push({
        task: {
          kind: 'policy',
          policy: c.variant.policy,
          options: c.variant.options,
          baseline: g.baseline!.baseline,
          ...taskInputs(g),
        },
        onResult: (r) =>
          finish(cellOf(c.key, 'error' in r ? { error: r.error } : { run: (r as { run: RunJson }).run }), c.inputs),
      });
    }
  };
  for (const g of groups.values()) {
    if (g.cells.length === 0) continue;
    if (g.baseline) baselineReady(g);
    else baselines.push(g);
  }
  let baselinesRun = 0;
  const nextBaseline = (): Job | undefined => {
    const g = baselines.shift();
    if (!g) return undefined;
    return {
      task: { kind: 'baseline', ...taskInputs(g) },
      onResult: (r) => {
        baselinesRun++;
        if (!r.ok) {
          for (const c of g.cells)
            finish(cellOf(c.key, { error: `baseline (policy none) failed: ${r.error}` }), c.inputs);
          return;
        }
        if (!('baseline' in r)) throw new Error('a baseline task returned no baseline');
        g.baseline = {
          board: g.board.name,
          workload: g.workload.name,
          seed: g.seed,
          inputs: g.inputs,
          baseline: r.baseline,
          none: r.none,
        };
        writeOutput(g.file, `${JSON.stringify(g.baseline)}\n`, '--out');
        baselineReady(g);
      },
    };
  };

  let interrupted = o.signal?.aborted ?? false;
  if ((ready.length > 0 || baselines.length > 0) && !interrupted) {
    const pool = new Piscina<Task, TaskResult>({
      filename: WORKER_FILE,
      minThreads: Math.min(o.jobs, ready.length + baselines.length),
      maxThreads: o.jobs,
      idleTimeout: 1000,
    });
    const abort = new AbortController();
    const onAbort = () => {
      interrupted = true;
      abort.abort();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let failure: unknown;
      await new Promise<void>((resolve) => {
        let inFlight = 0;
        const pump = (): void => {
          while (!interrupted && failure === undefined && inFlight < o.jobs) {
            const job = ready.shift() ?? nextBaseline();
            if (!job) break;
            inFlight++;
            pool
              .run(job.task, { signal: abort.signal })
              .then(
                (r) => {
                  if (!interrupted) job.onResult(r);
                },
                (e: unknown) => {
                  if (!interrupted)
                    job.onResult({ ok: false, error: `worker failed: ${(e as Error).message ?? String(e)}` });
                },
              )
              .catch((e: unknown) => {
                failure ??= e;
              })
              .finally(() => {
                inFlight--;
                pump();
              });
          }
          if (inFlight === 0) resolve();
        };
        pump();
      });
      if (failure !== undefined) throw failure;
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      await pool.destroy();
    }
  }
  const cells = keys.map((k) => results.get(keyOf(k))).filter((c): c is CellRecord => c !== undefined);
  return {
    cells,
    ran: done,
    skipped,
    stale,
    baselinesRun,
    interrupted,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

function keyOf(c: CellKey): string {
  return JSON.stringify([c.board, c.workload, c.policy, c.seed]);
}
