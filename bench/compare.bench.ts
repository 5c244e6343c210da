/**
 * `pasr compare` sweeps on the worker pool, a fixed small grid: 2 boards (pandaboard-es,
 * snowball) x 2 workloads (kernbench, phone-standby-day) cut to 2 simulated hours x 2 policies
 * (oracle, careless) x 1 seed = 8 cells and 4 baselines, into a new folder each time (nothing
 * skipped). The wall time includes starting the workers and writing every cell file. One worker
 * and one per core alternate, twice each; figures are medians (here, means of the two).
 *  compare.cellsPerSec.1        cells per second with one worker thread
 *  compare.cellsPerSec.all      cells per second with one worker per core
 *  compare.speedup              all / 1
 *  compare.sweepSeconds.1, .all wall time of the sweep
 *  compare.coresBusy.1, .all    CPU time of the process (every thread) per wall second: how many
 *                               cores the sweep kept busy (V8's own compiler and garbage-collector
 *                               threads make one worker use more than one; a busy machine gives less)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Grid, gridBoards, gridVariants, gridWorkloads } from '../cli/compare/grid.js';
import { runSweep } from '../cli/compare/sweep.js';
import { median } from './stats.js';

interface Sweep {
  readonly seconds: number;
  readonly cellsPerSec: number;
  readonly coresBusy: number;
}

async function sweep(grid: Grid, jobs: number): Promise<Sweep> {
  const dir = mkdtempSync(join(tmpdir(), 'pasr-bench-compare-'));
  try {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await runSweep(grid, { dir, jobs });
    const c = process.cpuUsage(c0);
    const seconds = (performance.now() - t0) / 1000;
    if (r.ran !== 8 || r.cells.some((x) => x.status === 'error'))
      throw new Error('bench: the sweep did not run its 8 cells');
    return { seconds, cellsPerSec: r.ran / seconds, coresBusy: (c.user + c.system) / 1e6 / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCompareBench(): Promise<Record<string, number>> {
  const grid: Grid = {
    boards: gridBoards('pandaboard-es,snowball', {}),
    workloads: gridWorkloads('kernbench,phone-standby-day'),
    variants: gridVariants('oracle,careless'),
    seeds: [1],
    durationNs: 2 * 3600e9,
  };
  const all = availableParallelism();
  const one: Sweep[] = [];
  const many: Sweep[] = [];
  for (let i = 0; i < 2; i++) {
    one.push(await sweep(grid, 1));
    many.push(await sweep(grid, all));
  }
  const m = (xs: Sweep[], k: keyof Sweep) => median(xs.map((x) => x[k]));
  return {
    'compare.cellsPerSec.1': m(one, 'cellsPerSec'),
    'compare.cellsPerSec.all': m(many, 'cellsPerSec'),
    'compare.speedup': m(many, 'cellsPerSec') / m(one, 'cellsPerSec'),
    'compare.sweepSeconds.1': m(one, 'seconds'),
    'compare.sweepSeconds.all': m(many, 'seconds'),
    'compare.coresBusy.1': m(one, 'coresBusy'),
    'compare.coresBusy.all': m(many, 'coresBusy'),
    'compare.workers.all': all,
  };
}
