/**
 * The rfc-hooks policy's cost to the emulator's allocator:
 *  policy.rfcHooks.allocOpsPerSec        allocator ops/s of a fixed churn (alloc/free of orders 0-3,
 *                                        70 % movable, 30 % unmovable, 4096 live blocks) on a
 *                                        booted pandaboard-es with the rfc-hooks policy attached
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
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../firmware/mm/gfp.js';
import { PageKind } from '../firmware/mm/page-flags.js';
import { createPolicy } from '../firmware/pasr/policies/index.js';
import { System } from '../firmware/system/system.js';
import type { Scenario } from '../firmware/workload/scenario.js';
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

/** Allocator ops per second of a fixed mixed churn on a booted system. */
function churn(sys: System, orders: Int32Array, gfps: Int32Array): number {
  const mm = sys.mm;
  const live = 4096;
  const ring = new Int32Array(live).fill(-1);
  const ringOrder = new Int32Array(live);
  const t0 = performance.now();
  for (let i = 0; i < orders.length; i++) {
    const slot = i & (live - 1);
    if (ring[slot]! >= 0) mm.freePages(ring[slot]!, ringOrder[slot]!);
    const p = mm.allocPages(orders[i]!, gfps[i]!, gfps[i] === GFP_KERNEL ? PageKind.KERNEL : PageKind.ANON);
    if (typeof p !== 'number') throw new Error(`bench: churn allocation failed: ${p.reason}`);
    ring[slot] = p;
    ringOrder[slot] = orders[i]!;
  }
  const ms = performance.now() - t0;
  for (let s = 0; s < live; s++) if (ring[s]! >= 0) mm.freePages(ring[s]!, ringOrder[s]!);
  return (2 * orders.length) / (ms / 1000);
}

export function runRfcHooksBench(root: string): Record<string, number> {
  const config = board(root, 'pandaboard-es');
  const none = new System(config, EMPTY, createPolicy('none'), { seed: 1 });
  const rfc = new System(config, EMPTY, createPolicy('rfc-hooks'), { seed: 1 });
  let x = 12345;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const n = 400_000;
  const orders = Int32Array.from({ length: n }, () => (rnd() < 0.7 ? 0 : 1 + Math.floor(rnd() * 3)));
  const gfps = Int32Array.from({ length: n }, () => (rnd() < 0.7 ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL));
  const a: number[] = [];
  const b: number[] = [];
  churn(none, orders, gfps);
  churn(rfc, orders, gfps);
  const before = rfc.policy.stats!();
  for (let i = 0; i < 9; i++) {
    if (i % 2 === 0) {
      b.push(churn(none, orders, gfps));
      a.push(churn(rfc, orders, gfps));
    } else {
      a.push(churn(rfc, orders, gfps));
      b.push(churn(none, orders, gfps));
    }
  }
  const after = rfc.policy.stats!();
  rfc.checkInvariants();
  const ops = 9 * 2 * n;
  return {
    'policy.rfcHooks.allocOpsPerSec': median(a),
    'policy.rfcHooks.allocOverheadPercent': (median(b) / median(a) - 1) * 100,
    'policy.rfcHooks.hookCallsPerMop': ((after.hookCalls! - before.hookCalls!) / ops) * 1e6,
    'policy.rfcHooks.maskChanges':
      after.masksInAllocator! + after.unmasksInAllocator! - before.masksInAllocator! - before.unmasksInAllocator!,
  };
}
