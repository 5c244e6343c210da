/**
 * A system that lives through time: one board booted with its kernel, the PASR census and core,
 * a policy, a workload and the energy meter, run as a discrete-event simulation.
 *
 * The workload is a driver (workload-driver.ts): a synthetic scenario, or a recorded kernel
 * page-allocation trace fed in as it is read. The run loop: the driver's events (wake-up sources
 * or not; a scenario's activities and phase changes) and policy timers wait in an event queue. While awake, the loop advances the simulated clock to the next
 * event (kswapd and kcompactd run on the clock's alarms as it passes), runs the event's page
 * operations, and keeps the system busy for the activity's busy time. A phase with autosleep
 * suspends the system once it has been idle for the phase's idle delay: the policy's idle and
 * before-suspend hooks run, the freezer stops the daemons, the safety check looks at the masks
 * every die will latch, the dies enter self-refresh through their controllers, and the clock
 * jumps to the next wake-up source; events that are not wake-ups wait until resume. Then the
 * dies leave self-refresh, the integrity check counts the live pages lost, the daemons thaw and
 * the policy's resume hook runs. A driver that reads a stream pauses the loop while it waits
 * for input (advance() returns); run() is begin(), advance() and finish() in one.
 *
 * Invariants (checked after every event when `checkEveryStep`, and at the end of every run):
 *  (a) the mm core, its mechanisms, the census, the PASR core, the policy and the workload keep
 *      their own invariants;
 *  (b) the clock never runs backwards; awake + suspended time = simulated time;
 *  (c) no live page sits in a masked unit after a step (violations are counted, never hidden).
 * Same seed, same options: the same result, byte for byte.
 */
import type { BoardConfig } from '../../hal/board/board-config.js';
import type { Board } from '../../hal/board/board.js';
import { SimClock } from '../../hal/clock.js';
import { TraceBus } from '../../hal/trace/trace-bus.js';
import { bootBoard, type BootResult } from '../boot/boot.js';
import type { MemoryControllerDriver } from '../drivers/mr-driver.js';
import { EnergyMeter, type EnergyReport } from '../energy/energy-meter.js';
import type { MemoryManager } from '../mm/memory-manager.js';
import type { MmMechanisms } from '../mm/mechanisms.js';
import { PasrCensus } from '../pasr/census.js';
import { PasrCore } from '../pasr/core.js';
import type { PasrMap } from '../pasr/pasr-map.js';
import { oraclePack } from '../pasr/policies/oracle.js';
import type { PasrPolicy, PolicyContext } from '../pasr/policy.js';
import { formatViolation } from '../pasr/safety.js';
import { selfRefreshCycle } from '../pasr/self-refresh.js';
import type { WorkloadEngine } from '../workload/engine.js';
import type { Scenario } from '../workload/scenario.js';
import { ScenarioDriver } from '../workload/scenario-driver.js';
import { EventQueue, type QueuedEvent } from './event-queue.js';
import { Prng } from './prng.js';
import type { DriverHost, PhaseSettings, WorkloadDriver } from './workload-driver.js';

export interface SystemOptions {
  readonly seed: number;
  /** Simulated time to run (default: the workload's duration). */
  readonly durationNs?: number;
  /** Die temperature for every die, °C (default: the board's). */
  readonly temperatureC?: number;
  /** Keep every trace event in memory (for `--trace`). */
  readonly recordTrace?: boolean;
  /** Meter the oracle's bound alongside, at every suspend (baseline runs do). */
  readonly shadowOracle?: boolean;
  /** Check every invariant after every event (tests; O(pages) per event). */
  readonly checkEveryStep?: boolean;
  /** Called now and then with the simulated time reached. */
  readonly progress?: (simNs: number, totalNs: number) => void;
}

/** A point of the run's timeline (one at every suspend, resume and mask change). */
export interface TimelinePoint {
  readonly tNs: number;
  readonly suspended: boolean;
  /** Units masked (programmed, or the oracle's virtual masks while suspended). */
  readonly maskedUnits: number;
}

export interface RunStats {
  readonly simulatedNs: number;
  readonly suspendedNs: number;
  readonly suspendCount: number;
  /** Σ over self-refresh intervals of (units masked × seconds). */
  readonly maskedUnitSeconds: number;
  /** Safety check findings at self-refresh entry, plus live pages found in masked units after a step. */
  readonly violations: number;
  readonly violationMessages: readonly string[];
  readonly dataLossPages: number;
  readonly mrwCount: number;
  readonly timeline: readonly TimelinePoint[];
  readonly decisions: number;
  readonly errors: readonly string[];
}

export class SystemError extends Error {}

const MAX_MESSAGES = 20;
/** How often (simulated) the run reports progress. */
const PROGRESS_EVERY_NS = 600e9;

export class System {
  readonly clock = new SimClock();
  readonly trace: TraceBus;
  readonly boot: BootResult;
  readonly board: Board;
  readonly config: BoardConfig;
  readonly drivers: ReadonlyMap<string, MemoryControllerDriver>;
  readonly mm: MemoryManager;
  readonly mech: MmMechanisms;
  readonly map: PasrMap;
  readonly census: PasrCensus;
  readonly core: PasrCore;
  readonly meter: EnergyMeter;
  /** The oracle's bound, metered alongside (shadowOracle). */
  readonly oracleMeter: EnergyMeter | null;
  readonly driver: WorkloadDriver;
  readonly policy: PasrPolicy;
  readonly rng: Prng;
  /** Simulated time to run; Infinity until a driver that ends the run itself does. */
  durationNs: number;

  private readonly queue = new EventQueue();
  /** Markers of the wake-up sources among the queued events. */
  private readonly wakeQueue = new EventQueue();
  private suspendedNow = false;
  private busyUntilNs = 0;
  private startNs = 0;
  private endNs = Infinity;
  private state: 'new' | 'running' | 'over' | 'finished' = 'new';
  private driverStarted = false;
  private awakeMarkNs = 0;
  private ledgerMarkNs = 0;
  private suspendedNs = 0;
  private suspendCount = 0;
  private maskedUnitSeconds = 0;
  private violations = 0;
  private readonly violationMessages: string[] = [];
  private dataLossPages = 0;
  private mrwCount = 0;
  private decisions = 0;
  private readonly timeline: TimelinePoint[] = [];
  private readonly errors: string[] = [];
  private nextProgressNs = PROGRESS_EVERY_NS;

  constructor(
    config: BoardConfig,
    workload: Scenario | WorkloadDriver,
    policy: PasrPolicy,
    readonly options: SystemOptions,
  ) {
    this.config = config;
    const driver = 'phases' in workload ? new ScenarioDriver(workload) : workload;
    this.driver = driver;
    this.trace = new TraceBus(this.clock, options.recordTrace ?? false);
    this.trace.subscribe((e) => {
      if (e.kind === 'dram.mrw') this.mrwCount++;
    });
    this.rng = new Prng(options.seed);
    const ramPages = config.dramSize / config.kernel.pageSize;
    const logical = Math.max(ramPages, driver.logicalPages(ramPages));
    this.boot = bootBoard(config, this.clock, this.trace, {
      ...(options.temperatureC !== undefined ? { die: { temperatureC: options.temperatureC } } : {}),
      kernel: { addressSpacePages: logical },
    });
    const kernel = this.boot.kernel;
    if (!kernel) throw new SystemError(`${config.name}: boot failed: ${this.boot.bootloader.errors.join('; ')}`);
    this.board = this.boot.board;
    this.drivers = this.boot.bootloader.drivers;
    this.mm = kernel.mm;
    this.mech = kernel.mech;
    this.map = kernel.pasr;
    this.census = new PasrCensus(this.mm, this.map);
    this.core = new PasrCore(this.board, this.drivers, this.map, this.census);
    this.core.onChange = (u, masked, who) => {
      this.trace.emit({
        kind: masked ? 'pasr.mask' : 'pasr.unmask',
        unit: u.index,
        register: u.register,
        bit: u.bit,
        dies: u.dies,
        pages: u.pfnCount,
        policy: who,
      });
      this.point();
    };
    const meterOpts = options.temperatureC !== undefined ? { temperatureC: options.temperatureC } : {};
    this.meter = new EnergyMeter(this.board, { ...meterOpts, costs: this.mech.costs });
    this.oracleMeter = options.shadowOracle
      ? new EnergyMeter(this.board, { ...meterOpts, costs: this.mech.costs })
      : null;
    this.durationNs = options.durationNs ?? driver.durationNs;
    const endsItself = options.durationNs === undefined && driver.durationNs === Infinity;
    if (!(this.durationNs > 0) || (!Number.isFinite(this.durationNs) && !endsItself))
      throw new RangeError(`run duration ${this.durationNs} ns is not a positive time`);

    const workloadRng = this.rng.fork();
    const policyRng = this.rng.fork();
    driver.attach(this.mech, workloadRng, (action) => {
      this.policy.onKnob?.(action);
    });
    // The OOM path: the policy's notifier first (a balloon gives memory back), then the killer.
    const prevHooks = this.mm.hooks;
    this.mm.hooks = {
      ...prevHooks,
      outOfMemory: (order, gfp, highest) => {
        const freed = this.policy.onOom?.() ?? 0;
        if (freed > 0) return true;
        if (prevHooks.outOfMemory(order, gfp, highest)) return true;
        const killed = this.driver.oomKill();
        if (killed > 0) this.mm.events.oom_kill++;
        return killed > 0;
      },
    };
    this.policy = policy;
    const sys = this;
    const ctx: PolicyContext = {
      board: this.board,
      map: this.map,
      census: this.census,
      core: this.core,
      mm: this.mm,
      mech: this.mech,
      clock: this.clock,
      trace: this.trace,
      rng: policyRng,
      schedule: (delayNs, cb) => {
        const e = this.queue.push(this.clock.nowNs + delayNs, `${policy.name} timer`, cb);
        return () => {
          e.cancelled = true;
        };
      },
      decide: (action, detail) => {
        this.decisions++;
        this.trace.emit({ kind: 'policy.decision', policy: policy.name, action, detail });
      },
      expectedDemandPages: () => Math.round((this.phase?.expectedDemand ?? 0) * this.mm.memmap.nrPages),
      get suspended() {
        return sys.suspendedNow;
      },
    };
    policy.attach(ctx);
    this.awakeMarkNs = this.clock.nowNs;
    this.ledgerMarkNs = this.mech.ledger.totalNs;
    // The run counts its own mode-register writes, not the boot loader's.
    this.mrwCount = 0;
    this.point();
  }

  /** The current phase of the workload (undefined before the run starts). */
  private get phase(): PhaseSettings | undefined {
    return this.driverStarted ? this.driver.phase() : undefined;
  }

  get suspended(): boolean {
    return this.suspendedNow;
  }

  /** The workload engine of a scenario run. */
  get engine(): WorkloadEngine {
    if (!(this.driver instanceof ScenarioDriver))
      throw new Error(`workload ${this.driver.name} has no scenario engine`);
    return this.driver.engine;
  }

  /** Run the workload for the run's duration. */
  run(): RunStats {
    this.begin();
    if (!this.advance()) throw new Error(`workload ${this.driver.name} is waiting for input: feed it, then advance()`);
    return this.finish();
  }

  /** Start the run: the workload's setup, then its first events. */
  begin(): void {
    if (this.state !== 'new') throw new Error('a System runs once');
    this.state = 'running';
    const start = this.clock.nowNs;
    this.startNs = start;
    this.endNs = start + this.durationNs;
    this.driver.setup();
    this.afterStep();
    const sys = this;
    const host: DriverHost = {
      get nowNs() {
        return sys.clock.nowNs;
      },
      push: (tNs, name, wake, run) => this.push(tNs, name, wake, run),
      busyUntil: (tNs) => {
        this.busyUntilNs = Math.max(this.busyUntilNs, tNs);
      },
      endAt: (tNs) => {
        this.endNs = Math.max(tNs, this.clock.nowNs);
        this.durationNs = this.endNs - this.startNs;
      },
    };
    this.driver.start(host, start);
    this.driverStarted = true;
  }

  /**
   * Run until the end, or until the driver is starved of input. Returns true when the run is
   * over (then call finish()), false when it waits for input.
   */
  advance(): boolean {
    if (this.state === 'over') return true;
    if (this.state !== 'running') throw new Error(`advance() on a System that is ${this.state}`);
    const start = this.startNs;
    for (;;) {
      if (this.driver.starved) return false;
      const end = this.endNs;
      const next = this.queue.peek();
      const t = Math.min(next?.tNs ?? Infinity, end);
      const phase = this.phase!;
      const idleAt = Math.max(this.clock.nowNs, this.busyUntilNs + phase.idleBeforeSuspendNs);
      if (phase.suspend && idleAt < t) {
        this.advanceAwake(idleAt);
        if (this.clock.nowNs >= end) break;
        this.policy.onIdle?.();
        this.afterStep();
        this.suspend(end);
        if (this.clock.nowNs >= end) break;
        continue;
      }
      if (t === Infinity) throw new Error(`workload ${this.driver.name}: nothing left to run and no end to the run`);
      this.advanceAwake(t);
      if (t >= end || this.clock.nowNs >= end) break;
      const e = this.queue.pop()!;
      e.run();
      this.afterStep();
      this.reportProgress(start);
    }
    this.state = 'over';
    return true;
  }

  /** The run is over: account the last awake time, check every invariant, return the stats. */
  finish(): RunStats {
    if (this.state !== 'over') throw new Error(`finish() on a System that is ${this.state}`);
    this.state = 'finished';
    const start = this.startNs;
    this.accountAwake();
    this.point();
    this.checkInvariants();
    return {
      simulatedNs: this.clock.nowNs - start,
      suspendedNs: this.suspendedNs,
      suspendCount: this.suspendCount,
      maskedUnitSeconds: this.maskedUnitSeconds,
      violations: this.violations,
      violationMessages: this.violationMessages,
      dataLossPages: this.dataLossPages,
      mrwCount: this.mrwCount,
      timeline: this.timeline,
      decisions: this.decisions,
      errors: [...this.errors, ...this.core.errors],
    };
  }

  energy(): EnergyReport {
    return this.meter.report();
  }

  // ---- the driver's events -----------------------------------------------------------------------

  /**
   * Queue a driver's event; a wake-up source also gets a marker in the wake queue, cancelled when
   * the event runs. Returns a function that cancels both.
   */
  private push(tNs: number, name: string, wake: boolean, run: () => void): () => void {
    let marker: QueuedEvent | null = null;
    const e = this.queue.push(tNs, name, () => {
      if (marker) {
        marker.cancelled = true;
        // Drop the cancelled markers at the head of the wake queue: it holds pending wake-ups only.
        this.wakeQueue.peek();
      }
      run();
    });
    if (wake) marker = this.wakeQueue.push(tNs, name, () => {});
    return () => {
      e.cancelled = true;
      if (marker) marker.cancelled = true;
    };
  }

  // ---- awake time ------------------------------------------------------------------------------

  /** Let awake time pass until tNs (daemons run on the clock's alarms), metering it. */
  private advanceAwake(tNs: number): void {
    this.mech.tick();
    if (tNs > this.clock.nowNs) this.clock.advanceTo(tNs);
    this.accountAwake();
  }

  private accountAwake(): void {
    const now = this.clock.nowNs;
    if (now > this.awakeMarkNs) this.meter.awake(now - this.awakeMarkNs, this.phase?.activeShare ?? 0);
    if (this.oracleMeter && now > this.awakeMarkNs)
      this.oracleMeter.awake(now - this.awakeMarkNs, this.phase?.activeShare ?? 0);
    this.awakeMarkNs = now;
    const cpu = this.mech.ledger.totalNs - this.ledgerMarkNs;
    if (cpu > 0) {
      this.meter.mechanism(cpu);
      this.oracleMeter?.mechanism(cpu);
    }
    this.ledgerMarkNs = this.mech.ledger.totalNs;
  }

  // ---- suspend and resume ------------------------------------------------------------------------

  /**
   * When the next wake-up source fires: its time, or Infinity when none is pending. A wake-up
   * that fell due while the suspend was being prepared (the policy's hooks take time) is still
   * pending: it ends the suspend as soon as it is entered, as a wakeup event pending during
   * suspend aborts it in Linux. Markers of events that ran are cancelled and dropped by peek().
   */
  private nextWakeNs(): number {
    return this.wakeQueue.peek()?.tNs ?? Infinity;
  }

  private suspend(endNs: number): void {
    this.policy.beforeSuspend?.();
    this.afterStep();
    this.accountAwake();
    const virtual = this.policy.virtualMasks?.() ?? null;
    this.mech.freeze();
    this.suspendedNow = true;
    this.trace.emit({ kind: 'sys.suspend', reason: `idle in phase ${this.phase!.name}` });
    const t0 = this.clock.nowNs;
    // No wake-up ahead and no end (a trace replay whose next event fell due while the hooks ran):
    // that event wakes the system at once.
    const wakeNs = Math.min(this.nextWakeNs(), endNs);
    const durationNs = Number.isFinite(wakeNs) ? Math.max(0, wakeNs - t0) : 0;
    const masked = virtual ?? this.core.masked;
    let nMasked = 0;
    for (const m of masked) nMasked += m;
    this.timeline.push({ tNs: t0, suspended: true, maskedUnits: nMasked });
    if (this.oracleMeter) {
      const o = oraclePack(this.census, this.map);
      this.oracleMeter.selfRefresh(durationNs, Object.fromEntries(this.core.refreshedFractions(o)));
    }
    const r = selfRefreshCycle(this.board, this.drivers, this.mm.memmap, durationNs, {
      meter: this.meter,
      ...(virtual ? { fractions: Object.fromEntries(this.core.refreshedFractions(virtual)) } : {}),
    });
    for (const v of r.violations) this.violation(formatViolation(v));
    this.errors.push(...r.errors);
    if (r.lostPages > 0) {
      this.dataLossPages += r.lostPages;
      this.violation(`PASR DATA LOSS: ${r.lostPages} live pages were in masked banks or segments during self-refresh`);
    }
    // The entry and exit sequences run with the CPU up: awake time, the rest self-refresh.
    const sequencesNs = this.clock.nowNs - t0 - durationNs;
    if (sequencesNs > 0) {
      this.meter.awake(sequencesNs, this.phase!.activeShare);
      this.oracleMeter?.awake(sequencesNs, this.phase!.activeShare);
    }
    this.suspendedNs += durationNs;
    this.maskedUnitSeconds += (nMasked * durationNs) / 1e9;
    this.suspendCount++;
    this.awakeMarkNs = this.clock.nowNs;
    this.suspendedNow = false;
    const wake = this.wakeQueue.peek();
    this.trace.emit({
      kind: 'sys.resume',
      durationNs: this.clock.nowNs - t0,
      wakeSource: wake && wake.tNs <= this.clock.nowNs ? wake.name : 'end of run',
    });
    this.mech.thaw();
    this.point();
    this.policy.afterResume?.();
    this.afterStep();
  }

  // ---- checks and bookkeeping ------------------------------------------------------------------

  private violation(message: string): void {
    this.violations++;
    if (this.violationMessages.length < MAX_MESSAGES) this.violationMessages.push(message);
  }

  /**
   * One `mm.batch` trace event per cost-ledger item that grew since the last step (migration,
   * reclaim, refaults, compaction, offlining, ...): the mechanism work of the step, batched.
   */
  private traceBatches(): void {
    if (!this.trace.isEnabled('mm.batch')) return;
    for (const [item, t] of Object.entries(this.mech.ledger.totals())) {
      const seen = this.ledgerSeen.get(item);
      const ns = t.ns - (seen?.ns ?? 0);
      if (ns <= 0 && t.units === (seen?.units ?? 0)) continue;
      this.trace.emit({ kind: 'mm.batch', mechanism: item, pages: t.units - (seen?.units ?? 0), costNs: ns });
      this.ledgerSeen.set(item, { ns: t.ns, units: t.units });
    }
  }

  private readonly ledgerSeen = new Map<string, { ns: number; units: number }>();

  /** After every step: no live page in a masked unit; every invariant when asked to. */
  private afterStep(): void {
    if (this.options.recordTrace) this.traceBatches();
    for (const m of this.core.maskedLivePages())
      this.violation(`PASR ORDER VIOLATION: masked unit ${m.unit} holds ${m.live} live pages`);
    if (this.options.checkEveryStep) this.checkInvariants();
  }

  private point(): void {
    this.timeline.push({ tNs: this.clock.nowNs, suspended: this.suspendedNow, maskedUnits: this.core.nrMasked });
  }

  private reportProgress(start: number): void {
    if (!this.options.progress) return;
    const t = this.clock.nowNs - start;
    if (t >= this.nextProgressNs) {
      this.nextProgressNs = t + PROGRESS_EVERY_NS;
      this.options.progress(t, this.durationNs);
    }
  }

  checkInvariants(): void {
    this.mech.checkInvariants();
    this.census.checkInvariants();
    this.core.checkInvariants();
    this.driver.checkInvariants();
    this.policy.checkInvariants?.();
    this.meter.checkInvariants();
  }
}
