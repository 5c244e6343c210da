/**
 * The work a sweep hands its worker threads: a baseline (board, workload, seed with policy
 * `none`, the oracle metered alongside) or a policy run against a baseline computed before.
 * Tasks and results are plain data (structured clones); a task carries the bytes of its board
 * and workload files, so every worker parses the same inputs the sweep fingerprinted.
 */
import type { BoardConfig } from '../../hal/board/board-config.js';
import {
  type BaselineEnergy,
  type RunReport,
  type RunRequest,
  runBaseline,
  runPolicy,
} from '../../firmware/system/run-report.js';
import { type TimelineStep, timelineSteps } from '../../firmware/system/timeline.js';
import type { Scenario } from '../../firmware/workload/scenario.js';
import { boardFromBytes } from '../board-files.js';
import { CliError } from '../errors.js';
import { loadedScenario, scenarioFromBytes } from '../workload-files.js';

/** A run as `pasr run --json` prints it. */
export type RunJson = RunReport & { readonly timeline: readonly TimelineStep[] };

interface TaskInputs {
  readonly board: { readonly bytes: Uint8Array; readonly shown: string };
  readonly workload: { readonly bytes: Uint8Array; readonly shown: string };
  readonly seed: number;
  readonly durationNs?: number;
}

export type Task =
  | ({ readonly kind: 'baseline' } & TaskInputs)
  | ({
      readonly kind: 'policy';
      readonly policy: string;
      readonly options: Readonly<Record<string, string>>;
      readonly baseline: BaselineEnergy;
    } & TaskInputs);

export type TaskResult =
  /** A baseline: what its policy runs need, and its own run as policy `none`. */
  | { readonly ok: true; readonly baseline: BaselineEnergy; readonly none: RunJson }
  | { readonly ok: true; readonly run: RunJson }
  | { readonly ok: false; readonly error: string };

function request(task: Task, config: BoardConfig, scenario: Scenario): RunRequest {
  return {
    config,
    scenario,
    policy: task.kind === 'policy' ? task.policy : 'none',
    ...(task.kind === 'policy' ? { policyOptions: task.options } : {}),
    seed: task.seed,
    ...(task.durationNs !== undefined ? { durationNs: task.durationNs } : {}),
  };
}

/** Run one task; every failure (a bad file, a bad option, an exception in the run) comes back as its message. */
export function runTask(task: Task): TaskResult {
  try {
    const config = boardFromBytes(task.board.bytes, task.board.shown);
    const scenario = loadedScenario(scenarioFromBytes(task.workload.bytes), task.workload.shown);
    const req = request(task, config, scenario);
    if (task.kind === 'policy') {
      const o = runPolicy(req, task.baseline);
      return { ok: true, run: { ...o.report, timeline: timelineSteps(o.stats.timeline) } };
    }
    const b = runBaseline(req);
    const none = runPolicy(req, b.energy, b);
    return { ok: true, baseline: b.energy, none: { ...none.report, timeline: timelineSteps(none.stats.timeline) } };
  } catch (e) {
    // A file's problems are its FILE:LINE:COL lines (they name the file); else the message.
    if (e instanceof CliError) return { ok: false, error: e.details.length > 0 ? e.details.join('\n') : e.message };
    const message = e instanceof Error ? e.message : String(e);
    if (/^unknown policy|^policy /.test(message)) return { ok: false, error: message };
    return { ok: false, error: `internal error: ${message}` };
  }
}
