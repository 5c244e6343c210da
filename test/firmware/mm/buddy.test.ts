import { describe, expect, it } from 'vitest';
import { GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_RECLAIMABLE } from '../../../firmware/mm/gfp.js';
import {
  MIGRATE_CMA,
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
} from '../../../firmware/mm/migratetype.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { boot, freeList, layout, nrFree, pfnOf } from './helpers.js';

const ANON = PageKind.ANON;
const KERNEL = PageKind.KERNEL;
const mtOf = (mm: ReturnType<typeof boot>, pfn: number): number => mm.memmap.getPageblockMigratetype(pfn);

// Hand-checked cases, worked out from mm/page_alloc.c (v6.18): __rmqueue_smallest() takes the
// head of the smallest non-empty list, expand() puts upper halves at the head of lower lists,
// __free_one_page() merges with pfn ^ (1 << order) and buddy_merge_likely() chooses the tail.

describe('buddy allocator: split and merge (layout: 32 pages at 0x1000, MAX_PAGE_ORDER 3, pageblock order 2)', () => {
  it('boots with every max-order block free on the MOVABLE list, in address order', () => {
    const mm = boot(layout());
    expect(nrFree(mm, 'DMA32')).toEqual([0, 0, 0, 4]);
    expect(freeList(mm, 'DMA32', 3, MIGRATE_MOVABLE)).toEqual([0x1000, 0x1008, 0x1010, 0x1018]);
    mm.checkInvariants();
  });

  it('splits the first max-order block and puts the upper halves on the lower lists', () => {
    const mm = boot(layout());
    expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON))).toBe(0x1000);
    expect(nrFree(mm, 'DMA32')).toEqual([1, 1, 1, 3]);
    expect(freeList(mm, 'DMA32', 0, MIGRATE_MOVABLE)).toEqual([0x1001]);
    expect(freeList(mm, 'DMA32', 1, MIGRATE_MOVABLE)).toEqual([0x1002]);
    expect(freeList(mm, 'DMA32', 2, MIGRATE_MOVABLE)).toEqual([0x1004]);
    expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON))).toBe(0x1001);
    expect(pfnOf(mm.allocPages(1, GFP_HIGHUSER_MOVABLE, ANON))).toBe(0x1002);
    expect(nrFree(mm, 'DMA32')).toEqual([0, 0, 1, 3]);
    mm.checkInvariants();
  });

  it('merges a freed block with its buddy at pfn ^ (1 << order), order by order, up to MAX_PAGE_ORDER', () => {
    const mm = boot(layout());
    const a = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON)); // 0x1000
    const b = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON)); // 0x1001
    const c = pfnOf(mm.allocPages(1, GFP_HIGHUSER_MOVABLE, ANON)); // 0x1002
    mm.freePages(b, 0); // buddy 0x1000 in use: no merge
    expect(nrFree(mm, 'DMA32')).toEqual([1, 0, 1, 3]);
    mm.freePages(a, 0); // merges with 0x1001 into order 1 at 0x1000; 0x1002 in use
    expect(nrFree(mm, 'DMA32')).toEqual([0, 1, 1, 3]);
    expect(freeList(mm, 'DMA32', 1, MIGRATE_MOVABLE)).toEqual([0x1000]);
    mm.freePages(c, 1); // 0x1000|0x1002 -> order 2, + 0x1004 -> order 3
    expect(nrFree(mm, 'DMA32')).toEqual([0, 0, 0, 4]);
    // A MAX_PAGE_ORDER - 1 or larger block goes to the head (buddy_merge_likely() is false).
    expect(freeList(mm, 'DMA32', 3, MIGRATE_MOVABLE)).toEqual([0x1000, 0x1008, 0x1010, 0x1018]);
    mm.checkInvariants();
  });

  it('puts a freed block at the tail when the buddy of its parent is free (buddy_merge_likely), else at the head', () => {
    const mm = boot(layout());
    const p1 = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON));
    const p2 = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON));
    const p3 = pfnOf(mm.allocPages(1, GFP_HIGHUSER_MOVABLE, ANON));
    const p4 = pfnOf(mm.allocPages(2, GFP_HIGHUSER_MOVABLE, ANON));
    expect([p1, p2, p3, p4]).toEqual([0x1000, 0x1001, 0x1002, 0x1004]);
    expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON))).toBe(0x1008);
    expect(freeList(mm, 'DMA32', 0, MIGRATE_MOVABLE)).toEqual([0x1009]);
    expect(freeList(mm, 'DMA32', 1, MIGRATE_MOVABLE)).toEqual([0x100a]);
    // 0x1002's buddy (0x1000, order 1) is in use, and its parent's buddy 0x1004 too: head.
    mm.freePages(p3, 1);
    expect(freeList(mm, 'DMA32', 1, MIGRATE_MOVABLE)).toEqual([0x1002, 0x100a]);
    // 0x1000's buddy 0x1001 is in use, but its parent's buddy (0x1002, order 1) is free: tail.
    mm.freePages(p1, 0);
    expect(freeList(mm, 'DMA32', 0, MIGRATE_MOVABLE)).toEqual([0x1009, 0x1000]);
    mm.freePages(p2, 0); // 0x1000..0x1003 merge to order 2; 0x1004 in use
    expect(freeList(mm, 'DMA32', 2, MIGRATE_MOVABLE)).toEqual([0x1000, 0x100c]);
    mm.freePages(p4, 2);
    mm.checkInvariants();
  });

  it('never merges buddies of different zones', () => {
    const l = layout({
      zones: [
        { name: 'DMA32', startPfn: 0x1000, endPfn: 0x1004 },
        { name: 'Normal', startPfn: 0x1004, endPfn: 0x1020 },
      ],
    });
    const mm = boot(l);
    expect(nrFree(mm, 'DMA32')).toEqual([0, 0, 1, 0]);
    expect(nrFree(mm, 'Normal')).toEqual([0, 0, 1, 3]);
    mm.checkInvariants();
  });

  it('keeps reserved ranges out of the free lists and frees the rest in the largest aligned blocks', () => {
    const mm = boot(layout({ reserved: [{ name: 'kernel', startPfn: 0x1003, endPfn: 0x1005 }] }));
    // 0x1000 order 1, 0x1002 order 0, [reserved 0x1003-0x1004], 0x1005 order 0, 0x1006 order 1, then 3 x order 3
    expect(nrFree(mm, 'DMA32')).toEqual([2, 2, 0, 3]);
    expect(mm.zones[1]!.managedPages).toBe(30);
    expect(mm.zones[1]!.nrKind[PageKind.RESERVED]).toBe(2);
    mm.checkInvariants();
  });
});

describe('buddy allocator: migratetype fallback (pageblock stealing and claiming, v6.15+ rules)', () => {
  // 16 pages, MAX_PAGE_ORDER 2 = pageblock order 2: four pageblocks of four pages.
  const small = (over = {}) => layout({ nrPages: 16, maxOrder: 2, pageblockOrder: 2, ...over });

  it('an UNMOVABLE request with no unmovable pages claims a whole free MOVABLE pageblock', () => {
    const mm = boot(small());
    expect(pfnOf(mm.allocPages(0, GFP_KERNEL, KERNEL))).toBe(0x1000);
    expect(mtOf(mm, 0x1000)).toBe(MIGRATE_UNMOVABLE);
    expect(freeList(mm, 'DMA32', 0, MIGRATE_UNMOVABLE)).toEqual([0x1001]);
    expect(freeList(mm, 'DMA32', 1, MIGRATE_UNMOVABLE)).toEqual([0x1002]);
    expect(freeList(mm, 'DMA32', 2, MIGRATE_MOVABLE)).toEqual([0x1004, 0x1008, 0x100c]);
    expect(mm.events.fallback_claim).toBe(1);
    mm.checkInvariants();
  });

  it('a MOVABLE order-0 request steals a lone page from an UNMOVABLE block without retyping it', () => {
    const mm = boot(small());
    pfnOf(mm.allocPages(0, GFP_KERNEL, KERNEL)); // claims 0x1000
    expect(pfnOf(mm.allocPages(1, GFP_KERNEL, KERNEL))).toBe(0x1002);
    for (let i = 0; i < 12; i++) pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON)); // all MOVABLE pages
    // Only 0x1001 is free, on the UNMOVABLE order-0 list. order 0 < pageblock_order / 2 = 1, so
    // a movable request may not claim the block: __rmqueue_steal() takes the page.
    expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON))).toBe(0x1001);
    expect(mtOf(mm, 0x1000)).toBe(MIGRATE_UNMOVABLE);
    expect(mm.events.fallback_steal).toBe(1);
    mm.checkInvariants();
  });

  it('searches fallback lists from the largest order down, in the fallbacks[] order', () => {
    const mm = boot(small());
    const u = pfnOf(mm.allocPages(0, GFP_KERNEL, KERNEL)); // 0x1000 becomes UNMOVABLE
    mm.freePages(u, 0); // merges back to an order-2 block on the UNMOVABLE list
    expect(freeList(mm, 'DMA32', 2, MIGRATE_UNMOVABLE)).toEqual([0x1000]);
    // RECLAIMABLE falls back to UNMOVABLE before MOVABLE (fallbacks[MIGRATE_RECLAIMABLE]).
    expect(pfnOf(mm.allocPages(0, GFP_KERNEL | __GFP_RECLAIMABLE, PageKind.SLAB_RECLAIMABLE))).toBe(0x1000);
    expect(mtOf(mm, 0x1000)).toBe(MIGRATE_RECLAIMABLE);
    expect(mtOf(mm, 0x1004)).toBe(MIGRATE_MOVABLE);
    mm.checkInvariants();
  });

  it('prefers a larger block of a later fallback type over a smaller block of an earlier one', () => {
    const mm = boot(small());
    pfnOf(mm.allocPages(0, GFP_KERNEL, KERNEL)); // UNMOVABLE block 0x1000 with free order 0 and 1
    // RECLAIMABLE: order 2 is searched first; only MOVABLE has order-2 blocks.
    expect(pfnOf(mm.allocPages(0, GFP_KERNEL | __GFP_RECLAIMABLE, PageKind.SLAB_RECLAIMABLE))).toBe(0x1004);
    expect(mtOf(mm, 0x1004)).toBe(MIGRATE_RECLAIMABLE);
    mm.checkInvariants();
  });

  // 16 pages, MAX_PAGE_ORDER 3 = pageblock order 3: two pageblocks of eight pages.
  const twoBlocks = () => {
    const mm = boot(layout({ nrPages: 16, maxOrder: 3, pageblockOrder: 3 }));
    const pfns: number[] = [];
    for (let i = 0; i < 16; i++) pfns.push(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON)));
    expect(pfns).toEqual(Array.from({ length: 16 }, (_, i) => 0x1000 + i));
    return mm;
  };

  it('claims a partly used MOVABLE pageblock for UNMOVABLE when at least half of it is free', () => {
    const mm = twoBlocks();
    for (const p of [0x1008, 0x1009, 0x100a, 0x100b]) mm.freePages(p, 0); // 4 free + 4 anon
    expect(pfnOf(mm.allocPages(0, GFP_KERNEL, KERNEL))).toBe(0x1008);
    expect(mtOf(mm, 0x1008)).toBe(MIGRATE_UNMOVABLE);
    expect(freeList(mm, 'DMA32', 0, MIGRATE_UNMOVABLE)).toEqual([0x1009]);
    expect(freeList(mm, 'DMA32', 1, MIGRATE_UNMOVABLE)).toEqual([0x100a]);
    expect(mm.events.fallback_claim).toBe(1);
    mm.checkInvariants();
  });

  it('steals without claiming when free + compatible pages are fewer than half the pageblock', () => {
    const mm = twoBlocks();
    for (const p of [0x1008, 0x1009, 0x100a]) mm.freePages(p, 0); // 3 free + 5 anon
    expect(pfnOf(mm.allocPages(0, GFP_KERNEL, KERNEL))).toBe(0x100a);
    expect(mtOf(mm, 0x1008)).toBe(MIGRATE_MOVABLE);
    expect(mm.events.fallback_claim).toBe(0);
    expect(mm.events.fallback_steal).toBe(1);
    mm.checkInvariants();
  });

  it('counts non-movable pages in a MOVABLE block as compatible with an UNMOVABLE request', () => {
    const mm = twoBlocks();
    for (const p of [0x1008, 0x1009, 0x100a]) mm.freePages(p, 0); // 3 free
    mm.pa.setPageKind(0x100f, 1, KERNEL); // 4 anon + 1 kernel: free + alike = 3 + 1 = 4
    expect(pfnOf(mm.allocPages(0, GFP_KERNEL, KERNEL))).toBe(0x100a);
    expect(mtOf(mm, 0x1008)).toBe(MIGRATE_UNMOVABLE);
    expect(mm.events.fallback_claim).toBe(1);
    mm.checkInvariants();
  });

  it('never falls back into CMA for unmovable requests, and balances movable ones into CMA', () => {
    const mm = boot(small({ cma: [{ name: 'cma0', startPfn: 0x1008, endPfn: 0x1010 }] }));
    expect(freeList(mm, 'DMA32', 2, MIGRATE_CMA)).toEqual([0x1008, 0x100c]);
    // Movable: CMA is used first once it holds more than half of the free pages.
    expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON))).toBe(0x1000); // 8 CMA of 16 free: not more than half
    expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON))).toBe(0x1008); // 8 CMA of 15 free
    for (let i = 0; i < 7; i++) expect(pfnOf(mm.allocPages(0, GFP_KERNEL, KERNEL))).toBeLessThan(0x1008); // the 7 other free pages
    const r = mm.allocPages(0, GFP_KERNEL, KERNEL);
    expect(r).toMatchObject({ ok: false, order: 0, zone: 'DMA32', reason: 'watermark' });
    expect(mm.zones[1]!.nrFreeCma).toBe(7);
    expect(mtOf(mm, 0x1008)).toBe(MIGRATE_CMA);
    mm.checkInvariants();
  });

  it('with ALLOC_NOFRAGMENT, an UNMOVABLE request in ZONE_NORMAL takes a whole pageblock from DMA32 rather than fragment Normal', () => {
    const zones = [
      { name: 'DMA32' as const, startPfn: 0x1000, endPfn: 0x1010 },
      { name: 'Normal' as const, startPfn: 0x1010, endPfn: 0x1020 },
    ];
    for (const configZoneDma32 of [true, false]) {
      const mm = boot(layout({ nrPages: 32, maxOrder: 2, pageblockOrder: 2, zones }), { pcp: false, configZoneDma32 });
      for (let i = 0; i < 15; i++)
        expect(pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON))).toBeGreaterThanOrEqual(0x1010);
      const p = pfnOf(mm.allocPages(0, GFP_KERNEL, KERNEL));
      if (configZoneDma32) {
        expect(p).toBe(0x1000);
        expect(mtOf(mm, 0x1000)).toBe(MIGRATE_UNMOVABLE);
      } else {
        expect(p).toBe(0x101f); // the last free Normal page, stolen
        expect(mtOf(mm, 0x101c)).toBe(MIGRATE_MOVABLE);
      }
      mm.checkInvariants();
    }
  });
});

describe('buddy allocator: HIGHATOMIC reserve', () => {
  it('reserves the pageblock of a high-order atomic allocation made below the low watermark, and serves later ones from it', () => {
    // 1024 pages, pageblock order 3; min_free_kbytes 128 -> min 32, low 40.
    const mm = boot(layout({ nrPages: 1024, maxOrder: 3, pageblockOrder: 3, minFreeKbytes: 128 }));
    const z = mm.zones[1]!;
    expect([z.watermark[0], z.watermark[1]]).toEqual([32, 40]);
    while (typeof mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON) === 'number');
    expect(z.nrFreePages).toBe(32);
    const p = pfnOf(mm.allocPages(1, GFP_ATOMIC, KERNEL));
    expect(mtOf(mm, p)).toBe(MIGRATE_HIGHATOMIC);
    expect(z.nrReservedHighatomic).toBe(8);
    expect(z.nrFreeHighatomic).toBe(6);
    const q = pfnOf(mm.allocPages(1, GFP_ATOMIC, KERNEL));
    expect(q - (q % 8)).toBe(p - (p % 8));
    mm.checkInvariants();
  });
});

describe('buddy allocator: per-cpu lists', () => {
  it('drains min(batch, high - batch) pages to the buddy lists when a free brings count to high', () => {
    const mm = boot(layout({ nrPages: 4096, maxOrder: 10, pageblockOrder: 9, nrCpus: 2 }), {});
    const z = mm.zones[1]!;
    const count = (): number => mm.pa.pcp!.count[z.idx * 2 + 1]!;
    expect(z.pcpBatch).toBe(1); // zone_batchsize(): 4096 >> 12 = 1 -> rounddown_pow_of_two(1) - 1 = 0 -> 1
    expect(z.pcpHigh).toBe(4); // max(low 4 / 2 CPUs, 4 * batch)
    const pfns = [0, 1, 2, 3].map(() => pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON, 1)));
    expect(count()).toBe(0); // each refill moved one page, which was allocated
    mm.freePages(pfns[0]!, 0, 1);
    mm.freePages(pfns[1]!, 0, 1);
    mm.freePages(pfns[2]!, 0, 1);
    expect(count()).toBe(3);
    mm.freePages(pfns[3]!, 0, 1); // count 4 >= high 4: drain one page
    expect(count()).toBe(3);
    mm.checkInvariants();
    mm.drainAllPages();
    expect(count()).toBe(0);
    expect(mm.pa.nrFree).toEqual(mm.bootNrFree);
    mm.checkInvariants();
  });

  it('keeps freed order-0 pages on the pcp list (not in NR_FREE_PAGES) until drained', () => {
    const mm = boot(layout({ nrPages: 1 << 16, maxOrder: 10, pageblockOrder: 9, nrCpus: 1 }), {});
    const z = mm.zones[1]!;
    expect(z.pcpBatch).toBe(15); // 65536 >> 12 = 16 -> rounddown_pow_of_two(24) - 1
    const before = z.nrFreePages;
    const p = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, ANON));
    expect(mm.pa.pcp!.count[z.idx]).toBe(14);
    expect(z.nrFreePages).toBe(before - 15);
    mm.freePages(p, 0);
    expect(z.nrFreePages).toBe(before - 15);
    mm.drainAllPages();
    expect(z.nrFreePages).toBe(before);
    mm.checkInvariants();
  });
});
