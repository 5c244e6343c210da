import { describe, expect, it } from 'vitest';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../../firmware/mm/gfp.js';
import { PG_HEAD, PageKind } from '../../../firmware/mm/page-flags.js';
import { PAGE_RESIDENT } from '../../../firmware/mm/workingset.js';
import { boot, START_PFN } from './mechanisms-fixture.js';

describe('takeFreeBlock: a free block taken at a chosen pfn (take_page_off_buddy)', () => {
  it('cuts the block out of a larger free block, gives the rest back and keeps every count', () => {
    const { mm, mech } = boot({ pcp: false });
    const free0 = mm.nrFreePages();
    const at = START_PFN + 0x1000 + 4; // inside a free order-10 block, aligned for order 2
    expect(mech.contig.takeFreeBlock(at, 2, PageKind.KERNEL)).toBe(true);
    const i = at - START_PFN;
    expect(mm.memmap.kind(i)).toBe(PageKind.KERNEL);
    expect(mm.memmap.flags(i) & PG_HEAD).toBe(PG_HEAD);
    expect(mm.memmap.order(i)).toBe(2);
    expect(mm.nrFreePages()).toBe(free0 - 4);
    mech.checkInvariants();
    mm.freePages(at, 2);
    expect(mm.nrFreePages()).toBe(free0);
    mech.checkInvariants();
  });

  it('refuses a block with a page in use, and changes nothing', () => {
    const { mm, mech } = boot({ pcp: false });
    const used = mm.allocPages(0, GFP_KERNEL, PageKind.KERNEL) as number;
    const free0 = mm.nrFreePages();
    const block = used - (used % 4);
    expect(mech.contig.takeFreeBlock(block, 2, PageKind.KERNEL)).toBe(false);
    expect(mm.nrFreePages()).toBe(free0);
    // The reserved kernel image at the start of DRAM is in use too.
    expect(mech.contig.takeFreeBlock(START_PFN, 0, PageKind.KERNEL)).toBe(false);
    mech.checkInvariants();
  });

  it('drains a page parked on a per-cpu list before taking it', () => {
    const { mm, mech } = boot({ pcp: true });
    const p = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON) as number;
    mm.freePages(p, 0); // to the pcp list
    expect(mech.contig.takeFreeBlock(p, 0, PageKind.ANON)).toBe(true);
    expect(mm.memmap.kind(p - START_PFN)).toBe(PageKind.ANON);
    mech.checkInvariants();
  });
});

describe('adopt: a logical page installed in a frame its owner placed', () => {
  it('puts the page on the LRU under its id, so reclaim and migration can act on it, and release frees it', () => {
    const { mm, mech } = boot({ pcp: false });
    const pfn = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.FILE_CLEAN) as number;
    mech.ws.adopt(7, 'file', pfn);
    expect(mech.ws.state[7]).toBe(PAGE_RESIDENT);
    expect(mech.ws.pfnOfId(7)).toBe(pfn);
    expect(mech.lru.isOnLru(pfn)).toBe(true);
    mech.checkInvariants();
    expect(() => mech.ws.adopt(7, 'file', pfn)).toThrow(/logical page 7 is resident/);
    const anon = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON) as number;
    expect(() => mech.ws.adopt(8, 'file', anon)).toThrow(/not an allocated order-0 file page/);
    expect(mech.ws.release(7)).toBe(pfn);
    mech.checkInvariants();
  });
});
