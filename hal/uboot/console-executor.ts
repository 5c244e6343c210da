import type { Hazard, RegOp, RegisterProgram } from '../register-program.js';
import type { Timer } from './byte-stream.js';
import { ConsoleError, type ConsoleErrorCode, type UbootConsole } from './transport.js';
import { hex } from '../bits.js';

/**
 * Run a register program on a real board through its U-Boot console: the same programs the
 * emulated bus runs with `runProgram` (hal/register-program.ts).
 *
 *   write → `mw.l <addr> <value>`        read → `md.l <addr> 1`, parsed
 *   poll  → `md.l <addr> 1` repeated until (value & mask) === expect, at most N reads with
 *           N = floor(timeoutNs / intervalNs) + 1 clamped to [1, maxPollReads]; reads are
 *           spaced so the whole poll lasts at least timeoutNs of wall time
 *   delay → a host-side wait on the injected timer (at least 1 ms)
 *
 * Invariants:
 *  (a) a program with hazards sends nothing unless `force` is set;
 *  (b) operations run strictly in order, and the first failure stops the program;
 *  (c) every operation ends in exactly one of: applied, not applied, or uncertain (a write
 *      sent whose prompt never came back: it may or may not have run). At most one op is
 *      uncertain, and it is the failed one;
 *  (d) writes are never re-sent; reads are retried by the transport, a bounded number of times.
 */

export interface ConsoleStep {
  readonly index: number;
  readonly op: RegOp;
  /** The console line sent for this op (a poll sends it repeatedly; a delay sends nothing). */
  readonly command: string | undefined;
  /** Human description (op note, poll condition, delay). */
  readonly comment: string;
}

export interface ConsolePlan {
  readonly program: string;
  readonly hazards: readonly Hazard[];
  readonly steps: readonly ConsoleStep[];
}

export interface ExecuteOptions {
  /** Run even when the program carries hazards (invariant a). */
  readonly force?: boolean;
  /** Upper bound on the reads of one poll op. Default 64. */
  readonly maxPollReads?: number;
  /** Per-command timeout passed to the transport (default: the transport's). */
  readonly commandTimeoutMs?: number;
  /** Called after each op completes (for progress bars). */
  readonly onStep?: (step: ConsoleStep, completed: number, total: number) => void;
}

export type ExecFailureCode = ConsoleErrorCode | 'hazard' | 'poll-timeout';

export type ConsoleProgramResult =
  | {
      readonly ok: true;
      readonly program: string;
      readonly applied: number;
      readonly reads: Readonly<Record<string, number>>;
      readonly appliedSteps: readonly ConsoleStep[];
      /** Hazards that were overridden with `force`. */
      readonly forced: readonly Hazard[];
    }
  | {
      readonly ok: false;
      readonly program: string;
      /** Operations completed before the failure. */
      readonly applied: number;
      /** Index of the operation that failed (-1 when nothing was attempted: hazards). */
      readonly failedAt: number;
      readonly code: ExecFailureCode;
      readonly reason: string;
      readonly reads: Readonly<Record<string, number>>;
      readonly appliedSteps: readonly ConsoleStep[];
      /** The failed op when it is a write that may or may not have run. */
      readonly uncertainStep: ConsoleStep | undefined;
      /** Ops not applied: the failed one (unless uncertain) and every later one. */
      readonly notAppliedSteps: readonly ConsoleStep[];
      /** The board reset: the applied writes are undone (registers back to boot values). */
      readonly boardReset: boolean;
      readonly hazards: readonly Hazard[];
      readonly error: ConsoleError | undefined;
      readonly forced: readonly Hazard[];
    };

const DEFAULT_MAX_POLL_READS = 64;

export function pollReads(op: Extract<RegOp, { op: 'poll' }>, maxPollReads = DEFAULT_MAX_POLL_READS): number {
  const interval = Math.max(1, op.intervalNs);
  return Math.min(Math.max(1, maxPollReads), Math.max(1, Math.floor(Math.max(0, op.timeoutNs) / interval) + 1));
}

/** The console lines a program turns into, without running anything (`--dry-run`). */
export function planConsoleProgram(
  p: RegisterProgram,
  options: Pick<ExecuteOptions, 'maxPollReads'> = {},
): ConsolePlan {
  const steps = p.ops.map((op, index): ConsoleStep => {
    const note = op.note ? ` (${op.note})` : '';
    switch (op.op) {
      case 'write':
        return { index, op, command: `mw.l ${hex(op.address)} ${hex(op.value >>> 0)}`, comment: `write${note}` };
      case 'read':
        return { index, op, command: `md.l ${hex(op.address)} 1`, comment: `read into ${op.label}${note}` };
      case 'poll':
        return {
          index,
          op,
          command: `md.l ${hex(op.address)} 1`,
          comment: `repeat until (value & ${hex(op.mask, 1)}) == ${hex(op.expect, 1)}, at most ${pollReads(op, options.maxPollReads)} reads${note}`,
        };
    }
    return { index, op, command: undefined, comment: `wait ${op.ns} ns on the host${note}` };
  });
  return { program: p.name, hazards: p.hazards, steps };
}

/** Dry-run text: comment lines start with `# `, every other line is exactly what is typed. */
export function renderPlan(plan: ConsolePlan): string[] {
  const out = [`# program ${plan.program}: ${plan.steps.length} operations`];
  for (const h of plan.hazards) out.push(`# HAZARD ${h.code}: ${h.message}`);
  for (const s of plan.steps) {
    out.push(`# ${s.index}: ${s.comment}`);
    if (s.command !== undefined) out.push(s.command);
  }
  return out;
}

function refusalReason(p: RegisterProgram): string {
  return `refused to run ${p.name}: ${p.hazards.map((h) => `${h.code}: ${h.message}`).join('; ')} (use --force to run it anyway)`;
}

/**
 * What executeOnConsole returns for a program it refuses (invariant a), without a console: a
 * caller can refuse before it opens a port. Undefined when the program would run.
 */
export function hazardRefusal(
  p: RegisterProgram,
  options: Pick<ExecuteOptions, 'force' | 'maxPollReads'> = {},
): Extract<ConsoleProgramResult, { ok: false }> | undefined {
  if (p.hazards.length === 0 || options.force) return undefined;
  return {
    ok: false,
    program: p.name,
    applied: 0,
    failedAt: -1,
    code: 'hazard',
    reason: refusalReason(p),
    reads: {},
    appliedSteps: [],
    uncertainStep: undefined,
    notAppliedSteps: planConsoleProgram(p, options).steps,
    boardReset: false,
    hazards: p.hazards,
    error: undefined,
    forced: [],
  };
}

/** Run a program over a synchronised-or-not console (it synchronises itself). */
export async function executeOnConsole(
  con: UbootConsole,
  p: RegisterProgram,
  timer: Timer,
  options: ExecuteOptions = {},
): Promise<ConsoleProgramResult> {
  const plan = planConsoleProgram(p, options);
  const reads: Record<string, number> = {};
  const applied: ConsoleStep[] = [];
  const forced = options.force ? p.hazards : [];
  const timeout = options.commandTimeoutMs !== undefined ? { timeoutMs: options.commandTimeoutMs } : {};

  const fail = (
    index: number,
    code: ExecFailureCode,
    reason: string,
    extra: { uncertain?: boolean; error?: ConsoleError; boardReset?: boolean } = {},
  ): ConsoleProgramResult => {
    const failed = index >= 0 ? plan.steps[index] : undefined;
    const uncertainStep = extra.uncertain ? failed : undefined;
    return {
      ok: false,
      program: p.name,
      applied: applied.length,
      failedAt: index,
      code,
      reason,
      reads,
      appliedSteps: applied,
      uncertainStep,
      notAppliedSteps: plan.steps.slice(Math.max(0, index) + (uncertainStep ? 1 : 0)),
      boardReset: extra.boardReset ?? false,
      hazards: p.hazards,
      error: extra.error,
      forced,
    };
  };

  const refused = hazardRefusal(p, options);
  if (refused) return refused;

  for (const step of plan.steps) {
    const op = step.op;
    try {
      switch (op.op) {
        case 'write':
          await con.writeWord(op.address, op.value, timeout);
          break;
        case 'read':
          reads[op.label] = await con.readWord(op.address, timeout);
          break;
        case 'delay':
          await sleep(timer, Math.max(1, Math.ceil(op.ns / 1e6)));
          break;
        case 'poll': {
          const n = pollReads(op, options.maxPollReads);
          const gapNs = n > 1 ? Math.max(op.intervalNs, op.timeoutNs / (n - 1)) : 0;
          let last = 0;
          let met = false;
          for (let r = 0; r < n; r++) {
            if (r > 0 && gapNs >= 1e6) await sleep(timer, Math.ceil(gapNs / 1e6));
            last = await con.readWord(op.address, timeout);
            if ((last & op.mask) >>> 0 === op.expect >>> 0) {
              met = true;
              break;
            }
          }
          if (!met) {
            return fail(
              step.index,
              'poll-timeout',
              `poll of ${hex(op.address, 1)} gave up after ${n} reads over the console (last ${hex(last, 1)}, wanted ${hex(op.expect, 1)} under mask ${hex(op.mask, 1)})`,
            );
          }
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof ConsoleError)) throw e;
      const isWrite = op.op === 'write';
      // A write whose line was sent but whose outcome we could not see may have run.
      const uncertain =
        isWrite &&
        e.sent !== '' &&
        (e.code === 'timeout' || e.code === 'disconnected' || e.code === 'garbage' || e.code === 'line-too-long');
      const boardReset = e.code === 'board-reset';
      let reason = `op ${step.index} (${step.command ?? step.comment}) failed: ${e.message}`;
      if (uncertain) reason += '; this write may or may not have been applied, so it was not re-sent';
      if (boardReset && applied.some((s) => s.op.op === 'write')) {
        reason += `; the ${applied.filter((s) => s.op.op === 'write').length} writes applied before are undone by the reset`;
      }
      return fail(step.index, e.code, reason, { uncertain, error: e, boardReset });
    }
    applied.push(step);
    options.onStep?.(step, applied.length, plan.steps.length);
  }
  return { ok: true, program: p.name, applied: applied.length, reads, appliedSteps: applied, forced };
}

function sleep(timer: Timer, ms: number): Promise<void> {
  return new Promise((resolve) => {
    timer.after(ms, resolve);
  });
}
