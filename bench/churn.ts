/**
 * The fixed allocator churn of the overhead benchmarks (the PASR census, the policies): a ring of
 * 4096 live blocks, each step freeing the oldest and allocating the next, orders 0-3 (70 %
 * order 0), 70 % movable user pages and 30 % unmovable kernel pages, from a fixed LCG seed.
 */
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../firmware/mm/gfp.js';
import type { MemoryManager } from '../firmware/mm/memory-manager.js';
import { PageKind } from '../firmware/mm/page-flags.js';

export interface ChurnInput {
  readonly orders: Int32Array;
  readonly gfps: Int32Array;
}

/** The churn's n requests (the same for every caller). */
export function churnInput(n = 400_000): ChurnInput {
  let x = 12345;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const orders = Int32Array.from({ length: n }, () => (rnd() < 0.7 ? 0 : 1 + Math.floor(rnd() * 3)));
  const gfps = Int32Array.from({ length: n }, () => (rnd() < 0.7 ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL));
  return { orders, gfps };
}

/** Allocator ops (allocations + frees) per second of the churn on mm; every block is freed after. */
export function churn(mm: MemoryManager, { orders, gfps }: ChurnInput): number {
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
