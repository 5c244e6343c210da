/**
 * report.html of a sweep: one self-contained page (the chart library and the page's script
 * inlined, the figures as JSON in a <script type="application/json">; no network, no server).
 *
 * `pageData` picks what the charts show from the report (pure); `renderReportHtml` writes the
 * page around it, given the library and script texts. Every text from the report (board and
 * workload names, messages) goes into the page escaped: as HTML text or attribute values, or
 * inside the JSON with `<`, `>`, `&` and the JavaScript line separators as \u escapes, so no
 * value can end the script element or start markup.
 */
import type { Aggregate, CellRecord, SweepReport } from './results.js';
import { timelineColumns } from '../../firmware/system/timeline.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** JSON that can sit inside a <script> element whatever its strings hold. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A script's text as the body of a <script> element: `</script` cannot occur in it. */
export function scriptBody(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** The costs charted per policy: [flattened key, label, unit]. */
export const COSTS: readonly (readonly [string, string, string])[] = [
  ['pagesMigrated', 'pages migrated', 'pages'],
  ['pagesReclaimed', 'pages reclaimed', 'pages'],
  ['refaults', 'refaults', 'faults'],
  ['allocStalls', 'allocation stalls', 'stalls'],
  ['oomKills', 'OOM kills', 'kills'],
  ['deflateLatencyMs.p99', 'deflate latency p99', 'ms'],
];

export interface EnergyBar {
  readonly label: string;
  readonly dramJ: number;
  readonly cpuJ: number;
  /** Lowest and highest total energy over the arrayShare band (policies only). */
  readonly band: readonly [number, number] | null;
  readonly savingPercent: number | null;
  readonly platformPercent: number | null;
  readonly dataLoss: boolean;
}

export interface PageData {
  readonly title: string;
  readonly boards: readonly string[];
  readonly workloads: readonly string[];
  readonly policies: readonly string[];
  readonly seeds: readonly number[];
  readonly counts: SweepReport['counts'];
  /** One chart per board x workload: the baseline and each policy, means over seeds. */
  readonly energy: readonly {
    readonly board: string;
    readonly workload: string;
    readonly bars: readonly EnergyBar[];
  }[];
  /** One chart per board: achieved share of the oracle's saving (%) per workload and policy, mean and range over seeds. */
  readonly oracle: readonly {
    readonly board: string;
    readonly series: readonly {
      readonly policy: string;
      readonly mean: readonly (number | null)[];
      readonly min: readonly (number | null)[];
      readonly max: readonly (number | null)[];
    }[];
  }[];
  /** One chart per cost: mean per run (over workloads and seeds) per policy, one series per board. */
  readonly costs: readonly {
    readonly key: string;
    readonly label: string;
    readonly unit: string;
    readonly series: readonly { readonly board: string; readonly values: readonly (number | null)[] }[];
  }[];
  /**
   * One chosen cell per board and its timeline over equal columns of simulated time (as `pasr
   * run` charts it): the share of each column suspended, and the mean units masked while suspended.
   */
  readonly timelines: readonly {
    readonly board: string;
    readonly workload: string;
    readonly policy: string;
    readonly seed: number;
    readonly why: string;
    readonly simulatedSeconds: number;
    /** Middle of each column, hours. */
    readonly hours: readonly number[];
    readonly suspended: readonly number[];
    readonly maskedUnits: readonly number[];
  }[];
}

/** Columns of a timeline chart (5 minutes each over a day). */
const TIMELINE_COLUMNS = 288;

const mean = (a: Aggregate | undefined, key: string): number | null => a?.figures[key]?.mean ?? null;

function round(x: number, digits = 6): number {
  return Number(x.toFixed(digits));
}

/**
 * The cell whose timeline a board's chart shows: the workload with the most time in
 * self-refresh (where masks act), the non-oracle policy that saved the most there without
 * losing data (the oracle if none did), its first seed that ran cleanly.
 */
function chosenCell(
  board: string,
  report: SweepReport,
  cells: readonly CellRecord[],
): { cell: CellRecord; why: string } | null {
  const byGroup = (w: string, p: string) =>
    report.aggregates.find((a) => a.board === board && a.workload === w && a.policy === p);
  let workload: string | null = null;
  let most = -1;
  for (const w of report.grid.workloads) {
    for (const p of report.grid.policies) {
      const s = mean(byGroup(w, p), 'suspendedSeconds');
      if (s !== null && s > most) {
        most = s;
        workload = w;
      }
    }
  }
  if (workload === null) return null;
  const clean = (p: string) => {
    const a = byGroup(workload!, p);
    return a !== undefined && a.ok === a.cells ? a : undefined;
  };
  const candidates = report.grid.policies.filter((p) => {
    const a = clean(p);
    return a !== undefined && a.figures['savingPercent'] !== undefined && !/^(oracle|none)\b/.test(p);
  });
  candidates.sort((x, y) => mean(clean(y), 'savingPercent')! - mean(clean(x), 'savingPercent')!);
  const policy = candidates[0] ?? report.grid.policies.find((p) => /^oracle\b/.test(p) && clean(p) !== undefined);
  if (policy === undefined) return null;
  const cell = cells.find(
    (c) => c.board === board && c.workload === workload && c.policy === policy && c.status === 'ok',
  );
  if (!cell?.run) return null;
  const why =
    candidates[0] !== undefined
      ? `the workload with the most time in self-refresh, and the policy other than the oracle that saved the most on it without losing data`
      : `the workload with the most time in self-refresh; the oracle, since no other policy ran cleanly on it`;
  return { cell, why };
}

export function pageData(report: SweepReport, cells: readonly CellRecord[]): PageData {
  const { boards, workloads, policies, seeds } = report.grid;
  const agg = (b: string, w: string, p: string) =>
    report.aggregates.find((a) => a.board === b && a.workload === w && a.policy === p);
  const energy = boards.flatMap((b) =>
    workloads.map((w) => {
      const bars: EnergyBar[] = [];
      const withFigures = policies
        .map((p) => agg(b, w, p))
        .filter((a): a is Aggregate => mean(a, 'dramJ.baseline') !== null);
      const first = withFigures[0];
      if (first !== undefined)
        bars.push({
          label: 'baseline (none)',
          dramJ: round(mean(first, 'dramJ.baseline')!),
          cpuJ: round(mean(first, 'cpuJ.baseline')!),
          band: null,
          savingPercent: null,
          platformPercent: null,
          dataLoss: false,
        });
      for (const a of withFigures) {
        const lo = mean(a, 'energyJ.band.low')!;
        const hi = mean(a, 'energyJ.band.high')!;
        bars.push({
          label: a.policy,
          dramJ: round(mean(a, 'dramJ.policy')!),
          cpuJ: round(mean(a, 'cpuJ.policy')!),
          band: [round(Math.min(lo, hi)), round(Math.max(lo, hi))],
          savingPercent: mean(a, 'savingPercent'),
          platformPercent: mean(a, 'platformSavingPercent'),
          dataLoss: a.dataLoss > 0,
        });
      }
      return { board: b, workload: w, bars };
    }),
  );
  const others = policies.filter((p) => !/^(oracle|none)\b/.test(p));
  const oracle = boards.map((b) => ({
    board: b,
    series: others.map((p) => {
      // A policy that lost data in a cell saved nothing real there: no bar.
      const f = workloads.map((w) => {
        const a = agg(b, w, p);
        return a !== undefined && a.dataLoss === 0 ? a.figures['achievedOfOracle'] : undefined;
      });
      const pct = (x: number | undefined) => (x === undefined ? null : round(x * 100, 4));
      return {
        policy: p,
        mean: f.map((s) => pct(s?.mean)),
        min: f.map((s) => pct(s?.min)),
        max: f.map((s) => pct(s?.max)),
      };
    }),
  }));
  const costs = COSTS.map(([key, label, unit]) => ({
    key,
    label,
    unit,
    series: boards.map((b) => ({
      board: b,
      values: policies.map((p) => {
        // Mean per run over the workloads and seeds that ran.
        let sum = 0;
        let n = 0;
        for (const w of workloads) {
          const s = agg(b, w, p)?.figures[key];
          if (s !== undefined) {
            sum += s.mean * s.n;
            n += s.n;
          }
        }
        return n > 0 ? round(sum / n, 3) : null;
      }),
    })),
  }));
  const timelines = boards.flatMap((b) => {
    const chosen = chosenCell(b, report, cells);
    if (chosen === null) return [];
    const { cell, why } = chosen;
    const run = cell.run!;
    const points = run.timeline.map(([t, suspended, maskedUnits]) => ({
      tNs: t * 1e9,
      suspended: suspended === 1,
      maskedUnits,
    }));
    const cols = timelineColumns(points, 0, run.simulatedSeconds * 1e9, TIMELINE_COLUMNS);
    return [
      {
        board: b,
        workload: cell.workload,
        policy: cell.policy,
        seed: cell.seed,
        why,
        simulatedSeconds: run.simulatedSeconds,
        hours: cols.suspended.map((_, i) => round(((i + 0.5) * cols.columnNs) / 3600e9, 4)),
        suspended: cols.suspended.map((x) => round(x, 4)),
        maskedUnits: cols.maskedUnits.map((x) => round(x, 3)),
      },
    ];
  });
  const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
  return {
    title: `pasr compare: ${n(boards.length, 'board')} x ${n(workloads.length, 'workload')} x ${n(policies.length, 'policy variant')} x ${n(seeds.length, 'seed')}`,
    boards,
    workloads,
    policies,
    seeds,
    counts: report.counts,
    energy,
    oracle,
    costs,
    timelines,
  };
}

/** The columns of the cell table: [header, value of a cell, digits for numbers]. */
const TABLE: readonly (readonly [string, (c: SweepReport['cells'][number]) => string | number | null, number?])[] = [
  ['board', (c) => c.board],
  ['workload', (c) => c.workload],
  ['policy', (c) => c.policy],
  ['seed', (c) => c.seed, 0],
  ['status', (c) => c.status],
  ['saving %', (c) => c.run?.savingPercent ?? null, 2],
  ['band low %', (c) => c.run?.savingBand.low ?? null, 2],
  ['band high %', (c) => c.run?.savingBand.high ?? null, 2],
  ['of platform %', (c) => c.run?.platformSavingPercent ?? null, 3],
  ['of oracle %', (c) => (c.run?.achievedOfOracle == null ? null : c.run.achievedOfOracle * 100), 1],
  ['energy baseline J', (c) => c.run?.energyJ.baseline ?? null, 2],
  ['energy policy J', (c) => c.run?.energyJ.policy ?? null, 2],
  ['migrated', (c) => c.run?.pagesMigrated ?? null, 0],
  ['reclaimed', (c) => c.run?.pagesReclaimed ?? null, 0],
  ['refaults', (c) => c.run?.refaults ?? null, 0],
  ['alloc stalls', (c) => c.run?.allocStalls ?? null, 0],
  ['OOM kills', (c) => c.run?.oomKills ?? null, 0],
  ['deflate p99 ms', (c) => c.run?.deflateLatencyMs.p99 ?? null, 3],
  ['MRWs', (c) => c.run?.mrwCount ?? null, 0],
  ['violations', (c) => c.run?.violations ?? null, 0],
  ['pages lost', (c) => c.run?.dataLossPages ?? null, 0],
  ['error', (c) => c.error],
];

function cellTable(report: SweepReport): string {
  const head = TABLE.map(
    ([h], i) => `<th scope="col" data-col="${i}" tabindex="0" aria-sort="none">${escapeHtml(h)}</th>`,
  ).join('');
  const rows = report.cells.map((c) => {
    const tds = TABLE.map(([, get, digits]) => {
      const v = get(c);
      if (v === null) return '<td data-v=""></td>';
      if (typeof v === 'number') return `<td class="num" data-v="${v}">${escapeHtml(v.toFixed(digits ?? 2))}</td>`;
      return `<td data-v="${escapeHtml(v)}">${escapeHtml(v)}</td>`;
    });
    return `<tr class="${c.status}">${tds.join('')}</tr>`;
  });
  return `<table id="cells"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function figure(id: string, caption: string, cls = 'chart'): string {
  return `<figure class="${cls}"><div class="box"><canvas id="${escapeHtml(id)}" data-chart></canvas></div><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1280px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}h3{margin:1.2em 0 .3em}
.grid{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0}figure.chart{width:400px}figure.wide{width:100%}
figure .box{position:relative;height:260px}figure.wide .box{height:280px}
figcaption{font-size:12px;color:#555}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ddd;padding:2px 5px}
th{background:#f3f3f3;cursor:pointer;position:sticky;top:0;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.data-loss{background:#fde8e8}tr.error{background:#fff3cd}
.note{color:#555;max-width:60em}
`;

/** The page: `chartLib` is the chart library's UMD build, `pageScript` the script that draws the charts and sorts the table. */
export function renderReportHtml(
  report: SweepReport,
  cells: readonly CellRecord[],
  chartLib: string,
  pageScript: string,
): string {
  const data = pageData(report, cells);
  const { counts } = report;
  const parts: string[] = [];
  parts.push(
    `<h1>${escapeHtml(data.title)}</h1>`,
    `<p>${counts.cells} cells: ${counts.ok} ok, ${counts.dataLoss} lost data, ${counts.errors} failed. Boards: ${escapeHtml(data.boards.join(', '))}. Workloads: ${escapeHtml(data.workloads.join(', '))}. Policies: ${escapeHtml(data.policies.join(', '))}. Seeds: ${escapeHtml(data.seeds.join(', '))}.</p>`,
    `<p class="note">Energy is DRAM energy (awake and self-refresh) plus the CPU energy of each policy's mechanism work, mean over seeds; every policy is compared with its baseline (policy none, same seed). The whiskers span arrayShare, the unverified share of self-refresh power that PASR scales (hal/lpddr/ARRAY-SHARE.md). A policy marked "lost data" violated the PASR safety invariant in some cell: its figures are not savings.</p>`,
  );
  parts.push('<h2 id="energy">Energy per board: baseline and each policy</h2>');
  for (const b of data.boards) {
    parts.push(`<h3>${escapeHtml(b)}</h3><div class="grid">`);
    for (const [i, e] of data.energy.entries())
      if (e.board === b) parts.push(figure(`energy-${i}`, `${e.workload}: energy (J), DRAM and mechanism CPU`));
    parts.push('</div>');
  }
  parts.push(
    '<h2 id="oracle">Achieved share of the oracle’s saving</h2>',
    '<p class="note">The oracle packs live pages into as few PASR units as unmovable pages allow, at no cost: the bound of what any policy can save. Bars are means over seeds, whiskers the lowest and highest seed. No bar: the policy lost data there, or the oracle saves nothing. The axis is cut at −100 % and 110 %: a bar that reaches the edge goes further (its tooltip gives the figure; where the oracle saves almost nothing a policy\'s cost is thousands of per cent of it).</p>',
    '<div class="grid">',
  );
  for (const [i, o] of data.oracle.entries()) parts.push(figure(`oracle-${i}`, `${o.board}: % of the oracle's saving`));
  parts.push('</div>', '<h2 id="costs">Costs paid per policy</h2>', '<div class="grid">');
  for (const [i, c] of data.costs.entries())
    parts.push(figure(`cost-${i}`, `${c.label} (${c.unit}), mean per run over workloads and seeds`));
  parts.push('</div>', '<h2 id="timeline">Units masked over the run, one cell per board</h2>');
  for (const [i, t] of data.timelines.entries()) {
    parts.push(
      `<h3>${escapeHtml(t.board)}: ${escapeHtml(t.workload)}, ${escapeHtml(t.policy)}, seed ${t.seed}</h3>`,
      `<p class="note">Chosen as ${escapeHtml(t.why)}. In each of ${TIMELINE_COLUMNS} equal columns of the run (5 minutes each over a day): the mean units masked while suspended and, shaded, the share of time suspended (masks act only in self-refresh).</p>`,
      figure(
        `timeline-${i}`,
        'units masked while suspended (line) and share of time suspended (shaded), over simulated hours',
        'wide',
      ),
    );
  }
  parts.push(
    '<h2 id="table">Every cell</h2>',
    '<p class="note">Click a column header to sort by it (again to reverse).</p>',
    cellTable(report),
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...parts,
    `<script type="application/json" id="pasr-data">${jsonForScript(data)}</script>`,
    `<script>${scriptBody(chartLib)}</script>`,
    `<script>${scriptBody(pageScript)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
