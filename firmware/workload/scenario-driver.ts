/**
 * The driver of a synthetic scenario: its phases in turn (repeating to fill the run), and in each
 * phase its activities at the start or on their periods, each one issuing page operations through
 * the workload engine and keeping the system busy for its busy time.
 *
 * Invariants: every event of a phase (and its wake-up marker) is cancelled when the phase ends;
 * an activity's event runs only in the phase that queued it (generation check); the engine keeps
 * its own invariants.
 */
import type { MmMechanisms } from '../mm/mechanisms.js';
import type { Prng } from '../system/prng.js';
import type { DriverHost, WorkloadDriver } from '../system/workload-driver.js';
import { WorkloadEngine } from './engine.js';
import type { Activity, Phase, Scenario } from './scenario.js';

export class ScenarioDriver implements WorkloadDriver {
  readonly starved = false;
  private engineOrNull: WorkloadEngine | null = null;
  private timingOrNull: Prng | null = null;
  private host: DriverHost | null = null;
  /** Cancel functions of the current phase's events and wake-up markers. */
  private readonly phaseEvents: (() => void)[] = [];
  private phaseIndex = -1;
  private phaseGen = 0;
  private phaseEndNs = 0;

  constructor(readonly scenario: Scenario) {}

  get name(): string {
    return this.scenario.name;
  }

  get durationNs(): number {
    return this.scenario.durationNs;
  }

  /** The engine (after attach()). */
  get engine(): WorkloadEngine {
    if (this.engineOrNull === null) throw new Error(`workload ${this.scenario.name}: not attached to a system`);
    return this.engineOrNull;
  }

  get oomKills(): number {
    return this.engineOrNull?.stats.oomKills ?? 0;
  }

  logicalPages(ramPages: number): number {
    return WorkloadEngine.logicalPages(this.scenario, ramPages);
  }

  attach(mech: MmMechanisms, rng: Prng, knob: (action: 'inflate' | 'deflate') => void): void {
    // The activities' times come from a stream of their own, and each period counts from when
    // the activity was due, not from when its work ended: the same seed gives the same wake-ups
    // whatever a policy does to memory (how long the work takes, how many draws it makes).
    this.timingOrNull = rng.fork();
    this.engineOrNull = new WorkloadEngine(this.scenario, mech, rng, { knob });
  }

  setup(): void {
    for (const op of this.scenario.setup) this.engine.apply(op);
  }

  start(host: DriverHost, tNs: number): void {
    this.host = host;
    this.startPhase(0, tNs);
  }

  phase(): Phase {
    return this.scenario.phases[this.phaseIndex]!;
  }

  oomKill(): number {
    return this.engine.oomKill();
  }

  checkInvariants(): void {
    this.engineOrNull?.checkInvariants();
  }

  private startPhase(index: number, tNs: number): void {
    const phases = this.scenario.phases;
    for (const cancel of this.phaseEvents) cancel();
    this.phaseEvents.length = 0;
    this.phaseIndex = index % phases.length;
    const gen = ++this.phaseGen;
    const phase = phases[this.phaseIndex]!;
    this.phaseEndNs = tNs + phase.durationNs;
    // The next phase starts with a wake-up (the user, an alarm): it is a wake-up source.
    this.push(this.phaseEndNs, `phase ${phase.name} ends`, true, () =>
      this.startPhase(this.phaseIndex + 1, this.phaseEndNs),
    );
    for (const a of phase.activities) {
      if (a.at === 'start') this.queueActivity(a, tNs, gen);
      else this.queueActivity(a, tNs + this.gap(a), gen);
    }
  }

  private push(tNs: number, name: string, wake: boolean, run: () => void): void {
    this.phaseEvents.push(this.host!.push(tNs, name, wake, run));
  }

  private gap(a: Activity): number {
    const every = a.everyNs!;
    return (1 - a.jitter) * every + a.jitter * this.timingOrNull!.exp(every);
  }

  private queueActivity(a: Activity, tNs: number, gen: number): void {
    if (tNs >= this.phaseEndNs) return;
    this.push(tNs, a.name, a.wake, () => {
      if (gen !== this.phaseGen) return;
      for (const op of a.ops) this.engine.apply(op);
      const host = this.host!;
      host.busyUntil(host.nowNs + a.busyNs);
      if (a.everyNs !== undefined) this.queueActivity(a, tNs + this.gap(a), gen);
    });
  }
}
