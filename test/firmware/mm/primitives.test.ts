import { describe, expect, it } from 'vitest';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../../firmware/mm/gfp.js';
import { MemMap } from '../../../firmware/mm/memmap.js';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../../firmware/mm/migratetype.js';
import { PG_HEAD, PG_PINNED, PageKind } from '../../../firmware/mm/page-flags.js';
import { boot, freeList, layout, nrFree, pfnOf } from './helpers.js';

describe('memmap', () => {
  it('threads circular lists through page slots like struct list_head', () => {
    const mm = new MemMap(0x100, 8, 2, 2);
    const h = mm.allocListHeads(1);
    expect(h).toBe(8);
    expect(mm.listEmpty(h)).toBe(true);
    mm.listAdd(3, h);
    mm.listAddTail(5, h);
    mm.listAdd(1, h);
    expect([mm.listFirst(h), mm.next(1), mm.next(3), mm.next(5), mm.listLast(h)]).toEqual([1, 3, 5, h, 5]);
    mm.listDel(3);
    expect([mm.next(1), mm.prev(5), mm.next(3)]).toEqual([5, 1, -1]);
    mm.listMoveTail(1, h);
    expect([mm.listFirst(h), mm.listLast(h), mm.listCount(h)]).toEqual([5, 1, 2]);
    expect(() => mm.allocListHeads(2)).toThrow(/out of list heads \(asked 2, 1 left\)/);
  });

  it('keeps per-page fields apart in one 12-byte slot', () => {
    const mm = new MemMap(0, 4, 1, 0);
    mm.setKindRaw(2, PageKind.ANON);
    mm.setOrderRaw(2, 7);
    mm.setFlags(2, PG_HEAD);
    mm.changeFlags(2, PG_PINNED, true);
    mm.setAge(2, 200);
    expect([mm.kind(2), mm.order(2), mm.flags(2), mm.age(2)]).toEqual([PageKind.ANON, 7, PG_HEAD | PG_PINNED, 200]);
    expect([mm.kind(1), mm.kind(3), mm.flags(1), mm.flags(3)]).toEqual([0, 0, 0, 0]);
    mm.changeFlags(2, PG_HEAD, false);
    expect(mm.flags(2)).toBe(PG_PINNED);
  });

  it('stores MIGRATE_ISOLATE as a bit over the pageblock type, as v6.16+ does', () => {
    const mm = new MemMap(0x1000, 64, 3, 0);
    mm.setPageblockMigratetype(0x1008, MIGRATE_CMA);
    mm.setPageblockMigratetype(0x100f, MIGRATE_ISOLATE);
    expect([
      mm.getPageblockMigratetype(0x1008),
      mm.getPageblockRawMigratetype(0x1008),
      mm.isPageblockIsolated(0x1009),
    ]).toEqual([MIGRATE_ISOLATE, MIGRATE_CMA, true]);
    mm.clearPageblockIsolate(0x1008);
    expect(mm.getPageblockMigratetype(0x1008)).toBe(MIGRATE_CMA);
    expect(mm.getPageblockMigratetype(0x1000)).toBe(0);
  });

  it('costs at most 16 bytes per page, including pageblock flags and list heads', () => {
    const mm = boot(layout({ nrPages: 1 << 16, maxOrder: 10, pageblockOrder: 9, nrCpus: 8 }), {});
    expect(mm.bytesPerPage()).toBeLessThanOrEqual(16);
    expect(mm.bytesPerPage()).toBeGreaterThan(12);
  });
});

describe('primitives for isolation, migration and compaction', () => {
  it('isolates a pageblock covered by a larger free block by splitting that block, and undoes it', () => {
    const mm = boot(layout()); // max order 3 (8 pages), pageblock order 2 (4 pages)
    const z = mm.zones[1]!;
    expect(mm.pa.moveFreepagesBlockIsolate(0x100c, true)).toBe(true);
    expect(mm.memmap.getPageblockMigratetype(0x100c)).toBe(MIGRATE_ISOLATE);
    expect(freeList(mm, 'DMA32', 2, MIGRATE_ISOLATE)).toEqual([0x100c]);
    expect(freeList(mm, 'DMA32', 2, MIGRATE_MOVABLE)).toEqual([0x1008]);
    expect(z.nrFreePages).toBe(28); // isolated free pages are not NR_FREE_PAGES
    expect(mm.pa.moveFreepagesBlockIsolate(0x100c, true)).toBe(false); // already isolated
    mm.checkInvariants();
    expect(mm.pa.moveFreepagesBlockIsolate(0x100c, false)).toBe(true);
    expect(mm.memmap.getPageblockMigratetype(0x100c)).toBe(MIGRATE_MOVABLE);
    expect(z.nrFreePages).toBe(32);
    mm.checkInvariants();
  });

  it('sends pages freed into an isolated pageblock to the ISOLATE list, even through the pcp path', () => {
    const mm = boot(layout({ nrPages: 1024, maxOrder: 3, pageblockOrder: 3 }), {});
    const p = pfnOf(mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON));
    mm.drainAllPages();
    mm.pa.moveFreepagesBlockIsolate(p, true);
    mm.freePages(p, 0);
    expect(p).toBe(0x1000);
    expect(freeList(mm, 'DMA32', 3, MIGRATE_ISOLATE)).toEqual([0x1000]); // merged within the isolated pageblock
    expect(mm.pa.pcp!.count[1]).toBe(0);
    mm.checkInvariants();
  });

  it('takes a free block off the lists for its caller and puts it back (__isolate_free_page)', () => {
    const mm = boot(layout({ minFreeKbytes: 4 })); // min watermark 1 page
    expect(mm.pa.findFreeBlock(0x100a)).toBe(0x1008);
    expect(mm.pa.isolateFreePage(0x1008, 3)).toBe(8);
    expect(mm.pa.findFreeBlock(0x100a)).toBe(-1);
    expect(nrFree(mm, 'DMA32')).toEqual([0, 0, 0, 3]);
    mm.pa.putbackIsolatedPage(0x1008, 3);
    mm.checkInvariants();
    // A block the caller keeps becomes an allocation of its own.
    expect(mm.pa.isolateFreePage(0x1010, 3)).toBe(8);
    mm.pa.markAllocated(0x1010, 3, PageKind.ANON);
    mm.pa.splitPage(0x1010, 3);
    for (let i = 0; i < 8; i++) mm.freePages(0x1010 + i, 0);
    expect(nrFree(mm, 'DMA32')).toEqual([0, 0, 0, 4]);
    expect(() => mm.pa.isolateFreePage(0x1001, 0)).toThrow(
      /pfn 0x1001 is not a free order-0 block \(kind free, flags 0x0, inside the free order-3 block at 0x1000\)/,
    );
    mm.checkInvariants();
  });

  it('refuses to isolate a free page that would take the zone below its min watermark', () => {
    const mm = boot(layout({ minFreeKbytes: 100 })); // min 25 of 32 pages
    expect(mm.pa.isolateFreePage(0x1000, 3)).toBe(0);
    expect(nrFree(mm, 'DMA32')).toEqual([0, 0, 0, 4]);
  });

  it('changes owner kinds with their per-zone counts', () => {
    const mm = boot(layout());
    const p = pfnOf(mm.allocPages(1, GFP_KERNEL, PageKind.KERNEL));
    mm.pa.setPageKind(p, 2, PageKind.PAGE_TABLE);
    expect(mm.zones[1]!.nrKind[PageKind.PAGE_TABLE]).toBe(2);
    expect(mm.zones[1]!.nrKind[PageKind.KERNEL]).toBe(0);
    expect(mm.memmap.getPageblockMigratetype(p)).toBe(MIGRATE_UNMOVABLE);
    expect(() => mm.pa.setPageKind(p + 2, 1, PageKind.ANON)).toThrow(/pfn 0x1002 is free/);
    mm.checkInvariants();
  });
});
