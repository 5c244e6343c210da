/**
 * Small scenarios and trace readers for the hotplug policy tests. Sizes are fractions of RAM;
 * the standby phase wakes every 5 minutes (an RTC tick) and suspends after 1 s idle.
 */
import type { BoardConfig } from '../../../../hal/board/board-config.js';
import type { TraceEvent } from '../../../../hal/trace/events.js';
import { createPolicy } from '../../../../firmware/pasr/policies/index.js';
import { System } from '../../../../firmware/system/system.js';
import type { Activity, Op, Phase, Scenario } from '../../../../firmware/workload/scenario.js';
import { shippedBoard } from '../../boot/boards.js';
import { MIN, S, activity, phase, tinyScenario } from '../../system/harness.js';

export const MIB = 1024 * 1024;

/** A shipped board with kernel fields changed (movableBytes, memoryBlockBytes). */
export function variant(board: string, kernel: Partial<BoardConfig['kernel']>): BoardConfig {
  const c = shippedBoard(board);
  return { ...c, kernel: { ...c.kernel, ...kernel } };
}

export function standby(extra: readonly Activity[] = [], over: Partial<Phase> = {}): Phase {
  return phase({
    name: 'standby',
    durationNs: 20 * MIN,
    expectedDemand: 0.05,
    activities: [activity({ name: 'tick', everyNs: 5 * MIN, wake: true, busyNs: S, ops: [] }), ...extra],
    ...over,
  });
}

/** A scenario: 2 % of RAM of kernel memory, then `setup`, then the phases (default: 20 minutes of standby). */
export function scenario(setup: readonly Op[], phases: readonly Phase[] = [standby()]): Scenario {
  return tinyScenario({
    durationNs: phases.reduce((t, p) => t + p.durationNs, 0),
    sets: [
      { name: 'kbuf', type: 'kernel', size: 0.05 },
      { name: 'proc', type: 'anon', size: 0.3 },
      { name: 'big', type: 'anon', size: 0.9 },
    ],
    slabCaches: [],
    setup: [{ op: 'kalloc', set: 'kbuf', size: 0.02 }, ...setup],
    phases,
  });
}

/** Trace events of each system's boot (before its run). */
const bootEvents = new WeakMap<System, number>();

/** A System recording its trace (not run yet). */
export function build(
  config: BoardConfig,
  sc: Scenario,
  policy: string,
  options: Record<string, string> = {},
  checkEveryStep = true,
): System {
  const sys = new System(config, sc, createPolicy(policy, options), { seed: 1, recordTrace: true, checkEveryStep });
  bootEvents.set(sys, sys.trace.events.length);
  return sys;
}

/** Run a System; a violation, a lost page or an error fails the test. */
export function finish(sys: System): System {
  const stats = sys.run();
  if (stats.violations > 0 || stats.dataLossPages > 0 || stats.errors.length > 0)
    throw new Error(`run failed: ${[...stats.violationMessages, ...stats.errors].join('; ')}`);
  return sys;
}

export function run(
  config: BoardConfig,
  sc: Scenario,
  policy: string,
  options: Record<string, string> = {},
  checkEveryStep = true,
): System {
  return finish(build(config, sc, policy, options, checkEveryStep));
}

/** The run's trace events (after the boot). */
function runEvents(sys: System): TraceEvent[] {
  return sys.trace.events.slice(bootEvents.get(sys) ?? 0);
}

type Of<K extends TraceEvent['kind']> = Extract<TraceEvent, { kind: K }>;

export function events<K extends TraceEvent['kind']>(sys: System, kind: K): Of<K>[] {
  return runEvents(sys).filter((e): e is Of<K> => e.kind === kind);
}

/** "action: detail" of every decision, in order. */
export function decisions(sys: System): string[] {
  return events(sys, 'policy.decision').map((e) => `${e.action}: ${e.detail}`);
}

/** Mask changes as "+6" / "-6", in order. */
export function maskChanges(sys: System): string[] {
  return runEvents(sys).flatMap((e) =>
    e.kind === 'pasr.mask' ? [`+${e.unit}`] : e.kind === 'pasr.unmask' ? [`-${e.unit}`] : [],
  );
}

/** MR17 writes of the run (after the boot), in order, as "die=value". */
export function mr17(sys: System): string[] {
  return mr17Writes(sys).map((e) => `${e.die}=0x${e.value.toString(16)}`);
}

export function mr17Writes(sys: System): Of<'dram.mrw'>[] {
  return events(sys, 'dram.mrw').filter((e) => e.mr === 17);
}

/** Suspend entry times. */
export function suspends(sys: System): number[] {
  return events(sys, 'sys.suspend').map((e) => e.tNs);
}
