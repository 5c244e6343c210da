/**
 * What the balloon policy costs the page allocator: nothing on its paths by design (the governor
 * runs at idle, on its poll and on the knob; deflation comes from reclaim, the OOM notifier or
 * PSI). Measured, not assumed:
 *
 *  policy.balloon.allocOverheadPercent  allocator ops/s of a fixed churn (alloc of orders 0-3,
 *                                       70 % movable and 30 % unmovable, free of the oldest of
 *                                       4096 live blocks) on pandaboard-es with the policy `none`,
 *                                       over the same with `balloon` installed and holding units
 *                                       (its shrinker registered), minus 1, in percent; medians of
 *                                       interleaved runs in one process (A B A B ..., 9 each), the
 *                                       pair built in both orders and the two ratios averaged
 *  policy.balloon.heldUnits             units the balloon held during the churn
 *  policy.balloon.opsPerSec             the balloon system's median ops/s
 */
import { loadBoard } from '../cli/board-files.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../firmware/mm/gfp.js';
import type { MemoryManager } from '../firmware/mm/memory-manager.js';
import { PageKind } from '../firmware/mm/page-flags.js';
import { createPolicy } from '../firmware/pasr/policies/index.js';
import { System } from '../firmware/system/system.js';
import { idleScenario } from './idle-scenario.js';
import { median } from './stats.js';

const RUNS = 9;
const OPS = 400_000;
const LIVE = 4096;

const QUIET = idleScenario({ durationNs: 600e9, suspend: true, idleBeforeSuspendNs: 1e9, expectedDemand: 0.1 });

/** A fixed churn: its orders and gfp flags, from a seeded generator (the same for every run). */
function churnPlan(): { orders: Int32Array; gfps: Int32Array; kinds: Int32Array } {
  let x = 0x9e3779b9;
  const rnd = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const orders = new Int32Array(OPS);
  const gfps = new Int32Array(OPS);
  const kinds = new Int32Array(OPS);
  for (let i = 0; i < OPS; i++) {
    orders[i] = Math.floor(rnd() * 4);
    const movable = rnd() < 0.7;
    gfps[i] = movable ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL;
    kinds[i] = movable ? PageKind.ANON : PageKind.KERNEL;
  }
  return { orders, gfps, kinds };
}

/** Allocator operations per second (an alloc and a free count as two). */
function churn(mm: MemoryManager, plan: ReturnType<typeof churnPlan>): number {
  const ring = new Int32Array(LIVE).fill(-1);
  const ringOrder = new Int32Array(LIVE);
  const { orders, gfps, kinds } = plan;
  const t0 = performance.now();
  for (let i = 0; i < OPS; i++) {
    const slot = i & (LIVE - 1);
    if (ring[slot]! >= 0) mm.freePages(ring[slot]!, ringOrder[slot]!);
    const p = mm.allocPages(orders[i]!, gfps[i]!, kinds[i]!);
    if (typeof p !== 'number') throw new Error(`bench: churn allocation failed: ${p.reason}`);
    ring[slot] = p;
    ringOrder[slot] = orders[i]!;
  }
  const dt = performance.now() - t0;
  for (let s = 0; s < LIVE; s++) if (ring[s]! >= 0) mm.freePages(ring[s]!, ringOrder[s]!);
  return (2 * OPS) / (dt / 1000);
}

export function runBalloonPolicyBench(): Record<string, number> {
  const config = loadBoard('pandaboard-es', {});
  const plan = churnPlan();
  const withBalloon = (): System => {
    const sys = new System(config, QUIET, createPolicy('balloon'), { seed: 1 });
    sys.policy.onKnob?.('inflate');
    return sys;
  };
  const withNone = (): System => new System(config, QUIET, createPolicy('none'), { seed: 1 });
  // Two systems built one after the other differ by a few per cent in churn speed whatever their
  // policy (two 'none' systems: about 2 %), so the pair is built in both orders and the two
  // ratios averaged.
  const ratios: number[] = [];
  let held = 0;
  let opsPerSec = 0;
  for (const balloonFirst of [false, true]) {
    const first = balloonFirst ? withBalloon() : withNone();
    const second = balloonFirst ? withNone() : withBalloon();
    const [none, balloon] = balloonFirst ? [second, first] : [first, second];
    held = balloon.policy.stats?.().heldUnits ?? 0;
    if (held === 0) throw new Error('bench: the balloon took no unit');
    const a: number[] = [];
    const b: number[] = [];
    churn(none.mm, plan);
    churn(balloon.mm, plan);
    for (let i = 0; i < RUNS; i++) {
      a.push(churn(none.mm, plan));
      b.push(churn(balloon.mm, plan));
    }
    ratios.push(median(a) / median(b));
    opsPerSec = median(b);
  }
  return {
    'policy.balloon.allocOverheadPercent': ((ratios[0]! + ratios[1]!) / 2 - 1) * 100,
    'policy.balloon.heldUnits': held,
    'policy.balloon.opsPerSec': opsPerSec,
  };
}
