/**
 * What a PASR policy is: a module with hooks, given the census and the mechanisms. The run loop
 * calls the hooks at the points a kernel would (idle, pressure, suspend, resume, a userspace
 * knob); a policy asks the PASR core to mask and unmask, and does its own work (reclaim,
 * migration, ballooning, hotplug) through the mm mechanisms, whose costs the ledger charges.
 * Only a policy whose design needs allocator events installs a hook there itself.
 */
import type { Board } from '../../hal/board/board.js';
import type { Clock } from '../../hal/clock.js';
import type { TraceBus } from '../../hal/trace/trace-bus.js';
import type { MemoryManager } from '../mm/memory-manager.js';
import type { MmMechanisms } from '../mm/mechanisms.js';
import type { Prng } from '../system/prng.js';
import type { PasrCensus } from './census.js';
import type { PasrCore } from './core.js';
import type { PasrMap } from './pasr-map.js';

export interface PolicyContext {
  readonly board: Board;
  readonly map: PasrMap;
  readonly census: PasrCensus;
  readonly core: PasrCore;
  readonly mm: MemoryManager;
  readonly mech: MmMechanisms;
  readonly clock: Clock;
  readonly trace: TraceBus;
  /** The policy's own random stream. */
  readonly rng: Prng;
  /** A policy timer: runs while the system is awake (a timer due during suspend runs at resume). */
  schedule(delayNs: number, cb: () => void): () => void;
  /** Record a decision (trace event `policy.decision` and the run's log). */
  decide(action: string, detail: string): void;
  /** Pages the workload may need soon on top of what it uses (the scenario's hint for the current phase). */
  expectedDemandPages(): number;
  /** Whether the system is suspended now. */
  readonly suspended: boolean;
}

export interface PasrPolicy {
  readonly name: string;
  /** The options it was created with (defaults filled in), for the run's report. */
  options?: Readonly<Record<string, string>>;
  /** Called once after boot. */
  attach(ctx: PolicyContext): void;
  /** Why the policy cannot act on this board (no usable unit, a carve-out in every unit, ...), or null. */
  cannotAct?(): string | null;
  /** The system is idle (awake, no work pending, about to sleep after its idle delay). */
  onIdle?(): void;
  /** Last step before the freezer and self-refresh: mask what should be in force. */
  beforeSuspend?(): void;
  afterResume?(): void;
  /** The userspace knob (a sysfs write from the scenario). */
  onKnob?(action: 'inflate' | 'deflate'): void;
  /** The OOM notifier chain, before the OOM killer: return pages freed (0: nothing). */
  onOom?(): number;
  /**
   * Masks to meter instead of the programmed ones during this self-refresh (the oracle's bound:
   * it programs nothing), or null.
   */
  virtualMasks?(): Uint8Array | null;
  /** Time from each release request to the memory being back (balloon deflates), ns. */
  deflateLatenciesNs?(): readonly number[];
  /** Policy-specific figures for the run's JSON (e.g. balloonFlaps). */
  stats?(): Record<string, number>;
  /** Why parts of the board stay refreshed although the policy acts (e.g. a carve-out in a unit), for the run's report. */
  notes?(): readonly string[];
  /** Throws when the policy's own state is inconsistent. */
  checkInvariants?(): void;
}

export type PolicyFactory = (options: Readonly<Record<string, string>>) => PasrPolicy;
