/**
 * `pasr compare`: boards x workloads x policies x seeds on worker threads, each cell kept in the
 * output folder as it finishes, then report.json, report.csv, report.html and report.md.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { BoardsDirOption } from '../board-files.js';
import { CliError, EXIT } from '../errors.js';
import { ROOT, writeOutput } from '../files.js';
import { type Grid, gridBoards, gridVariants, gridWorkloads } from '../compare/grid.js';
import { renderReportHtml } from '../compare/html.js';
import { sweepMarkdown } from '../compare/markdown.js';
import { type CellRecord, sweepCsv, sweepReport } from '../compare/results.js';
import { runSweep } from '../compare/sweep.js';

export interface CompareOptions extends BoardsDirOption {
  boards?: string;
  workloads?: string;
  policies?: string;
  /** Checked by the command line (cli/options.ts): 1 to 1000, 1 to 256, more than 0 ns. */
  seeds?: number;
  jobs?: number;
  duration?: number;
  out: string;
}

/** Exit status of a sweep stopped by Ctrl-C (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

/** The chart library's browser build, read from node_modules to be inlined in the report. */
function chartLibrary(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

/** 42s, 3m 05s, 2h 10m: a time left. */
function clock(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function cellLine(c: CellRecord, done: number, total: number): string {
  const head = `[${done}/${total}] ${c.board} ${c.workload} ${c.policy} seed ${c.seed}:`;
  if (c.status === 'error') return `${head} FAILED: ${c.error!.split('\n')[0]}`;
  const r = c.run!;
  const saving = `saving ${r.savingPercent.toFixed(2)} % (band ${r.savingBand.low.toFixed(2)} to ${r.savingBand.high.toFixed(2)} %)`;
  const oracle =
    r.achievedOfOracle === null
      ? 'the oracle saves nothing'
      : `${(r.achievedOfOracle * 100).toFixed(1)} % of the oracle`;
  if (c.status === 'data-loss')
    return `${head} DATA LOSS: ${r.violations} violations, ${r.dataLossPages} live pages lost`;
  return `${head} ${saving}, ${oracle}`;
}

export async function compare(opts: CompareOptions): Promise<void> {
  const seeds = opts.seeds ?? 3;
  const jobs = opts.jobs ?? availableParallelism();
  const durationNs = opts.duration;
  const variants = gridVariants(opts.policies);
  const grid: Grid = {
    boards: gridBoards(opts.boards, opts),
    workloads: gridWorkloads(opts.workloads),
    variants,
    seeds: Array.from({ length: seeds }, (_, i) => i + 1),
    durationNs,
  };
  const dir = opts.out;
  const cellsTotal = grid.boards.length * grid.workloads.length * variants.length * seeds;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(
    `pasr compare: ${plural(grid.boards.length, 'board')} x ${plural(grid.workloads.length, 'workload')} x ${plural(variants.length, 'policy', 'policies')} x ${plural(seeds, 'seed')} = ${plural(cellsTotal, 'cell')}, ${plural(jobs, 'worker')}`,
  );

  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const tty = process.stderr.isTTY === true;
  const bar = tty
    ? new SingleBar({
        format: 'compare {bar} {value}/{total} cells | {rate} cells/min | {left} left',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      })
    : null;
  const t0 = performance.now();
  let outcome: Awaited<ReturnType<typeof runSweep>>;
  try {
    outcome = await runSweep(grid, {
      dir,
      jobs,
      signal: abort.signal,
      onPlan: ({ skipped, stale, toRun }) => {
        if (skipped > 0) out(`skipped ${plural(skipped, 'cell')} already done in ${dir} (same inputs)`);
        if (stale > 0)
          out(`${plural(stale, 'cell')} in ${dir} were for other inputs (board, workload or build): running again`);
        bar?.start(toRun, 0, { rate: '0.0', left: '?' });
      },
      onCell: (c, done, total) => {
        if (bar) {
          const seconds = (performance.now() - t0) / 1000;
          bar.update(done, {
            rate: ((done / seconds) * 60).toFixed(1),
            left: clock((seconds / done) * (total - done)),
          });
        } else out(cellLine(c, done, total));
      },
    });
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
  if (outcome.interrupted)
    throw new CliError(
      `interrupted: ${plural(outcome.ran, 'cell')} finished in this run are kept in ${dir}; run the same command again to go on`,
      EXIT_INTERRUPTED,
    );

  const report = sweepReport(
    {
      boards: grid.boards.map((b) => b.name),
      workloads: grid.workloads.map((w) => w.name),
      policies: variants.map((v) => v.name),
      seeds: grid.seeds,
      durationSeconds: durationNs === undefined ? null : durationNs / 1e9,
    },
    outcome.cells,
  );
  writeOutput(join(dir, 'report.json'), `${JSON.stringify(report, null, 1)}\n`, '--out');
  writeOutput(join(dir, 'report.csv'), sweepCsv(outcome.cells), '--out');
  const page = readFileSync(join(ROOT, 'cli', 'compare', 'report-page.js'), 'utf8');
  writeOutput(join(dir, 'report.html'), renderReportHtml(report, outcome.cells, chartLibrary(), page), '--out');
  writeOutput(join(dir, 'report.md'), sweepMarkdown(report), '--out');
  const { counts } = report;
  out(`wrote ${join(dir, 'report.json')}, report.csv, report.html, report.md`);
  out(`${plural(counts.cells, 'cell')}: ${counts.ok} ok, ${counts.dataLoss} lost data, ${counts.errors} failed`);
  const wall = outcome.wallSeconds;
  if (outcome.ran === 0) out('nothing left to run');
  else
    out(
      `ran ${plural(outcome.ran, 'cell')} and ${plural(outcome.baselinesRun, 'baseline')} in ${wall.toFixed(1)} s (${(outcome.ran / wall).toFixed(2)} cells/s, ${plural(jobs, 'worker')})`,
    );
  if (counts.dataLoss > 0)
    throw new CliError(
      `${plural(counts.dataLoss, 'cell')} violated the PASR safety invariant or lost data (status data-loss in the report)`,
      EXIT.safety,
    );
  if (counts.errors > 0) throw new CliError(`${plural(counts.errors, 'cell')} failed (status error in the report)`);
}
