/**
 * The rfc-hooks policy's cost to the emulator's allocator:
 *  policy.rfcHooks.allocOpsPerSec        allocator ops/s of the fixed churn of bench/churn.ts (orders
 *                                        0-3, movable and unmovable, 4096 live blocks) on a booted
 *                                        pandaboard-es with the rfc-hooks policy attached
 *  policy.rfcHooks.allocOverheadPercent  the same churn with policy none versus rfc-hooks:
 *                                        (none / rfc-hooks - 1) x 100, medians of 9 interleaved
 *                                        runs each (A B, then B A, ...) in one process
 *  policy.rfcHooks.hookCallsPerMop       pasr_put/pasr_get calls per million allocator ops of that churn
 *  policy.rfcHooks.maskChanges           mask changes the churn caused from the allocator
 * The overhead is the emulator's (the free-list observer turns off the merge fast path and
 * calls the hook on every list insertion and removal); the simulated cost the hooks add to a
 * run is the run report's allocatorNsPerOp.
 */
import { loadBoard } from '../cli/board-files.js';
import { createPolicy } from '../firmware/pasr/policies/index.js';
import { System } from '../firmware/system/system.js';
import { idleScenario } from './idle-scenario.js';
import { churn, churnInput } from './churn.js';
import { median } from './stats.js';

const EMPTY = idleScenario();

export function runRfcHooksBench(): Record<string, number> {
  const config = loadBoard('pandaboard-es', {});
  const none = new System(config, EMPTY, createPolicy('none'), { seed: 1 });
  const rfc = new System(config, EMPTY, createPolicy('rfc-hooks'), { seed: 1 });
  const input = churnInput();
  const a: number[] = [];
  const b: number[] = [];
  churn(none.mm, input);
  churn(rfc.mm, input);
  const before = rfc.policy.stats!();
  for (let i = 0; i < 9; i++) {
    if (i % 2 === 0) {
      b.push(churn(none.mm, input));
      a.push(churn(rfc.mm, input));
    } else {
      a.push(churn(rfc.mm, input));
      b.push(churn(none.mm, input));
    }
  }
  const after = rfc.policy.stats!();
  rfc.checkInvariants();
  const ops = 9 * 2 * input.orders.length;
  return {
    'policy.rfcHooks.allocOpsPerSec': median(a),
    'policy.rfcHooks.allocOverheadPercent': (median(b) / median(a) - 1) * 100,
    'policy.rfcHooks.hookCallsPerMop': ((after.hookCalls! - before.hookCalls!) / ops) * 1e6,
    'policy.rfcHooks.maskChanges':
      after.masksInAllocator! + after.unmasksInAllocator! - before.masksInAllocator! - before.unmasksInAllocator!,
  };
}
