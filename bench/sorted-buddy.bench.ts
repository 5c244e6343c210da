/**
 * The sorted-buddy policy's allocator overhead (region-sorted free lists, mm/region-sort.ts):
 *  policy.sortedBuddy.allocOpsPerSec        allocator ops/s of a fixed churn (orders 0-3, 70 %
 *                                           movable / 30 % unmovable, 4096 live blocks) on a
 *                                           booted pandaboard-es with the policy attached
 *  policy.sortedBuddy.allocOverheadPercent  the same churn with policy none versus sorted-buddy:
 *                                           (none / sorted - 1) x 100, medians of interleaved runs
 *                                           in one process (A B B A ..., 9 each)
 *  sortedBuddy.<figure>.overheadPercent     the mm core benchmarks' loops (bench/mm.bench.ts) on
 *                                           the same 1 GiB / 8 GiB layouts cut into 16 regions,
 *                                           sorting off versus on, same method: order0 (pcp off,
 *                                           every pair splits and merges ten orders: the worst
 *                                           case), pcp, churn (random free order), mixed
 * Figures only; nothing here fails on time.
 */
import { loadBoard } from '../cli/board-files.js';
import { SimClock } from '../hal/clock.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../firmware/mm/gfp.js';
import { MemoryManager } from '../firmware/mm/memory-manager.js';
import { PageKind } from '../firmware/mm/page-flags.js';
import { createPolicy } from '../firmware/pasr/policies/index.js';
import { System } from '../firmware/system/system.js';
import { idleScenario } from './idle-scenario.js';
import { benchLayout } from './mm.bench.js';
import { churn, churnInput } from './churn.js';
import { median } from './stats.js';

const ROUNDS = 9;

const IDLE = idleScenario();

function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

/** Order-0 alloc + free pairs per second. */
function pairs(mm: MemoryManager, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const p = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    if (typeof p !== 'number') throw new Error(`bench: allocation failed: ${p.reason}`);
    mm.freePages(p, 0);
  }
  return n / ((performance.now() - t0) / 1000);
}

/** n order-0 allocations, then their frees in the order of perm: ops/s. */
function randomChurn(mm: MemoryManager, perm: Int32Array): number {
  const n = perm.length;
  const pfns = new Int32Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const p = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    if (typeof p !== 'number') throw new Error(`bench: allocation ${i} failed: ${p.reason}`);
    pfns[i] = p;
  }
  const tAlloc = performance.now() - t0;
  const order = Int32Array.from(perm, (j) => pfns[j]!);
  const t1 = performance.now();
  for (let i = 0; i < n; i++) mm.freePages(order[i]!, 0);
  return (2 * n) / ((tAlloc + performance.now() - t1) / 1000);
}

/** A bench layout of `gib` GiB, its regions 16 equal cuts when `sorted`. */
function booted(gib: number, pcp: boolean, sorted: boolean): MemoryManager {
  const mm = new MemoryManager(benchLayout(gib), new SimClock(), pcp ? {} : { pcp: false });
  if (sorted) {
    const start = mm.memmap.startPfn;
    const per = mm.memmap.nrPages / 16;
    mm.setRegionSorting({
      nrRegions: 16,
      boundaries: Array.from({ length: 15 }, (_, i) => start + (i + 1) * per),
      regionOf: (pfn) => Math.floor((pfn - start) / per),
    });
  }
  return mm;
}

/** (a / b - 1) x 100 from interleaved runs of two measurements (A B B A ...). */
function overhead(off: () => number, on: () => number): { on: number; percent: number } {
  off();
  on();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      a.push(off());
      b.push(on());
    } else {
      b.push(on());
      a.push(off());
    }
  }
  return { on: median(b), percent: (median(a) / median(b) - 1) * 100 };
}

export function runSortedBuddyBench(): Record<string, number> {
  const out: Record<string, number> = {};
  const config = loadBoard('pandaboard-es', {});
  const none = new System(config, IDLE, createPolicy('none'), { seed: 1 });
  const sorted = new System(config, IDLE, createPolicy('sorted-buddy'), { seed: 1 });
  const rnd = lcg(12345);
  const input = churnInput();
  const policy = overhead(
    () => churn(none.mm, input),
    () => churn(sorted.mm, input),
  );
  out['policy.sortedBuddy.allocOpsPerSec'] = policy.on;
  out['policy.sortedBuddy.allocOverheadPercent'] = policy.percent;

  const mixedOrders = Int32Array.from({ length: 1_000_000 }, () => Math.floor(rnd() * 4));
  const mixedGfps = Int32Array.from({ length: 1_000_000 }, () => (rnd() < 0.7 ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL));
  const perm = Int32Array.from({ length: 1_000_000 }, (_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  const cases: [string, number, boolean, (mm: MemoryManager) => number][] = [
    ['order0', 1, false, (mm) => pairs(mm, 1_000_000)],
    ['pcp', 1, true, (mm) => pairs(mm, 5_000_000)],
    ['churn', 8, true, (mm) => randomChurn(mm, perm)],
    ['mixed', 8, true, (mm) => churn(mm, { orders: mixedOrders, gfps: mixedGfps })],
  ];
  for (const [name, gib, pcp, loop] of cases) {
    const off = booted(gib, pcp, false);
    const on = booted(gib, pcp, true);
    out[`sortedBuddy.${name}.overheadPercent`] = overhead(
      () => loop(off),
      () => loop(on),
    ).percent;
  }
  return out;
}
