import { formatProblem } from '../../firmware/workload/load-scenario.js';
import { formatDuration } from '../../firmware/workload/quantities.js';
import type { Scenario } from '../../firmware/workload/scenario.js';
import { CliError, EXIT } from '../errors.js';
import { table } from '../format.js';
import { readScenario, shippedWorkloadFiles, workloadDisplayPath } from '../workload-files.js';

export interface WorkloadSummary {
  name: string;
  file: string;
  durationNs: number;
  phases: { name: string; durationNs: number; suspend: boolean }[];
  description: string;
}

/** Longest description shown in the table (--json has all of it). */
const DESCRIPTION_CHARS = 100;

/** The first sentence of a description, cut at a word to DESCRIPTION_CHARS. */
function shortDescription(text: string): string {
  const m = /^.*?[.!?](?=\s|$)/s.exec(text.trim());
  const first = (m ? m[0] : text.trim()).replace(/\s+/g, ' ');
  if (first.length <= DESCRIPTION_CHARS) return first;
  const cut = first.slice(0, DESCRIPTION_CHARS - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), DESCRIPTION_CHARS / 2)).replace(/[\s,;:]+$/, '')}…`;
}

/** `night 7h*, day 10h`: a star marks a phase that suspends when idle. */
function phasesText(s: WorkloadSummary): string {
  return s.phases.map((p) => `${p.name} ${formatDuration(p.durationNs)}${p.suspend ? '*' : ''}`).join(', ');
}

function summary(file: string, s: Scenario): WorkloadSummary {
  return {
    name: s.name,
    file,
    durationNs: s.durationNs,
    phases: s.phases.map((p) => ({ name: p.name, durationNs: p.durationNs, suspend: p.suspend })),
    description: s.description,
  };
}

export async function listWorkloads(opts: { json?: boolean }): Promise<void> {
  const rows: WorkloadSummary[] = [];
  const broken: string[] = [];
  for (const file of shippedWorkloadFiles()) {
    const shown = workloadDisplayPath(file);
    const r = readScenario(file);
    if (r.ok) rows.push(summary(shown, r.scenario));
    else broken.push(...r.problems.map((p) => formatProblem(shown, p)));
  }
  if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else
    process.stdout.write(
      table(
        ['WORKLOAD', 'DURATION', 'PHASES', 'DESCRIPTION'],
        rows.map((r) => [r.name, formatDuration(r.durationNs), phasesText(r), shortDescription(r.description)]),
      ) + '(* the phase suspends when idle)\n',
    );
  if (broken.length > 0) throw new CliError('shipped workload scenarios with problems:', EXIT.failed, broken);
}

export async function validateWorkloads(files: string[]): Promise<void> {
  let bad = 0;
  for (const file of files) {
    const r = readScenario(file);
    if (r.ok) {
      const s = r.scenario;
      const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
      process.stdout.write(
        `${file}: ok (${s.name}: ${formatDuration(s.durationNs)}, ${n(s.phases.length, 'phase')}, ${n(s.sets.length, 'set')})\n`,
      );
    } else {
      bad++;
      for (const p of r.problems) process.stdout.write(formatProblem(file, p) + '\n');
    }
  }
  if (bad > 0) {
    const n = files.length;
    throw new CliError(
      n === 1 ? `${files[0]} is not a valid workload scenario` : `${bad} of ${n} workload scenarios are not valid`,
    );
  }
}
