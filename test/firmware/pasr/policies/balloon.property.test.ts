import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Activity, Op, Phase, Scenario } from '../../../../firmware/workload/scenario.js';
import { MIN, S, system } from '../../system/harness.js';

/** Small random workloads: page cache, a process that may outgrow RAM, kernel memory, the knob. */
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('read' as const),
    set: fc.constant('files'),
    size: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
    pattern: fc.constantFrom('sequential' as const, 'random' as const, 'hot' as const),
    writeShare: fc.constantFrom(0, 0.2, 1),
  }),
  fc.record({
    op: fc.constant('touch' as const),
    set: fc.constant('heap'),
    size: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    pattern: fc.constantFrom('sequential' as const, 'random' as const),
  }),
  fc.record({
    op: fc.constant('release' as const),
    set: fc.constant('heap'),
    size: fc.double({ min: 0.01, max: 0.5 }),
  }),
  fc.record({
    op: fc.constant('kalloc' as const),
    set: fc.constant('kbuf'),
    size: fc.double({ min: 0.001, max: 0.03 }),
  }),
  fc.record({
    op: fc.constant('kfree' as const),
    set: fc.constant('kbuf'),
    size: fc.double({ min: 0.001, max: 0.03 }),
  }),
  fc.record({ op: fc.constant('knob' as const), action: fc.constantFrom('inflate' as const, 'deflate' as const) }),
);

const activityArb: fc.Arbitrary<Activity> = fc.record({
  name: fc.constantFrom('a', 'b', 'c'),
  everyNs: fc.integer({ min: 20, max: 240 }).map((s) => s * S),
  jitter: fc.constantFrom(0, 0.5, 1),
  wake: fc.constantFrom(true, true, false),
  busyNs: fc.integer({ min: 0, max: 20 }).map((s) => s * S),
  ops: fc.array(opArb, { minLength: 1, maxLength: 3 }),
});

/** A process that keeps growing: the OOM killer's business unless something else gives way. */
const growArb: fc.Arbitrary<Activity> = fc.record({
  name: fc.constant('grow'),
  everyNs: fc.integer({ min: 40, max: 180 }).map((s) => s * S),
  jitter: fc.constantFrom(0, 1),
  wake: fc.constant(true),
  busyNs: fc.constant(2 * S),
  ops: fc
    .double({ min: 0.2, max: 0.6, noNaN: true })
    .map((size): Op[] => [{ op: 'touch', set: 'heap', size, pattern: 'sequential' }]),
});

const phaseArb: fc.Arbitrary<Phase> = fc.record({
  name: fc.constantFrom('p', 'q'),
  durationNs: fc.integer({ min: 2, max: 8 }).map((m) => m * MIN),
  suspend: fc.boolean(),
  idleBeforeSuspendNs: fc.constantFrom(1 * S, 5 * S),
  activeShare: fc.constant(0.05),
  expectedDemand: fc.constantFrom(0, 0.02, 0.1, 0.3),
  activities: fc
    .tuple(fc.option(growArb, { freq: 2 }), fc.array(activityArb, { minLength: 1, maxLength: 2 }))
    .map(([grow, rest]) => (grow ? [grow, ...rest] : rest)),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    heap: fc.double({ min: 0.5, max: 1.5, noNaN: true }),
    setup: fc.array(opArb, { maxLength: 3 }),
    phases: fc.array(phaseArb, { minLength: 1, maxLength: 3 }),
  })
  .map(({ heap, setup, phases }) => ({
    name: 'random',
    description: 'random small scenario',
    durationNs: 15 * MIN,
    sets: [
      { name: 'files', type: 'file' as const, size: 0.8 },
      { name: 'heap', type: 'anon' as const, size: heap },
      { name: 'kbuf', type: 'kernel' as const, size: 0.05 },
    ],
    slabCaches: [],
    setup,
    phases,
  }));

function run(scenario: Scenario, policy: string, deflate?: string): { kills: number; held: number } {
  const sys = system('snowball', scenario, policy, { seed: 3 }, deflate ? { deflate } : {});
  const stats = sys.run();
  expect([stats.violations, stats.dataLossPages, stats.errors.length]).toEqual([0, 0, 0]);
  return { kills: sys.engine.stats.oomKills, held: sys.policy.stats?.().maxHeldUnits ?? 0 };
}

describe('balloon policy (property)', () => {
  it('with the OOM notifier or PSI deflate, never causes an OOM kill the baseline would not have', () => {
    let killed = 0;
    let ballooned = 0;
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const none = run(scenario, 'none').kills;
        if (none > 0) killed++;
        for (const deflate of ['oom', 'psi']) {
          const b = run(scenario, 'balloon', deflate);
          expect(b.kills).toBeLessThanOrEqual(none);
          if (b.held > 0) ballooned++;
        }
      }),
      { numRuns: 10, seed: 20261204 },
    );
    // Not vacuous: some workloads reach the OOM killer, and the balloon held memory in most runs.
    expect(killed).toBeGreaterThanOrEqual(2);
    expect(ballooned).toBeGreaterThanOrEqual(10);
  }, 600_000);
});
