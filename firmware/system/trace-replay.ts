/**
 * A replay of a recorded kernel page-allocation trace, as `pasr ftrace replay` does it: the
 * policy's run and its baseline (policy `none`, with the oracle's bound metered alongside), both
 * fed from one reading of the trace. Text goes in as it is read (push()); the kmem reader hands
 * each batch of page operations to both systems, which run up to the last operation they have
 * and wait there for the next batch, so neither the trace nor its operations are ever held
 * whole. finish() ends the input and both runs and returns the report of `pasr run` plus what
 * the reader found and what each replay did.
 *
 * Invariants: both runs see the same operations in the same order; a batch is emptied only once
 * both have applied all of it; the report's figures come from the same code as `pasr run`'s.
 */
import type { BoardConfig } from '../../hal/board/board-config.js';
import { createPolicy } from '../pasr/policies/index.js';
import {
  type KmemOps,
  KmemTraceParser,
  type KmemTraceSummary,
  TraceInputError,
} from '../workload/ftrace/kmem-parser.js';
import { type ReplayMode, type ReplayStats, TraceDriver } from '../workload/ftrace/trace-driver.js';
import { type BaselineEnergy, policyReport, type RunOutcome } from './run-report.js';
import { System, type SystemOptions } from './system.js';

export interface ReplayRequest {
  readonly config: BoardConfig;
  /** The workload's name in the report (the trace file's). */
  readonly name: string;
  readonly policy: string;
  readonly policyOptions?: Readonly<Record<string, string | undefined>>;
  readonly seed: number;
  readonly temperatureC?: number;
  readonly mode: ReplayMode;
  /** Time without events after which the system suspends, ns. */
  readonly idleNs: number;
  /** Share of awake time the DRAM is active. */
  readonly activeShare: number;
  readonly checkEveryStep?: boolean;
  /** Operations per batch (the reader's bound on what it holds). */
  readonly batch?: number;
}

export interface ReplayOutcome extends RunOutcome {
  readonly trace: KmemTraceSummary;
  readonly replay: { readonly policy: ReplayStats; readonly baseline: ReplayStats };
}

interface Lane {
  readonly driver: TraceDriver;
  readonly system: System;
}

export class TraceReplay {
  private readonly parser: KmemTraceParser;
  private readonly baseline: Lane;
  /** The policy's run; null when the policy is `none` (the baseline is its run). */
  private readonly policyLane: Lane | null;
  private done = false;

  constructor(readonly req: ReplayRequest) {
    createPolicy(req.policy, req.policyOptions); // refuse a bad policy or option before any work
    const options: SystemOptions = {
      seed: req.seed,
      ...(req.temperatureC !== undefined ? { temperatureC: req.temperatureC } : {}),
      ...(req.checkEveryStep ? { checkEveryStep: true } : {}),
    };
    const lane = (policy: string, shadowOracle: boolean): Lane => {
      const driver = new TraceDriver({
        name: req.name,
        mode: req.mode,
        idleNs: req.idleNs,
        activeShare: req.activeShare,
        swapPages: Math.floor(req.config.kernel.swapBytes / req.config.kernel.pageSize),
      });
      const p = createPolicy(policy, policy === 'none' ? undefined : req.policyOptions);
      const system = new System(req.config, driver, p, { ...options, ...(shadowOracle ? { shadowOracle } : {}) });
      system.begin();
      return { driver, system };
    };
    this.baseline = lane('none', true);
    this.policyLane = req.policy === 'none' ? null : lane(req.policy, false);
    this.parser = new KmemTraceParser((ops) => this.consume(ops), req.batch);
  }

  /** Text of the trace, as it is read (chunks of any size). */
  push(text: string): void {
    this.parser.push(text);
  }

  /** The lines read so far. */
  get lines(): number {
    return this.parser.summary().lines;
  }

  /** The input ended: finish both runs and report. Throws TraceInputError for a trace with no page operation. */
  finish(): ReplayOutcome {
    if (this.done) throw new Error('a trace replay finishes once');
    this.done = true;
    this.parser.end();
    const trace = this.parser.summary();
    if (trace.allocs + trace.frees === 0)
      throw new TraceInputError(
        trace.lines,
        `no page allocated or freed (no mm_page_alloc or mm_page_free event in ${trace.lines} lines): capture with events/kmem/mm_page_alloc and mm_page_free enabled`,
      );
    const finishLane = (l: Lane) => {
      l.driver.endOfInput();
      if (!l.system.advance()) throw new Error('trace replay: a run still waits for input after the input ended');
      return l.system.finish();
    };
    const baseStats = finishLane(this.baseline);
    const baseSystem = this.baseline.system;
    const baseline: BaselineEnergy = { energy: baseSystem.energy(), oracle: baseSystem.oracleMeter!.report() };
    const lane = this.policyLane ?? this.baseline;
    const stats = this.policyLane ? finishLane(this.policyLane) : baseStats;
    const report = policyReport(this.req, lane.system.policy.name, lane.system, stats, baseline);
    return {
      report,
      system: lane.system,
      stats,
      baseline: baseSystem,
      trace,
      replay: { policy: lane.driver.stats, baseline: this.baseline.driver.stats },
    };
  }

  /** A batch of operations: both runs apply all of it (and run up to its last operation). */
  private consume(ops: KmemOps): void {
    for (const l of this.policyLane ? [this.baseline, this.policyLane] : [this.baseline]) {
      l.driver.feed(ops);
      if (l.system.advance()) throw new Error('trace replay: a run ended before its input did');
    }
  }
}
