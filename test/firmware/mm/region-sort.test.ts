import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_RECLAIMABLE } from '../../../firmware/mm/gfp.js';
import type { MemoryManager } from '../../../firmware/mm/memory-manager.js';
import { MIGRATE_MOVABLE, MIGRATE_TYPES } from '../../../firmware/mm/migratetype.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import type { RegionMap } from '../../../firmware/mm/region-sort.js';
import { boot, freeList, layout, pfnOf } from './helpers.js';

/** Regions cut at the given page offsets from startPfn (region i between cuts i-1 and i). */
function regionsAt(startPfn: number, cuts: readonly number[]): RegionMap {
  const boundaries = cuts.map((c) => startPfn + c);
  return {
    nrRegions: cuts.length + 1,
    boundaries,
    regionOf: (pfn) => boundaries.filter((b) => pfn >= b).length,
  };
}

/** The region of every block on every buddy list of zone 0's lists, list by list, head first. */
function listRegions(mm: MemoryManager): number[][] {
  const rs = mm.pa.regionSort!;
  const out: number[][] = [];
  for (const z of mm.zones) {
    for (let o = 0; o < mm.pa.nrOrders; o++) {
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        const h = mm.pa.freeListHead(z.idx, o, mt);
        const regions: number[] = [];
        for (let n = mm.memmap.next(h); n !== h; n = mm.memmap.next(n)) regions.push(rs.regionOfIdx(n));
        if (regions.length > 0) out.push(regions);
      }
    }
  }
  return out;
}

describe('region-sorted free lists: hand-checked cases', () => {
  // 64 pages at 0x1000, blocks up to order 3 (8 pages), 4 regions of 16 pages.
  const small = () => boot(layout({ startPfn: 0x1000, nrPages: 64, maxOrder: 3, pageblockOrder: 3 }));
  const fourRegions = regionsAt(0x1000, [16, 32, 48]);

  it('hands out the lowest region first although the last page freed (the list head without sorting) is in a higher one', () => {
    const unsorted = small();
    const sorted = small();
    sorted.setRegionSorting(fourRegions);
    for (const mm of [unsorted, sorted]) {
      const pages = Array.from({ length: 64 }, () => pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON)));
      expect(pages[0]).toBe(0x1000);
      // Free one page in region 1, then one in region 3, then one in region 2 (no buddies free).
      for (const pfn of [0x1012, 0x1036, 0x1024]) mm.freePages(pfn, 0);
      mm.checkInvariants();
    }
    const take = (mm: MemoryManager) =>
      Array.from({ length: 3 }, () => pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON)));
    // Linux's lists are LIFO: the page freed last comes first.
    expect(take(unsorted)).toEqual([0x1024, 0x1036, 0x1012]);
    // Sorted: region 1, region 2, region 3.
    expect(take(sorted)).toEqual([0x1012, 0x1024, 0x1036]);
  });

  it("splits a larger block of a lower region rather than take a fitting block of a higher one (Bhat's aggressive bias)", () => {
    for (const sorting of [false, true]) {
      const mm = small();
      if (sorting) mm.setRegionSorting(fourRegions);
      const pages = Array.from({ length: 64 }, () => pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON)));
      expect(pages.length).toBe(64);
      // An order-0 page free in region 3, an order-1 block (two buddies) free in region 0.
      for (const pfn of [0x1031, 0x1004, 0x1005]) mm.freePages(pfn, 0);
      expect(freeList(mm, 'DMA32', 0, MIGRATE_MOVABLE)).toEqual([0x1031]);
      expect(freeList(mm, 'DMA32', 1, MIGRATE_MOVABLE)).toEqual([0x1004]);
      const got = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON));
      if (sorting) {
        expect(got).toBe(0x1004);
        // The upper half went back to the order-0 list, ahead of region 3's page.
        expect(freeList(mm, 'DMA32', 0, MIGRATE_MOVABLE)).toEqual([0x1005, 0x1031]);
      } else {
        expect(got).toBe(0x1031);
      }
      mm.checkInvariants();
    }
  });

  it('can be turned on after boot: the existing lists are re-sorted, and off again with the lists left valid', () => {
    const mm = small();
    const pages = Array.from({ length: 64 }, () => pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON)));
    // Free every other page, highest first: the order-0 list holds them from the lowest up (LIFO).
    for (let i = 63; i >= 1; i -= 2) mm.freePages(pages[i]!, 0);
    // Then a few in the opposite order, so regions interleave along the list.
    for (const i of [0, 48, 16]) mm.freePages(pages[i]!, 0);
    const before = freeList(mm, 'DMA32', 0, MIGRATE_MOVABLE);
    mm.setRegionSorting(fourRegions);
    mm.checkInvariants();
    const after = freeList(mm, 'DMA32', 0, MIGRATE_MOVABLE);
    expect([...after].sort()).toEqual([...before].sort());
    expect(listRegions(mm).every((rs) => rs.every((r, i) => i === 0 || rs[i - 1]! <= r))).toBe(true);
    // Inside a region the order of the unsorted list is kept (a stable sort).
    const inRegion0 = (l: number[]) => l.filter((p) => p < 0x1010);
    expect(inRegion0(after)).toEqual(inRegion0(before));
    expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON))).toBeLessThan(0x1010);
    mm.setRegionSorting(null);
    expect(mm.pa.regionSort).toBeNull();
    mm.checkInvariants();
  });

  it('unmasks a masked region before one of its blocks is handed out, and only when the lower regions are full', () => {
    const mm = small();
    mm.setRegionSorting(fourRegions);
    const rs = mm.pa.regionSort!;
    const calls: { region: number; why: string; freeInRegion: number }[] = [];
    rs.onTakeMasked = (region, why) => {
      // Nothing of the region is handed out yet when the owner is told.
      let free = 0;
      for (let p = 0x1000 + 16 * region; p < 0x1010 + 16 * region; p++)
        if (mm.memmap.kind(p - 0x1000) === PageKind.FREE) free++;
      calls.push({ region, why, freeInRegion: free });
    };
    rs.setMasked(3, true);
    const got = Array.from({ length: 48 }, () => pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON)));
    expect(Math.max(...got)).toBeLessThan(0x1030);
    expect(calls).toEqual([]);
    mm.checkInvariants();
    const next = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON));
    expect(next).toBe(0x1030);
    expect(calls).toEqual([{ region: 3, why: 'alloc', freeInRegion: 16 }]);
    expect(rs.masked[3]).toBe(0);
    expect(rs.unmasked).toEqual({ alloc: 1, isolate: 0 });
  });

  it('unmasks a masked region before __isolate_free_page() takes a free block of it (compaction, contiguous ranges)', () => {
    const mm = small();
    mm.setRegionSorting(fourRegions);
    const rs = mm.pa.regionSort!;
    const calls: string[] = [];
    rs.onTakeMasked = (region, why) => calls.push(`${region}:${why}`);
    rs.setMasked(2, true);
    expect(mm.pa.isolateFreePage(0x1028, 3)).toBe(8);
    expect(calls).toEqual(['2:isolate']);
    mm.pa.putbackIsolatedPage(0x1028, 3);
    mm.checkInvariants();
  });

  it('refuses to turn sorting off while a region is masked, and checks the masked flags of the pcp lists', () => {
    const mm = boot(layout({ startPfn: 0x1000, nrPages: 64, maxOrder: 3, pageblockOrder: 3 }), {});
    mm.setRegionSorting(fourRegions);
    const rs = mm.pa.regionSort!;
    const p = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON));
    const q = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON));
    // q goes to the pcp list; masking its region without draining first is caught.
    mm.freePages(q, 0);
    expect(mm.pcp!.zoneCount(mm.zones.find((z) => z.populated)!.idx)).toBe(1);
    rs.setMasked(0, true);
    expect(() => mm.setRegionSorting(null)).toThrow(/regions are masked/);
    expect(() => mm.checkInvariants()).toThrow(/lies in a masked region/);
    rs.setMasked(0, false);
    mm.freePages(p, 0);
    mm.drainAllPages();
    mm.checkInvariants();
  });

  it('finds a list whose regions are out of order, and run ends that do not match the list', () => {
    const mm = small();
    const pages = Array.from({ length: 64 }, () => pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON)));
    mm.freePages(pages[2]!, 0);
    mm.freePages(pages[40]!, 0);
    mm.setRegionSorting(fourRegions);
    mm.checkInvariants();
    // Move region 0's page behind region 2's, behind the sorted lists' back.
    mm.memmap.listMoveTail(2, mm.pa.freeListHead(mm.zones.find((z) => z.name === 'DMA32')!.idx, 0, MIGRATE_MOVABLE));
    expect(() => mm.checkInvariants()).toThrow(/region 0 comes after a block of region 2/);
  });

  it('rejects a region map with too many regions or a region out of range', () => {
    const mm = small();
    expect(() => mm.setRegionSorting({ nrRegions: 257, boundaries: [], regionOf: () => 0 })).toThrow(/257 regions/);
    expect(() => mm.setRegionSorting({ nrRegions: 2, boundaries: [0x1010], regionOf: () => 2 })).toThrow(
      /has region 2, not in \[0, 2\)/,
    );
    expect(mm.pa.regionSort).toBeNull();
  });
});

// The property layout: 640 pages, two zones, 2 CPUs, blocks up to order 4 (16 pages) and
// regions cut every 8 pages at places, so that some blocks span two regions.
const PAGES = 640;
const START = 0x2000;
const propLayout = () =>
  layout({
    startPfn: START,
    nrPages: PAGES,
    zones: [
      { name: 'DMA32', startPfn: START, endPfn: START + 0x80 },
      { name: 'Normal', startPfn: START + 0x80, endPfn: START + PAGES },
    ],
    reserved: [{ name: 'kernel', startPfn: START + 3, endPfn: START + 7 }],
    maxOrder: 4,
    pageblockOrder: 2,
    nrCpus: 2,
    minFreeKbytes: 0,
  });
const propRegions = regionsAt(START, [40, 128, 200, 256, 384, 520]);
const regionBounds = [0, 40, 128, 200, 256, 384, 520, PAGES];

const GFPS = [GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_ATOMIC, GFP_HIGHUSER_MOVABLE];
const KINDS = [PageKind.KERNEL, PageKind.ANON, PageKind.SLAB_RECLAIMABLE, PageKind.KERNEL, PageKind.FILE_CLEAN];

type Op =
  | { t: 'alloc'; order: number; g: number; cpu: number }
  | { t: 'free'; i: number; cpu: number }
  | { t: 'drain' }
  | { t: 'isolate'; pb: number }
  | { t: 'mask'; r: number }
  | { t: 'sort' };

const ops = fc.array(
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        t: fc.constant('alloc' as const),
        order: fc.integer({ min: 0, max: 4 }),
        g: fc.integer({ min: 0, max: GFPS.length - 1 }),
        cpu: fc.integer({ min: 0, max: 1 }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({ t: fc.constant('free' as const), i: fc.nat(), cpu: fc.integer({ min: 0, max: 1 }) }),
    },
    { weight: 1, arbitrary: fc.constant({ t: 'drain' as const }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('isolate' as const), pb: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('mask' as const), r: fc.integer({ min: 0, max: 6 }) }) },
    { weight: 1, arbitrary: fc.constant({ t: 'sort' as const }) },
  ),
  { minLength: 50, maxLength: 250, size: 'max' },
);

interface Live {
  pfn: number;
  order: number;
}

/** Every block on a buddy free list: pfn -> order. */
function buddyBlocks(mm: MemoryManager): Map<number, number> {
  const out = new Map<number, number>();
  for (const z of mm.zones)
    for (let order = 0; order < mm.pa.nrOrders; order++)
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        const head = mm.pa.freeListHead(z.idx, order, mt);
        for (let n = mm.memmap.next(head); n !== head; n = mm.memmap.next(n)) out.set(n + mm.memmap.startPfn, order);
      }
  return out;
}

/** Pages of region r that are not free. */
function usedIn(mm: MemoryManager, r: number): number {
  let n = 0;
  for (let i = regionBounds[r]!; i < regionBounds[r + 1]!; i++) if (mm.memmap.kind(i) !== PageKind.FREE) n++;
  return n;
}

describe('region-sorted free lists: properties (fast-check)', () => {
  it('keep every list in region order and every page accounted under random alloc/free/drain/isolate sequences, pcp on and off, with and without an observer, with masked regions never handed out', () => {
    const seen = { unmaskAlloc: 0, unmaskIsolate: 0, spanning: 0 };
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), ops, (pcp, sortFirst, observed, seq) => {
        const mm = boot(propLayout(), { pcp });
        const problems: string[] = [];
        // With a free-list observer too (what the 2012 RFC hooked in): it must see every block
        // enter and leave the sorted lists.
        const mirror = buddyBlocks(mm);
        if (observed)
          mm.pa.freeListHook = (pfn, order, delta) => {
            if (delta === 1) {
              if (mirror.has(pfn)) problems.push(`+${pfn.toString(16)}/${order}: already free`);
              mirror.set(pfn, order);
            } else {
              if (mirror.get(pfn) !== order) problems.push(`-${pfn.toString(16)}/${order}: not free at that order`);
              mirror.delete(pfn);
            }
          };
        const turnOn = () => {
          mm.setRegionSorting(propRegions);
          mm.pa.regionSort!.onTakeMasked = (r, why) => {
            // The owner is told before anything of the region is handed out.
            if (usedIn(mm, r) > 0) problems.push(`region ${r} had used pages when unmasked for ${why}`);
          };
        };
        if (sortFirst) turnOn();
        const live: Live[] = [];
        for (const op of seq as Op[]) {
          const rs = mm.pa.regionSort;
          switch (op.t) {
            case 'alloc': {
              const r = mm.allocPages(op.order, GFPS[op.g]!, KINDS[op.g]!, op.cpu);
              if (typeof r === 'number') {
                live.push({ pfn: r, order: op.order });
                if (rs !== null && rs.regionOfIdx(r - START) !== rs.regionOfIdx(r - START + 2 ** op.order - 1))
                  seen.spanning++;
              }
              break;
            }
            case 'free': {
              if (live.length === 0) break;
              const [b] = live.splice(op.i % live.length, 1);
              mm.freePages(b!.pfn, b!.order, op.cpu);
              break;
            }
            case 'drain':
              mm.drainAllPages();
              break;
            case 'isolate': {
              const pfn = START + (op.pb % (PAGES / 4)) * 4;
              const isolated = mm.memmap.isPageblockIsolated(pfn);
              if (mm.pa.moveFreepagesBlockIsolate(pfn, !isolated) && !isolated) mm.drainAllPages();
              break;
            }
            case 'mask':
              // As a PASR policy does: an empty region is masked after the pcp lists are drained.
              if (rs !== null && usedIn(mm, op.r) === 0) {
                mm.drainAllPages();
                rs.setMasked(op.r, true);
              }
              break;
            case 'sort':
              if (rs === null) turnOn();
              else if (rs.nrMasked === 0) mm.setRegionSorting(null);
              break;
          }
          mm.checkInvariants();
          const now = mm.pa.regionSort;
          if (now !== null)
            for (let r = 0; r < 7; r++)
              if (now.masked[r] && usedIn(mm, r) > 0) problems.push(`masked region ${r} holds used pages`);
          expect(problems).toEqual([]);
        }
        const rs = mm.pa.regionSort;
        if (rs !== null) {
          seen.unmaskAlloc += rs.unmasked.alloc;
          seen.unmaskIsolate += rs.unmasked.isolate;
        }
        for (let pfn = START; pfn < START + PAGES; pfn += 4)
          if (mm.memmap.isPageblockIsolated(pfn)) mm.pa.moveFreepagesBlockIsolate(pfn, false);
        for (const b of live) mm.freePages(b.pfn, b.order);
        mm.drainAllPages();
        mm.checkInvariants();
        if (observed)
          expect([...mirror].sort((a, b) => a[0] - b[0])).toEqual([...buddyBlocks(mm)].sort((a, b) => a[0] - b[0]));
        // No page lost: every managed page is free again.
        expect(mm.nrFreePages()).toBe(mm.zones.reduce((s, z) => s + z.managedPages, 0));
      }),
      { numRuns: 50, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
    // The runs went through the paths that matter.
    expect(seen.unmaskAlloc).toBeGreaterThan(10);
    expect(seen.spanning).toBeGreaterThan(0);
  }, 90_000);
});
