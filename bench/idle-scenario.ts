/**
 * A scenario with no workload, for benches that drive the allocator themselves: the systems
 * built on it are only booted and their policy attached.
 */
import type { Scenario } from '../firmware/workload/scenario.js';

export function idleScenario(
  over: { durationNs?: number; suspend?: boolean; idleBeforeSuspendNs?: number; expectedDemand?: number } = {},
): Scenario {
  const durationNs = over.durationNs ?? 1e9;
  return {
    name: 'idle',
    description: 'no workload: the bench drives the allocator itself',
    durationNs,
    sets: [],
    slabCaches: [],
    setup: [],
    phases: [
      {
        name: 'idle',
        durationNs,
        suspend: over.suspend ?? false,
        idleBeforeSuspendNs: over.idleBeforeSuspendNs ?? 0,
        activeShare: 0,
        expectedDemand: over.expectedDemand ?? 0,
        activities: [],
      },
    ],
  };
}
