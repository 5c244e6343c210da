/**
 * A workload driver: what the run loop of a System runs. The loop owns time, suspend and resume,
 * the policy and the meters; a driver owns the workload's page operations and when they happen.
 * A synthetic scenario (scenario-driver.ts) and a recorded kernel page-allocation trace
 * (ftrace/trace-driver.ts) are the two drivers.
 *
 * The contract:
 *  - before boot, logicalPages() says how many logical pages the address space must name;
 *  - after boot, attach() gives the driver the mm mechanisms and its own random stream;
 *  - the run calls setup() once, then start() at the run's start time; from then on the driver
 *    queues its events through the host, each one a wake-up source or not;
 *  - phase() is read at every step: whether the system may suspend when idle, after how long,
 *    and what share of awake time the DRAM is active;
 *  - a driver that reads its events from a stream is `starved` while it has no event buffered
 *    and its input has not ended: the loop pauses there (System.advance() returns) until more
 *    input comes, so that it never suspends past an event it has not seen yet;
 *  - a driver whose length is known only at its end (durationNs Infinity) ends the run itself
 *    with host.endAt().
 */
import type { MmMechanisms } from '../mm/mechanisms.js';
import type { Prng } from './prng.js';

/** What the run loop needs of the workload's current phase. */
export interface PhaseSettings {
  readonly name: string;
  /** Autosleep: the system suspends once idle for idleBeforeSuspendNs. */
  readonly suspend: boolean;
  readonly idleBeforeSuspendNs: number;
  /** Share of awake time the DRAM is active rather than in power-down, 0..1. */
  readonly activeShare: number;
  /** Memory the workload may need soon, as a fraction of RAM (a governor's sizing hint). */
  readonly expectedDemand: number;
}

/** What the System offers a driver. */
export interface DriverHost {
  readonly nowNs: number;
  /** Queue `run` at tNs; a wake-up source wakes the system from suspend. Returns a cancel function. */
  push(tNs: number, name: string, wake: boolean, run: () => void): () => void;
  /** Keep the system awake (busy) until tNs at least. */
  busyUntil(tNs: number): void;
  /** End the run at tNs (not before the present). */
  endAt(tNs: number): void;
}

export interface WorkloadDriver {
  /** The workload's name in reports. */
  readonly name: string;
  /** Default run length in ns; Infinity when the driver ends the run itself. */
  readonly durationNs: number;
  /** Logical pages (file and anon) the address space must be able to name. */
  logicalPages(ramPages: number): number;
  /** Called once, after boot. `knob` is the userspace knob of a PASR governor. */
  attach(mech: MmMechanisms, rng: Prng, knob: (action: 'inflate' | 'deflate') => void): void;
  /** Operations at boot, before the run starts. */
  setup(): void;
  /** The run starts at tNs: queue the first events. */
  start(host: DriverHost, tNs: number): void;
  /** The current phase. */
  phase(): PhaseSettings;
  /** True while the driver needs more input before the run can go on. */
  readonly starved: boolean;
  /** The OOM killer's choice: release the largest process; returns the pages freed (0: none). */
  oomKill(): number;
  /** Processes the OOM killer released. */
  readonly oomKills: number;
  checkInvariants(): void;
}
