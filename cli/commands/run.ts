import asciichart from 'asciichart';
import { SingleBar } from 'cli-progress';
import { encodeTrace } from '../../hal/trace/codec.js';
import { runFailure, runScenario, type RunReport } from '../../firmware/system/run-report.js';
import { timelineColumns, timelineSteps } from '../../firmware/system/timeline.js';
import { formatDuration, parseDuration } from '../../firmware/workload/quantities.js';
import { loadBoard } from '../board-files.js';
import { CliError } from '../errors.js';
import { writeOutput } from '../files.js';
import { table } from '../format.js';
import { loadScenario } from '../workload-files.js';

export interface RunOptions {
  board: string;
  workload: string;
  policy: string;
  seed?: string;
  duration?: string;
  temperature?: string;
  trace?: string;
  json?: boolean;
  /** Policy options (each policy declares which it takes). */
  deflate?: string;
  offlineTimeout?: string;
}

/** Exit status of a run that violated the PASR safety invariant or lost data. */
export const EXIT_SAFETY = 3;

function seedOf(text: string | undefined): number {
  if (text === undefined) return 1;
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff)
    throw new CliError(`--seed ${JSON.stringify(text)}: expected an integer in [0, 4294967295]`, 2);
  return Number(text);
}

function temperatureOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = Number(text);
  if (text.trim() === '' || !Number.isFinite(t) || t < -40 || t > 125)
    throw new CliError(
      `--temperature ${JSON.stringify(text)}: expected a die temperature in °C between -40 and 125`,
      2,
    );
  return t;
}

export function durationOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const d = parseDuration(text);
  if (!d.ok) throw new CliError(`--duration: ${d.message}`, 2);
  if (d.value <= 0) throw new CliError(`--duration ${text}: a run needs some simulated time`, 2);
  return d.value;
}

/** `pasr run`: one board, one workload, one policy (and its baseline); a report, a timeline. */
export async function run(opts: RunOptions): Promise<void> {
  const config = loadBoard(opts.board);
  const scenario = loadScenario(opts.workload);
  const seed = seedOf(opts.seed);
  const durationNs = durationOf(opts.duration);
  const temperatureC = temperatureOf(opts.temperature);
  const policyOptions = { deflate: opts.deflate, 'offline-timeout': opts.offlineTimeout };
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
    if (e instanceof Error && /^unknown policy|^policy /.test(e.message)) throw new CliError(e.message, 2);
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
    process.stdout.write(`${formatRun(report, outcome)}\n`);
  }
  const failure = runFailure(report);
  if (failure) throw new CliError(failure.message, failure.kind === 'data-loss' ? EXIT_SAFETY : 1);
}

const j = (x: number): string => x.toFixed(2);
const pct = (x: number): string => `${x.toFixed(2)} %`;

function formatRun(r: RunReport, o: ReturnType<typeof runScenario>): string {
  const out: string[] = [];
  const usable = o.system.map.units.filter((u) => u.usable).length;
  const opts = Object.entries(r.policyOptions)
    .map(([k, v]) => `--${k} ${v}`)
    .join(' ');
  out.push(
    `pasr run: ${r.board}, ${r.workload}, policy ${r.policy}${opts ? ` (${opts})` : ''}, seed ${r.seed}, ${r.temperatureC} °C`,
  );
  out.push(
    `${formatDuration(Math.round(r.simulatedSeconds) * 1e9)} simulated: ${r.suspendedSeconds.toFixed(0)} s suspended in ${r.suspendCount} suspends; ${usable} usable PASR units (${o.system.map.register})`,
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
  out.push(...chart(o));
  for (const m of r.violationMessages) out.push(m);
  return out.join('\n');
}

const COLUMNS = 48;

function chart(o: ReturnType<typeof runScenario>): string[] {
  const points = o.stats.timeline;
  const start = points[0]?.tNs ?? 0;
  const end = start + o.stats.simulatedNs;
  if (!(end > start)) return [];
  const cols = timelineColumns(points, start, end, COLUMNS);
  const usable = o.system.map.units.filter((u) => u.usable).length;
  const step = formatDuration(Math.round(cols.columnNs / 1e9) * 1e9);
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
