/**
 * One run of `pasr run`: the policy's run and its baseline (the same board, workload and seed
 * with policy `none`, which also meters the oracle's bound), and the report users read: energy
 * with its arrayShare band, the saving against the baseline and against the oracle, and every
 * cost the policy paid.
 *
 * Energy is DRAM energy (awake background and refresh, self-refresh) plus the CPU energy of the
 * mechanism work each run did: a policy that migrates pages pays for it in the figure it is
 * judged by.
 */
import type { BoardConfig } from '../../hal/board/board-config.js';
import type { EnergyReport } from '../energy/energy-meter.js';
import { createPolicy } from '../pasr/policies/index.js';
import type { Scenario } from '../workload/scenario.js';
import { System, type RunStats, type SystemOptions } from './system.js';

export interface RunRequest {
  readonly config: BoardConfig;
  readonly scenario: Scenario;
  readonly policy: string;
  readonly policyOptions?: Readonly<Record<string, string | undefined>>;
  readonly seed: number;
  readonly durationNs?: number;
  readonly temperatureC?: number;
  readonly recordTrace?: boolean;
  readonly checkEveryStep?: boolean;
  /** Progress over both runs, 0..1. */
  readonly progress?: (done: number) => void;
}

export interface Band {
  readonly low: number;
  readonly high: number;
}

export interface RunReport {
  readonly board: string;
  readonly workload: string;
  readonly policy: string;
  readonly policyOptions: Readonly<Record<string, string>>;
  readonly seed: number;
  readonly simulatedSeconds: number;
  readonly suspendedSeconds: number;
  readonly suspendCount: number;
  readonly temperatureC: number;
  /** Joules: baseline (policy none) and policy, each DRAM + mechanism CPU; band = the policy's with the lowest and highest arrayShare. */
  readonly energyJ: { readonly baseline: number; readonly policy: number; readonly band: Band };
  readonly dramJ: { readonly baseline: number; readonly policy: number; readonly oracle: number };
  readonly cpuJ: { readonly baseline: number; readonly policy: number };
  /** DRAM (+ mechanism) energy saved against the baseline, percent (default arrayShare) and its band. */
  readonly savingPercent: number;
  readonly savingBand: Band;
  /** Saving as a share of the platform's energy, when the board gives platform power (an estimate). */
  readonly platformSavingPercent: number | null;
  /** The oracle's saving on the baseline run, percent. */
  readonly oraclePercent: number;
  /** savingPercent / oraclePercent (null when the oracle saves nothing). */
  readonly achievedOfOracle: number | null;
  readonly maskedUnitSeconds: number;
  readonly pagesMigrated: number;
  readonly pagesReclaimed: number;
  readonly refaults: number;
  readonly mrwCount: number;
  readonly deflateLatencyMs: { readonly p50: number; readonly p99: number };
  readonly oomKills: number;
  readonly allocStalls: number;
  readonly violations: number;
  readonly dataLossPages: number;
  /** Simulated time the policy adds to each allocator operation (its allocator hooks), ns. */
  readonly allocatorNsPerOp: number;
  /** Why the policy cannot act on this board, or null. */
  readonly cannotAct: string | null;
  readonly policyStats: Readonly<Record<string, number>>;
  /** The policy's notes: why parts of the board stay refreshed although it acts. */
  readonly policyNotes: readonly string[];
  readonly violationMessages: readonly string[];
  readonly clampedTemperatures: readonly string[];
  readonly errors: readonly string[];
}

/** A policy's run: its report, its system (for the trace and the map) and its stats (for the timeline). */
export interface PolicyOutcome {
  readonly report: RunReport;
  readonly system: System;
  readonly stats: RunStats;
}

export interface RunOutcome extends PolicyOutcome {
  readonly baseline: System;
}

const round = (x: number, digits = 6): number => Number(x.toFixed(digits));

function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** DRAM + CPU joules of a run at one arrayShare ('mid', 'low', 'high'). */
function total(e: EnergyReport, k: 'mid' | 'low' | 'high'): number {
  return e.dramJ[k] + e.cpuJ;
}

/**
 * What a policy run needs of its baseline: the baseline's energy and the oracle's bound metered
 * alongside it. Plain data, so a sweep computes each baseline once and shares it (across worker
 * threads) with every policy run of the same board, workload and seed.
 */
export interface BaselineEnergy {
  readonly energy: EnergyReport;
  readonly oracle: EnergyReport;
}

export interface BaselineOutcome {
  readonly system: System;
  readonly stats: RunStats;
  readonly energy: BaselineEnergy;
}

function systemOptions(req: RunRequest): SystemOptions {
  return {
    seed: req.seed,
    ...(req.durationNs !== undefined ? { durationNs: req.durationNs } : {}),
    ...(req.temperatureC !== undefined ? { temperatureC: req.temperatureC } : {}),
    ...(req.checkEveryStep ? { checkEveryStep: true } : {}),
  };
}

/** The baseline of a run: policy `none` with the oracle's bound metered alongside (`req.policy` is not used). */
export function runBaseline(
  req: RunRequest,
  share: { from: number; to: number } = { from: 0, to: 1 },
): BaselineOutcome {
  const system = new System(req.config, req.scenario, createPolicy('none'), {
    ...systemOptions(req),
    shadowOracle: true,
    ...(req.recordTrace ? { recordTrace: true } : {}),
    ...(req.progress ? { progress: (t, n) => req.progress!(share.from + (share.to - share.from) * (t / n)) } : {}),
  });
  const stats = system.run();
  return { system, stats, energy: { energy: system.energy(), oracle: system.oracleMeter!.report() } };
}

/**
 * The policy's run against a baseline computed before (by `runBaseline` with the same board,
 * workload, seed, duration and temperature). Policy `none` is its own baseline: pass the
 * baseline's outcome as `same`.
 */
export function runPolicy(req: RunRequest, baseline: BaselineEnergy, same?: BaselineOutcome): PolicyOutcome {
  const policy = createPolicy(req.policy, req.policyOptions);
  let system: System;
  let stats: RunStats;
  if (same !== undefined && req.policy === 'none') {
    system = same.system;
    stats = same.stats;
  } else {
    system = new System(req.config, req.scenario, policy, {
      ...systemOptions(req),
      ...(req.recordTrace ? { recordTrace: true } : {}),
      ...(req.progress ? { progress: (t, n) => req.progress!(t / n) } : {}),
    });
    stats = system.run();
  }
  return { report: policyReport(req, policy.name, system, stats, baseline), system, stats };
}

/** A whole run as `pasr run` does it: the baseline, then the policy (the baseline itself for `none`). */
export function runScenario(req: RunRequest): RunOutcome {
  createPolicy(req.policy, req.policyOptions); // refuse a bad policy or option before any work
  const same = req.policy === 'none';
  const { progress } = req;
  const baseline = runBaseline(
    { ...req, recordTrace: same && req.recordTrace === true },
    { from: 0, to: same ? 1 : 0.5 },
  );
  const outcome = runPolicy(
    progress ? { ...req, progress: (f) => progress(0.5 + 0.5 * f) } : req,
    baseline.energy,
    same ? baseline : undefined,
  );
  progress?.(1);
  return { ...outcome, baseline: baseline.system };
}

/** What a report says of its inputs besides the systems: the board, the seed, the temperature. */
export interface ReportInputs {
  readonly config: BoardConfig;
  readonly seed: number;
  readonly temperatureC?: number;
}

/** The report of a policy's run (its system and stats) against its baseline's energy. */
export function policyReport(
  req: ReportInputs,
  policyName: string,
  system: System,
  stats: RunStats,
  baseline: BaselineEnergy,
): RunReport {
  const b = baseline.energy;
  const p = system.energy();
  const o = baseline.oracle;
  const saving = (k: 'mid' | 'low' | 'high'): number => (1 - total(p, k) / total(b, k)) * 100;
  const oracle = (1 - total(o, 'mid') / total(b, 'mid')) * 100;
  const ev = system.mm.events;
  const ops = ev.pgalloc.reduce((s, x) => s + x, 0) + ev.pgfree;
  let hookNs = 0;
  for (const [item, t] of Object.entries(system.mech.ledger.totals()))
    if (item.startsWith('alloc-hook')) hookNs += t.ns;
  const latencies = system.policy.deflateLatenciesNs?.() ?? [];
  const platform = b.platform;
  const savedJ = total(b, 'mid') - total(p, 'mid');
  return {
    board: req.config.name,
    workload: system.driver.name,
    policy: policyName,
    policyOptions: system.policy.options ?? {},
    seed: req.seed,
    simulatedSeconds: round(stats.simulatedNs / 1e9),
    suspendedSeconds: round(stats.suspendedNs / 1e9),
    suspendCount: stats.suspendCount,
    temperatureC: req.temperatureC ?? req.config.temperatureC,
    energyJ: {
      baseline: round(total(b, 'mid')),
      policy: round(total(p, 'mid')),
      band: { low: round(total(p, 'low')), high: round(total(p, 'high')) },
    },
    dramJ: { baseline: round(b.dramJ.mid), policy: round(p.dramJ.mid), oracle: round(o.dramJ.mid) },
    cpuJ: { baseline: round(b.cpuJ), policy: round(p.cpuJ) },
    savingPercent: round(saving('mid'), 4),
    savingBand: {
      low: round(Math.min(saving('low'), saving('high')), 4),
      high: round(Math.max(saving('low'), saving('high')), 4),
    },
    platformSavingPercent: platform && platform.joules > 0 ? round((savedJ / platform.joules) * 100, 4) : null,
    oraclePercent: round(oracle, 4),
    achievedOfOracle: oracle > 1e-9 ? round(saving('mid') / oracle, 4) : null,
    maskedUnitSeconds: round(stats.maskedUnitSeconds, 3),
    pagesMigrated: ev.pgmigrate_success,
    pagesReclaimed: ev.pgsteal_kswapd + ev.pgsteal_direct,
    refaults: ev.workingset_refault_file + ev.workingset_refault_anon,
    mrwCount: stats.mrwCount,
    deflateLatencyMs: {
      p50: round(percentile(latencies, 50) / 1e6, 3),
      p99: round(percentile(latencies, 99) / 1e6, 3),
    },
    oomKills: system.driver.oomKills,
    allocStalls: ev.allocstall.reduce((s, x) => s + x, 0),
    violations: stats.violations,
    dataLossPages: stats.dataLossPages,
    allocatorNsPerOp: ops > 0 ? round(hookNs / ops, 3) : 0,
    cannotAct: system.policy.cannotAct?.() ?? null,
    policyStats: system.policy.stats?.() ?? {},
    policyNotes: system.policy.notes?.() ?? [],
    violationMessages: stats.violationMessages,
    clampedTemperatures: p.clamped,
    errors: stats.errors,
  };
}

/**
 * What went wrong in a run, as `pasr run` reports it: the PASR safety invariant violated or a
 * live page lost (`data-loss`, exit status 3), or register programs that failed (`error`); null
 * when nothing did.
 */
export function runFailure(r: RunReport): { readonly kind: 'data-loss' | 'error'; readonly message: string } | null {
  if (r.violations > 0 || r.dataLossPages > 0)
    return {
      kind: 'data-loss',
      message: `PASR safety invariant violated: ${r.violations} violations, ${r.dataLossPages} live pages lost (first: ${r.violationMessages[0] ?? '?'})`,
    };
  if (r.errors.length > 0)
    return { kind: 'error', message: `the run had register-program errors:\n${r.errors.join('\n')}` };
  return null;
}
