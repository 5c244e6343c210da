/**
 * Building blocks for run-loop tests: small scenarios written in code (sizes are fractions of
 * RAM, times in ns) and a System on a shipped board.
 */
import { System, type SystemOptions } from '../../../firmware/system/system.js';
import { createPolicy } from '../../../firmware/pasr/policies/index.js';
import type { Activity, Op, Phase, Scenario } from '../../../firmware/workload/scenario.js';
import { shippedBoard } from '../boot/boards.js';

export const S = 1e9;
export const MIN = 60e9;
export const H = 3600e9;

export function activity(a: Partial<Activity> & { name: string; ops: readonly Op[] }): Activity {
  return { jitter: 0, wake: false, busyNs: 0, ...a };
}

export function phase(p: Partial<Phase> & { name: string; durationNs: number }): Phase {
  return { suspend: true, idleBeforeSuspendNs: S, activeShare: 0.1, expectedDemand: 0, activities: [], ...p };
}

/** A small phone-like scenario: a kernel set, a page cache, a process, wake-ups every few minutes. */
export function tinyScenario(over: Partial<Scenario> = {}): Scenario {
  return {
    name: 'tiny',
    description: 'test scenario',
    durationNs: 1 * H,
    sets: [
      { name: 'files', type: 'file', size: 0.6 },
      { name: 'proc', type: 'anon', size: 0.3 },
      { name: 'kbuf', type: 'kernel', size: 0.05 },
    ],
    slabCaches: [{ name: 'dentry', objectBytes: 192 }],
    setup: [
      { op: 'kalloc', set: 'kbuf', size: 0.02 },
      { op: 'read', set: 'files', size: 0.1, pattern: 'sequential', writeShare: 0 },
      { op: 'touch', set: 'proc', size: 0.05, pattern: 'sequential' },
      { op: 'slab', cache: 'dentry', size: 0.01 },
    ],
    phases: [
      phase({
        name: 'standby',
        durationNs: 1 * H,
        activities: [
          activity({
            name: 'sync',
            everyNs: 5 * MIN,
            jitter: 0.5,
            wake: true,
            busyNs: 2 * S,
            ops: [
              { op: 'read', set: 'files', size: 0.005, pattern: 'sequential', writeShare: 0.1 },
              { op: 'touch', set: 'proc', size: 0.002, pattern: 'random' },
            ],
          }),
        ],
      }),
    ],
    ...over,
  };
}

export function system(
  board: string,
  scenario: Scenario,
  policy: string,
  opts: Partial<SystemOptions> = {},
  policyOptions: Record<string, string> = {},
): System {
  return new System(shippedBoard(board), scenario, createPolicy(policy, policyOptions), { seed: 1, ...opts });
}
