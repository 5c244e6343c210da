/**
 * report.md: the sweep's headline figures as Markdown tables, for a README or a review thread.
 * Per workload, the saving of every policy on every board (mean over seeds, the share of the
 * oracle's bound it reached) and the costs each policy paid (means over the boards' runs). Like
 * report.json, it is a function of the report alone: the same cells give the same bytes.
 */
import type { Aggregate, SweepReport } from './results.js';

const COSTS: readonly [key: string, head: string, digits: number][] = [
  ['pagesMigrated', 'pages migrated', 0],
  ['pagesReclaimed', 'pages reclaimed', 0],
  ['refaults', 'refaults', 0],
  ['allocStalls', 'alloc stalls', 0],
  ['oomKills', 'OOM kills', 1],
  ['mrwCount', 'MRWs', 0],
  ['allocatorNsPerOp', 'allocator ns/op', 2],
  ['deflateLatencyMs.p99', 'deflate p99 (ms)', 0],
];

function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function tableOf(head: readonly string[], rows: readonly (readonly string[])[], numeric: number): string {
  const align = head.map((_, i) => (i < numeric ? '---' : '---:'));
  return [row(head), row(align), ...rows.map(row)].join('\n');
}

/** One table cell: the saving, with the share of the oracle, or why there is no figure. */
function savingCell(a: Aggregate | undefined): string {
  if (!a) return '';
  if (a.errors > 0) return `failed (${a.errors} of ${a.cells})`;
  if (a.dataLoss > 0) return `LOST DATA (${a.dataLoss} of ${a.cells})`;
  const s = a.figures['savingPercent'];
  if (!s) return '';
  const of = a.figures['achievedOfOracle'];
  const spread = s.n > 1 && s.max - s.min >= 0.005 ? ` [${fixed(s.min, 2)}, ${fixed(s.max, 2)}]` : '';
  return `${fixed(s.mean, 2)}${spread}${of ? ` (${Math.round(of.mean * 100)} %)` : ''}`;
}

export function sweepMarkdown(report: SweepReport): string {
  const { grid } = report;
  const find = new Map<string, Aggregate>();
  for (const a of report.aggregates) find.set(JSON.stringify([a.board, a.workload, a.policy]), a);
  const at = (b: string, w: string, p: string): Aggregate | undefined => find.get(JSON.stringify([b, w, p]));
  const seeds = grid.seeds.length === 1 ? `seed ${grid.seeds[0]}` : `seeds ${grid.seeds.join(', ')}`;
  const out: string[] = [
    `# pasr compare: ${grid.boards.length} boards x ${grid.workloads.length} workloads x ${grid.policies.length} policy variants, ${seeds}`,
    '',
    `${report.counts.cells} cells: ${report.counts.ok} ok, ${report.counts.dataLoss} lost data, ${report.counts.errors} failed.`,
    '',
    'Saving: DRAM energy plus the CPU energy of mechanism work, against the baseline (policy none, same seed),',
    'in per cent, mean over the seeds, [lowest, highest seed] where they differ, (share of the oracle bound',
    "reached, where the oracle saves anything). The `oracle` column is that bound. Costs: each policy's",
    "mechanism work per run, mean over the boards' runs of the workload.",
  ];
  for (const w of grid.workloads) {
    out.push('', `## ${w}`, '');
    out.push(
      tableOf(
        ['board', ...grid.policies],
        grid.boards.map((b) => [b, ...grid.policies.map((p) => savingCell(at(b, w, p)))]),
        1,
      ),
    );
    out.push('');
    const rows = grid.policies.map((p) => {
      const runs = grid.boards.map((b) => at(b, w, p)).filter((a): a is Aggregate => a !== undefined);
      return [
        p,
        ...COSTS.map(([key, , digits]) => {
          const xs = runs.map((a) => a.figures[key]?.mean).filter((x): x is number => x !== undefined);
          return xs.length === 0 ? '' : fixed(xs.reduce((s, x) => s + x, 0) / xs.length, digits);
        }),
      ];
    });
    out.push(tableOf(['policy', ...COSTS.map(([, head]) => head)], rows, 1));
  }
  return `${out.join('\n')}\n`;
}
