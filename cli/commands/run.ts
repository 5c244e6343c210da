import asciichart from 'asciichart';
import { SingleBar } from 'cli-progress';
import { encodeTrace } from '../../hal/trace/codec.js';
import { policyOptionList } from '../../firmware/pasr/policies/index.js';
import { type RunOutcome, runFailure, runScenario, type RunReport } from '../../firmware/system/run-report.js';
import { timelineColumns, timelineSteps } from '../../firmware/system/timeline.js';
import { formatDuration } from '../../firmware/workload/quantities.js';
import { loadBoard, requireAwakeTables, type BoardsDirOption } from '../board-files.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { outputTarget, writeOutput } from '../files.js';
import { table } from '../format.js';
import { loadScenario } from '../workload-files.js';

export interface RunOptions extends BoardsDirOption {
  board: string;
  workload: string;
  policy: string;
  /** Checked by the command line (cli/options.ts): 0 to 2^32-1, more than 0 ns, -40 to 125 °C. */
  seed?: number;
  duration?: number;
  temperature?: number;
  trace?: string;
  json?: boolean;
  /** Policy options (--deflate, --offline-timeout, ...: each policy declares which it takes), by camel-cased name. */
  [policyOption: string]: unknown;
}

const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The policy options given on the command line, by their dashed names. */
export function policyOptionsOf(opts: Readonly<Record<string, unknown>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const o of policyOptionList()) {
    const v = opts[camel(o.name)];
    if (typeof v === 'string') out[o.name] = v;
  }
  return out;
}

/** `pasr run`: one board, one workload, one policy (and its baseline); a report, a timeline. */
export async function run(opts: RunOptions): Promise<void> {
  // The output is checked before the run: a bad --trace fails at once, not after it.
  const toStdout = opts.trace !== undefined && outputTarget(opts.trace, '--trace').kind === 'stdout';
  if (toStdout) {
    if (opts.json) throw new UsageError('--trace -: the trace takes standard output, so --json cannot');
    if (process.stdout.isTTY)
      throw new CliError(
        '--trace -: standard output is a terminal; the trace is binary (redirect it to a file or a pipe)',
      );
  }
  // With the trace on standard output, the report goes to standard error.
  const summary = toStdout ? process.stderr : process.stdout;
  const config = loadBoard(opts.board, opts);
  requireAwakeTables(config);
  const scenario = loadScenario(opts.workload);
  const seed = opts.seed ?? 1;
  const durationNs = opts.duration;
  const temperatureC = opts.temperature;
  const policyOptions = policyOptionsOf(opts);
  const bar =
    process.stderr.isTTY && !opts.json
      ? new SingleBar({
          format: 'run {bar} {percentage}% | baseline and policy | {eta_formatted} left',
          hideCursor: true,
          clearOnComplete: true,
        })
      : null;
  bar?.start(100, 0);
  let outcome: ReturnType<typeof runScenario>;
  try {
    outcome = runScenario({
      config,
      scenario,
      policy: opts.policy,
      policyOptions,
      seed,
      ...(durationNs !== undefined ? { durationNs } : {}),
      ...(temperatureC !== undefined ? { temperatureC } : {}),
      ...(opts.trace ? { recordTrace: true } : {}),
      ...(bar ? { progress: (f: number) => bar.update(Math.round(f * 100)) } : {}),
    });
  } catch (e) {
    bar?.stop();
    if (e instanceof Error && /^unknown policy|^policy /.test(e.message)) throw new UsageError(e.message);
    throw e;
  }
  bar?.stop();
  const { report, system, stats } = outcome;
  if (opts.trace) {
    writeOutput(
      opts.trace,
      encodeTrace({
        board: config.name,
        creator: `pasr-emu run ${scenario.name} ${report.policy}`,
        events: system.trace.events,
      }),
      '--trace',
    );
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...report, timeline: timelineSteps(stats.timeline) })}\n`);
  } else {
    summary.write(`${formatRun(report, outcome)}\n`);
  }
  failOnRunFailure(report);
}

/** A run that violated the PASR safety invariant or lost data exits 3; one with register-program errors, 1. */
export function failOnRunFailure(report: RunReport): void {
  const failure = runFailure(report);
  if (failure) {
    const [first, ...rest] = failure.message.split('\n');
    throw new CliError(first!, failure.kind === 'data-loss' ? EXIT.safety : EXIT.failed, rest);
  }
}

const pct = (x: number): string => `${x.toFixed(2)} %`;

/** How a run's report is shown: the command that ran it, its durations and its joules. */
export interface RunFormat {
  readonly title: string;
  /** A duration as shown (`pasr run`: to the second). */
  readonly duration: (ns: number) => string;
  /** Decimals of the joule figures (`pasr run`: 2). */
  readonly joulesDigits: number;
}

const RUN_FORMAT: RunFormat = {
  title: 'pasr run',
  duration: (ns) => formatDuration(Math.round(ns / 1e9) * 1e9),
  joulesDigits: 2,
};

/** The report of `pasr run` (and of other drivers' runs): the energy table and the timeline chart. */
export function formatRun(r: RunReport, o: RunOutcome, f: RunFormat = RUN_FORMAT): string {
  const out: string[] = [];
  const { duration } = f;
  const j = (x: number): string => x.toFixed(f.joulesDigits);
  const usable = o.system.map.units.filter((u) => u.usable).length;
  const opts = Object.entries(r.policyOptions)
    .map(([k, v]) => `--${k} ${v}`)
    .join(' ');
  out.push(
    `${f.title}: ${r.board}, ${r.workload}, policy ${r.policy}${opts ? ` (${opts})` : ''}, seed ${r.seed}, ${r.temperatureC} °C`,
  );
  out.push(
    `${duration(r.simulatedSeconds * 1e9)} simulated: ${r.suspendedSeconds.toFixed(0)} s suspended in ${r.suspendCount} suspends; ${usable} usable PASR units (${o.system.map.register})`,
  );
  if (r.cannotAct) out.push(`${r.policy} cannot act on this board: ${r.cannotAct}`);
  out.push('');
  const header = ['', 'baseline (none)', r.policy];
  const rows: string[][] = [
    ['DRAM energy (J)', j(r.dramJ.baseline), j(r.dramJ.policy)],
    ['mechanism CPU energy (J)', j(r.cpuJ.baseline), j(r.cpuJ.policy)],
    ['total (J)', j(r.energyJ.baseline), `${j(r.energyJ.policy)} (${j(r.energyJ.band.high)}-${j(r.energyJ.band.low)})`],
    ['saving', '', `${pct(r.savingPercent)} (band ${pct(r.savingBand.low)} to ${pct(r.savingBand.high)})`],
  ];
  if (r.platformSavingPercent !== null) rows.push(['of the platform (estimate)', '', pct(r.platformSavingPercent)]);
  rows.push(
    [
      'oracle bound',
      pct(r.oraclePercent),
      r.achievedOfOracle === null
        ? 'n/a (the oracle saves nothing)'
        : `${(r.achievedOfOracle * 100).toFixed(1)} % of it`,
    ],
    ['masked unit-seconds', '', r.maskedUnitSeconds.toFixed(0)],
    ['pages migrated / reclaimed', '', `${r.pagesMigrated} / ${r.pagesReclaimed}`],
    ['refaults, allocation stalls, OOM kills', '', `${r.refaults}, ${r.allocStalls}, ${r.oomKills}`],
    ['mode-register writes', '', String(r.mrwCount)],
    ['violations, live pages lost', '', `${r.violations}, ${r.dataLossPages}`],
  );
  for (const [k, v] of Object.entries(r.policyStats)) rows.push([k, '', String(v)]);
  out.push(table(header, rows));
  out.push(
    `(energy = DRAM awake and self-refresh + CPU energy of mechanism work; the band spans arrayShare, an unverified parameter: hal/lpddr/ARRAY-SHARE.md)`,
  );
  for (const c of r.clampedTemperatures) out.push(`clamped: ${c}`);
  out.push('');
  out.push(...chart(o, duration));
  for (const m of r.violationMessages) out.push(m);
  return out.join('\n');
}

const COLUMNS = 48;

function chart(o: RunOutcome, duration: (ns: number) => string): string[] {
  const points = o.stats.timeline;
  const start = points[0]?.tNs ?? 0;
  const end = start + o.stats.simulatedNs;
  if (!(end > start)) return [];
  const cols = timelineColumns(points, start, end, COLUMNS);
  const usable = o.system.map.units.filter((u) => u.usable).length;
  const step = duration(cols.columnNs);
  const lines = [`Units masked during self-refresh (of ${usable}), one column = ${step}:`];
  const plot = asciichart.plot([...cols.maskedUnits], {
    height: Math.min(8, Math.max(2, usable)),
    min: 0,
    max: Math.max(usable, 1),
    format: (x: number) => x.toFixed(0).padStart(3),
  });
  lines.push(...plot.split('\n').map((l) => l.trimEnd()));
  const shade = ' ▁▂▃▄▅▆▇█';
  lines.push(`susp ${cols.suspended.map((s) => shade[Math.round(s * 8)]).join('')}  (share of each column suspended)`);
  return lines;
}
