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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBoardConfig } from '../hal/board/load-board.js';
import type { BoardConfig } from '../hal/board/board-config.js';
import { createPolicy } from '../firmware/pasr/policies/index.js';
import { System } from '../firmware/system/system.js';
import type { Scenario } from '../firmware/workload/scenario.js';
import { churn, churnInput } from './churn.js';
import { median } from './stats.js';

const EMPTY: Scenario = {
  name: 'bench',
  description: 'nothing: the bench drives the allocator itself',
  durationNs: 1e9,
  sets: [],
  slabCaches: [],
  setup: [],
  phases: [
    {
      name: 'p',
      durationNs: 1e9,
      suspend: false,
      idleBeforeSuspendNs: 0,
      activeShare: 0,
      expectedDemand: 0,
      activities: [],
    },
  ],
};

function board(root: string, name: string): BoardConfig {
  const file = join(root, 'board-configs', `${name}.json`);
  const r = parseBoardConfig(readFileSync(file, 'utf8'), file);
  if (!r.ok) throw new Error(`${file}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.board;
}

export function runRfcHooksBench(root: string): Record<string, number> {
  const config = board(root, 'pandaboard-es');
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
