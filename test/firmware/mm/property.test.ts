import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GFP_ATOMIC,
  GFP_DMA32,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_NOWAIT,
  __GFP_RECLAIMABLE,
  gfpZone,
} from '../../../firmware/mm/gfp.js';
import { MIGRATE_TYPES } from '../../../firmware/mm/migratetype.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import type { MemoryManager } from '../../../firmware/mm/memory-manager.js';
import { boot, layout } from './helpers.js';

// 640 pages in two zones (128 + 512), an unaligned reservation, a CMA area, 2 CPUs with pcp
// lists, and pageblocks (4 pages) smaller than PAGE_ALLOC_COSTLY_ORDER blocks.
// min_free_kbytes 256 puts the zones' min watermarks at 12 and 51 pages, so runs reach the
// watermarks, the slow path and (in Normal, >= 100 pageblocks) the HIGHATOMIC reserve; with
// min_free_kbytes 0, no CMA area (movable requests would drain CMA before falling back) and
// 16-page pageblocks (harder to claim), runs use up memory completely and fallbacks steal.
const PAGES = 640;
const propLayout = (minFreeKbytes = 256, withCma = true, pageblockOrder = 2) =>
  layout({
    startPfn: 0x2000,
    nrPages: PAGES,
    zones: [
      { name: 'DMA32', startPfn: 0x2000, endPfn: 0x2080 },
      { name: 'Normal', startPfn: 0x2080, endPfn: 0x2280 },
    ],
    reserved: [{ name: 'kernel', startPfn: 0x2003, endPfn: 0x2007 }],
    cma: withCma ? [{ name: 'cma', startPfn: 0x2200, endPfn: 0x2240 }] : [],
    maxOrder: 4,
    pageblockOrder,
    nrCpus: 2,
    minFreeKbytes,
  });

const GFPS = [
  GFP_KERNEL,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL | __GFP_RECLAIMABLE,
  GFP_KERNEL | GFP_DMA32,
  GFP_NOWAIT,
  GFP_ATOMIC,
  GFP_HIGHUSER_MOVABLE,
  GFP_HIGHUSER_MOVABLE,
];
const KINDS = [
  PageKind.KERNEL,
  PageKind.ANON,
  PageKind.SLAB_RECLAIMABLE,
  PageKind.KERNEL,
  PageKind.PAGE_TABLE,
  PageKind.SLAB_UNRECLAIMABLE,
  PageKind.FILE_CLEAN,
  PageKind.ANON,
];

type Op =
  | { t: 'alloc'; order: number; g: number; cpu: number }
  | { t: 'free'; i: number; cpu: number }
  | { t: 'drain' }
  | { t: 'isolate'; pb: number };

/** Non-blocking requests (no __GFP_DIRECT_RECLAIM) of order > 0 may reserve HIGHATOMIC pageblocks. */
const NON_BLOCKING = new Set([GFP_NOWAIT, GFP_ATOMIC]);
const allocOp = (maxNonBlockingOrder: number) =>
  fc
    .record({
      t: fc.constant('alloc' as const),
      order: fc.integer({ min: 0, max: 4 }),
      g: fc.integer({ min: 0, max: GFPS.length - 1 }),
      cpu: fc.integer({ min: 0, max: 1 }),
    })
    .map((o) =>
      NON_BLOCKING.has(GFPS[o.g]!) && o.order > maxNonBlockingOrder ? { ...o, order: maxNonBlockingOrder } : o,
    );
const freeOp = fc.record({ t: fc.constant('free' as const), i: fc.nat(), cpu: fc.integer({ min: 0, max: 1 }) });
const drainOp = fc.constant({ t: 'drain' as const });
const isolateOp = fc.record({ t: fc.constant('isolate' as const), pb: fc.nat() });

interface Live {
  pfn: number;
  order: number;
}

function apply(mm: MemoryManager, live: Live[], op: Op): void {
  switch (op.t) {
    case 'alloc': {
      const gfp = GFPS[op.g]!;
      const r = mm.allocPages(op.order, gfp, KINDS[op.g]!, op.cpu);
      if (typeof r === 'number') {
        expect(r % 2 ** op.order).toBe(0);
        expect(mm.pa.zoneIdxOf(r)).toBeLessThanOrEqual(gfpZone(gfp));
        expect(mm.memmap.isPageblockIsolated(r)).toBe(false);
        live.push({ pfn: r, order: op.order });
      } else {
        expect(r.ok).toBe(false);
        expect(['watermark', 'fragmentation']).toContain(r.reason);
      }
      break;
    }
    case 'free': {
      if (live.length === 0) return;
      const [b] = live.splice(op.i % live.length, 1);
      mm.freePages(b!.pfn, b!.order, op.cpu);
      break;
    }
    case 'drain':
      mm.drainAllPages();
      break;
    case 'isolate': {
      const pfn = 0x2000 + (op.pb % (PAGES / 4)) * 4;
      const isolated = mm.memmap.isPageblockIsolated(pfn);
      if (mm.pa.moveFreepagesBlockIsolate(pfn, !isolated) && !isolated) mm.drainAllPages(); // as start_isolate_page_range() does
      break;
    }
  }
}

/** What the random runs went through, summed over all runs (so the tests can check coverage). */
const seen = { claim: 0, steal: 0, fail: 0, highatomic: 0, isolated: 0, pcpDrain: 0 };
function tally(mm: MemoryManager): void {
  seen.claim += mm.events.fallback_claim;
  seen.steal += mm.events.fallback_steal;
  seen.fail += mm.events.alloc_fail;
  seen.highatomic += mm.zones.reduce((s, z) => s + z.nrReservedHighatomic, 0);
}

describe('buddy allocator properties (fast-check)', () => {
  // HIGHATOMIC pageblocks do not merge with others from pageblock_order up (as in Linux), so
  // the coalescing property holds only without high-order non-blocking allocations.
  it('keeps every invariant under random alloc/free/drain sequences and coalesces back to the boot state when everything is freed', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            { weight: 12, arbitrary: allocOp(0) },
            { weight: 3, arbitrary: freeOp },
            { weight: 1, arbitrary: drainOp },
          ),
          { minLength: 50, maxLength: 300, size: 'max' },
        ),
        (ops) => {
          const mm = boot(propLayout(0, false, 4), {});
          const bootFree = mm.nrFreePages();
          const live: Live[] = [];
          for (const op of ops) {
            apply(mm, live, op as Op);
            mm.checkInvariants();
          }
          tally(mm);
          for (const b of live) mm.freePages(b.pfn, b.order);
          mm.drainAllPages();
          mm.checkInvariants();
          expect(Array.from(mm.pa.nrFree)).toEqual(Array.from(mm.bootNrFree));
          expect(mm.nrFreePages()).toBe(bootFree);
        },
      ),
      { numRuns: 60, interruptAfterTimeLimit: 50_000, markInterruptAsFailure: true },
    );
    // The runs must have reached the interesting paths (fallbacks, exhaustion).
    expect(seen.claim).toBeGreaterThan(100);
    expect(seen.steal).toBeGreaterThan(10);
    expect(seen.fail).toBeGreaterThan(10);
  }, 60_000);

  it('keeps every invariant with pageblock isolation toggles and high-order atomic (HIGHATOMIC) allocations mixed in', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            { weight: 12, arbitrary: allocOp(4) },
            { weight: 3, arbitrary: freeOp },
            { weight: 1, arbitrary: drainOp },
            { weight: 2, arbitrary: isolateOp },
          ),
          { minLength: 50, maxLength: 300, size: 'max' },
        ),
        (ops) => {
          const mm = boot(propLayout(), {});
          const live: Live[] = [];
          for (const op of ops) {
            apply(mm, live, op as Op);
            mm.checkInvariants();
            for (let pfn = 0x2000; pfn < 0x2000 + PAGES; pfn += 4)
              if (mm.memmap.isPageblockIsolated(pfn)) seen.isolated++;
          }
          tally(mm);
          for (let pfn = 0x2000; pfn < 0x2000 + PAGES; pfn += 4)
            if (mm.memmap.isPageblockIsolated(pfn)) mm.pa.moveFreepagesBlockIsolate(pfn, false);
          for (const b of live) mm.freePages(b.pfn, b.order);
          mm.drainAllPages();
          mm.checkInvariants();
          expect(mm.nrFreePages()).toBe(mm.zones.reduce((s, z) => s + z.managedPages, 0));
        },
      ),
      { numRuns: 60, interruptAfterTimeLimit: 50_000, markInterruptAsFailure: true },
    );
    expect(seen.highatomic).toBeGreaterThan(0);
    expect(seen.isolated).toBeGreaterThan(100);
  }, 60_000);
});

/** Every block on a buddy free list (all zones, orders and migratetypes, ISOLATE included): pfn -> order. */
function buddyBlocks(mm: MemoryManager): Map<number, number> {
  const out = new Map<number, number>();
  for (const z of mm.zones) {
    for (let order = 0; order < mm.pa.nrOrders; order++) {
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        const head = mm.pa.freeListHead(z.idx, order, mt);
        for (let n = mm.memmap.next(head); n !== head; n = mm.memmap.next(n)) out.set(n + mm.memmap.startPfn, order);
      }
    }
  }
  return out;
}

describe('the free-list hook (what the 2012 PASR RFC hooked into the buddy allocator)', () => {
  it('sees every block enter and leave the buddy lists, so a mirror built from it equals the lists after any sequence', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(
          fc.oneof(
            { weight: 12, arbitrary: allocOp(4) },
            { weight: 4, arbitrary: freeOp },
            { weight: 1, arbitrary: drainOp },
            { weight: 2, arbitrary: isolateOp },
          ),
          { minLength: 50, maxLength: 300, size: 'max' },
        ),
        (pcp, ops) => {
          const mm = boot(propLayout(), { pcp });
          const mirror = buddyBlocks(mm);
          const problems: string[] = [];
          mm.pa.freeListHook = (pfn, order, delta) => {
            if (delta === 1) {
              if (mirror.has(pfn))
                problems.push(`+${pfn.toString(16)}/${order}: already free at order ${mirror.get(pfn)}`);
              mirror.set(pfn, order);
            } else {
              if (mirror.get(pfn) !== order)
                problems.push(`-${pfn.toString(16)}/${order}: mirror has order ${mirror.get(pfn)}`);
              mirror.delete(pfn);
            }
          };
          const live: Live[] = [];
          for (const op of ops) {
            apply(mm, live, op as Op);
            expect(problems).toEqual([]);
            expect(mirror.size).toBe(buddyBlocks(mm).size);
          }
          for (const b of live) mm.freePages(b.pfn, b.order);
          mm.drainAllPages();
          expect(problems).toEqual([]);
          expect([...mirror].sort((a, b) => a[0] - b[0])).toEqual([...buddyBlocks(mm)].sort((a, b) => a[0] - b[0]));
          mm.checkInvariants();
        },
      ),
      { numRuns: 40, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: true },
    );
  }, 60_000);
});
