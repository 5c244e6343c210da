import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { POLICIES } from '../../../firmware/pasr/policies/index.js';
import { runScenario } from '../../../firmware/system/run-report.js';
import { SHIPPED, shippedBoard } from '../boot/boards.js';
import { activity, MIN, phase, S, tinyScenario } from './harness.js';

/** Every policy but the deliberately unsafe one, with each value of a single option as a variant. */
const SAFE = POLICIES.filter((p) => p.name !== 'careless').flatMap((p) => {
  const opts = Object.entries(p.options);
  return opts.length === 1
    ? opts[0]![1].map((v) => ({ name: p.name, options: { [opts[0]![0]]: v } }))
    : [{ name: p.name, options: {} }];
});

const arbScenario = fc
  .record({
    fill: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
    anon: fc.double({ min: 0, max: 0.3, noNaN: true }),
    every: fc.integer({ min: 2, max: 10 }),
    spike: fc.double({ min: 0, max: 0.5, noNaN: true }),
  })
  .map(({ fill, anon, every, spike }) =>
    tinyScenario({
      durationNs: 40 * MIN,
      sets: [
        { name: 'files', type: 'file', size: 1.2 },
        { name: 'proc', type: 'anon', size: 0.4 },
        { name: 'burst', type: 'anon', size: 0.6 },
        { name: 'kbuf', type: 'kernel', size: 0.05 },
      ],
      setup: [
        { op: 'kalloc', set: 'kbuf', size: 0.02 },
        { op: 'read', set: 'files', size: fill, pattern: 'sequential', writeShare: 0.1 },
        { op: 'touch', set: 'proc', size: anon, pattern: 'sequential' },
      ],
      phases: [
        phase({
          name: 'standby',
          durationNs: 20 * MIN,
          activities: [
            activity({
              name: 'sync',
              everyNs: every * MIN,
              jitter: 0.5,
              wake: true,
              busyNs: 2 * S,
              ops: [{ op: 'read', set: 'files', size: 0.01, pattern: 'sequential', writeShare: 0.2 }],
            }),
          ],
        }),
        phase({
          name: 'spike',
          durationNs: 20 * MIN,
          activities: [
            activity({
              name: 'demand',
              at: 'start',
              busyNs: 30 * S,
              ops: [
                { op: 'touch', set: 'burst', size: spike, pattern: 'sequential' },
                { op: 'release', set: 'burst' },
              ],
            }),
            activity({ name: 'tick', everyNs: 5 * MIN, wake: true, ops: [] }),
          ],
        }),
      ],
    }),
  );

describe('every policy on every shipped board', () => {
  it('loses nothing, violates nothing, and never beats the oracle', () => {
    fc.assert(
      fc.property(arbScenario, fc.constantFrom(...SHIPPED), fc.constantFrom(...SAFE), (sc, board, policy) => {
        const { report } = runScenario({
          config: shippedBoard(board),
          scenario: sc,
          policy: policy.name,
          policyOptions: policy.options,
          seed: 3,
        });
        const what = `${policy.name} ${JSON.stringify(policy.options)} on ${board}`;
        expect({ what, violations: report.violations, lost: report.dataLossPages, errors: report.errors }).toEqual({
          what,
          violations: 0,
          lost: 0,
          errors: [],
        });
        // The oracle bounds DRAM energy; a policy may still save CPU work the baseline did.
        expect(report.dramJ.policy).toBeGreaterThanOrEqual(report.dramJ.oracle * (1 - 1e-9));
      }),
      { numRuns: 16, seed: 1204 },
    );
  }, 600_000);

  it('balloon with oom or psi deflate never brings an OOM kill that none does not have', () => {
    fc.assert(
      fc.property(
        arbScenario,
        fc.constantFrom('imx6sl-evk', 'snowball', 'pandaboard-es'),
        fc.constantFrom('oom', 'psi'),
        (sc, board, deflate) => {
          const config = shippedBoard(board);
          const none = runScenario({ config, scenario: sc, policy: 'none', seed: 5 }).report;
          const balloon = runScenario({
            config,
            scenario: sc,
            policy: 'balloon',
            policyOptions: { deflate },
            seed: 5,
          }).report;
          expect(balloon.oomKills).toBeLessThanOrEqual(none.oomKills);
        },
      ),
      { numRuns: 8, seed: 77 },
    );
  }, 600_000);
});
