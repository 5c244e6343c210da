/**
 * Memory holes: a node whose RAM is several ranges. Zones span the holes but only RAM is
 * present; pfn_valid() is false in a memory section without RAM; the frames of holes are
 * reserved and no allocator path, scanner or memory block hands them out or counts them.
 */
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../../hal/clock.js';
import { GFP_DMA32, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_MEMALLOC } from '../../../firmware/mm/gfp.js';
import { validateLayout, type MemoryLayout } from '../../../firmware/mm/layout.js';
import { MemoryManager } from '../../../firmware/mm/memory-manager.js';
import { MmMechanisms } from '../../../firmware/mm/mechanisms.js';
import { MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../../firmware/mm/migratetype.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { parsePagetypeinfo, parseZoneinfo } from '../../../firmware/mm/proc.js';
import { layout } from './helpers.js';
import { allocAll } from './mechanisms-fixture.js';

/**
 * Sections of 16 pages, pageblocks of 4, max order 3. RAM: [0x1001, 0x1008) and [0x1010, 0x1020)
 * (a hole at 0x1008-0x100f inside section 0x100), section 0x102 wholly a hole, [0x1030, 0x1040).
 */
function holeyLayout(over: Partial<MemoryLayout> = {}): MemoryLayout {
  return layout({
    startPfn: 0x1001,
    nrPages: 0x3f,
    ranges: [
      { startPfn: 0x1001, endPfn: 0x1008 },
      { startPfn: 0x1010, endPfn: 0x1020 },
      { startPfn: 0x1030, endPfn: 0x1040 },
    ],
    sectionOrder: 4,
    zones: [
      { name: 'DMA32', startPfn: 0x1001, endPfn: 0x1020 },
      { name: 'Normal', startPfn: 0x1020, endPfn: 0x1040 },
    ],
    ...over,
  });
}

const bootHoley = (over: Partial<MemoryLayout> = {}) => {
  const mm = new MemoryManager(holeyLayout(over), new SimClock(), { pcp: false });
  const mech = new MmMechanisms(mm, { daemons: 'manual', memoryBlockBytes: 16 * 4096 });
  return { mm, mech };
};

describe('memory holes: spanned, present and managed pages', () => {
  it('spans the holes, counts only RAM as present, and manages present minus reserved', () => {
    const { mm } = bootHoley({ reserved: [{ name: 'fw', startPfn: 0x1006, endPfn: 0x1012 }] });
    const [dma32, normal] = [mm.zones[1]!, mm.zones[2]!];
    expect([dma32.spannedPages, dma32.presentPages, dma32.managedPages]).toEqual([31, 7 + 16, 7 + 16 - 4]);
    expect([normal.spannedPages, normal.presentPages, normal.managedPages]).toEqual([32, 16, 16]);
    const zi = parseZoneinfo(mm.zoneinfo());
    expect(zi.filter((z) => z.spanned > 0).map((z) => [z.zone, z.spanned, z.present, z.managed])).toEqual([
      ['DMA32', 31, 23, 19],
      ['Normal', 32, 16, 16],
    ]);
    // The reservation over the hole counts only its RAM pages (0x1006, 0x1007, 0x1010, 0x1011).
    expect(mm.nrFreePages()).toBe(19 + 16);
    mm.checkInvariants();
  });

  it('has no struct page in a section without RAM; a hole inside a section has reserved frames', () => {
    const { mm } = bootHoley();
    const m = mm.memmap;
    expect([m.pfnValid(0x1008), m.pfnPresent(0x1008)]).toEqual([true, false]);
    expect([m.pfnValid(0x1025), m.pfnPresent(0x1025)]).toEqual([false, false]);
    expect([m.pfnValid(0x1030), m.pfnPresent(0x1030)]).toEqual([true, true]);
    expect(m.kind(0x1008 - m.startPfn)).toBe(PageKind.RESERVED);
    expect(m.nextValidPfn(0x1021)).toBe(0x1030);
    expect(mm.describePage(0x1025)).toMatch(/memory hole/);
    expect(mm.describePage(0x100a)).toMatch(/kind reserved.*in a memory hole/);
  });

  it('never hands out a hole frame: everything allocatable is the RAM', () => {
    const { mm } = bootHoley();
    const got = allocAll(mm, GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC, PageKind.ANON);
    expect(got.length).toBe(23 + 16);
    expect(got.every((p) => mm.memmap.pfnPresent(p))).toBe(true);
    for (const p of got) mm.freePages(p, 0);
    expect(mm.nrFreePages()).toBe(39);
    mm.checkInvariants();
  });

  it('catches a hole frame that is no longer reserved', () => {
    const { mm } = bootHoley();
    mm.memmap.setFlags(0x1009 - mm.memmap.startPfn, 0x10);
    expect(() => mm.checkInvariants()).toThrow(/pfn 0x1009 lies in a memory hole but has kind reserved and flags 0x10/);
  });

  it('leaves a pageblock whose first frame is a hole MIGRATE_UNMOVABLE and counts no pageblock of a section without RAM', () => {
    const { mm } = bootHoley();
    const types = [];
    for (let pfn = 0x1000; pfn < 0x1040; pfn += 4) types.push(mm.memmap.getPageblockMigratetype(pfn));
    const U = MIGRATE_UNMOVABLE;
    const M = MIGRATE_MOVABLE;
    expect(types).toEqual([U, M, U, U, M, M, M, M, U, U, U, U, M, M, M, M]);
    const pti = parsePagetypeinfo(mm.pagetypeinfo());
    // Normal spans 8 pageblocks; the 4 of section 0x102 have no struct page.
    expect(pti.zones.map((z) => [z.zone, z.blocks.reduce((a, b) => a + b, 0)])).toEqual([
      ['DMA32', 8],
      ['Normal', 4],
    ]);
  });

  it('keeps a zone that spans only holes unpopulated, with its span in zoneinfo', () => {
    const mm = new MemoryManager(
      holeyLayout({
        startPfn: 0x1000,
        nrPages: 0x40,
        ranges: [
          { startPfn: 0x1000, endPfn: 0x1010 },
          { startPfn: 0x1030, endPfn: 0x1040 },
        ],
        zones: [
          { name: 'DMA', startPfn: 0x1000, endPfn: 0x1010 },
          { name: 'DMA32', startPfn: 0x1010, endPfn: 0x1030 },
          { name: 'Normal', startPfn: 0x1030, endPfn: 0x1040 },
        ],
      }),
      new SimClock(),
      { pcp: false },
    );
    const dma32 = parseZoneinfo(mm.zoneinfo()).find((z) => z.zone === 'DMA32')!;
    expect([dma32.spanned, dma32.present, dma32.managed, dma32.detail]).toEqual([32, 0, 0, undefined]);
    // GFP_DMA32 falls back to ZONE_DMA.
    const p = mm.allocPages(0, GFP_DMA32 | GFP_KERNEL, PageKind.KERNEL);
    expect(typeof p === 'number' && p < 0x1010).toBe(true);
    mm.checkInvariants();
  });
});

describe('memory holes: scanners and memory blocks', () => {
  it('has no memory block for a section without RAM and refuses to offline a block with holes', () => {
    const { mech } = bootHoley();
    const hp = mech.hotplug;
    expect(hp.blockIds()).toEqual([0x100, 0x101, 0x103]);
    expect(hp.describeBlocks()).not.toMatch(/memory258/);
    expect(hp.offlineBlock(0x102)).toMatchObject({
      status: 'invalid',
      reason: 'memory258 does not exist (a memory hole)',
    });
    expect(hp.onlineBlock(0x102)).toMatchObject({
      status: 'invalid',
      reason: 'memory258 does not exist (a memory hole)',
    });
    expect(() => hp.blockState(0x102)).toThrow(/memory258 does not exist/);
    expect(hp.offlineBlock(0x100)).toMatchObject({
      status: 'invalid',
      reason: 'memory256 [0x1001, 0x1010) contains memory holes',
    });
    expect(hp.offlineBlock(0x103)).toMatchObject({ status: 'ok' });
    expect(hp.blocksIn('offline')).toEqual([0x103]);
    expect(hp.onlineBlock(0x103)).toMatchObject({ status: 'ok' });
    mech.checkInvariants();
  });

  it('cannot isolate or allocate a contiguous range over a hole', () => {
    const { mech } = bootHoley();
    const r = mech.contig.allocContigRange(0x1004, 0x100c);
    expect(r).toMatchObject({ ok: false, reason: 'unmovable page', pfn: 0x1008 });
    expect(r.ok ? '' : r.detail).toMatch(/^memory hole at pfn 0x1008/);
    expect(mech.contig.allocContigRange(0x1030, 0x1034)).toMatchObject({ ok: true, nrPages: 4 });
    mech.checkInvariants();
  });

  it('compacts a zone with a section-sized hole without scanning the hole', () => {
    const { mm, mech } = bootHoley();
    // Movable pages everywhere in Normal, then every other one freed: no order-1 block free.
    const all = allocAll(mm, GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC, PageKind.ANON).filter((p) => p >= 0x1020);
    for (const p of all) mech.lru.add(p);
    for (const p of all.filter((_, i) => i % 2 === 1)) mech.freePages(p, 0);
    const r = mech.compaction.compactZone(mm.zones[2]!, -1, { mode: 'sync', wholeZone: true });
    expect(r.migrated).toBeGreaterThan(0);
    expect(r.migrateScanned + r.freeScanned).toBeLessThanOrEqual(16);
    expect(mm.nrFree[2 * mm.nrOrders + 2]).toBeGreaterThan(0);
    mech.checkInvariants();
  });
});

describe('memory holes: layout checks', () => {
  it('names each problem with the RAM ranges', () => {
    expect(
      validateLayout(
        holeyLayout({
          ranges: [
            { startPfn: 0x1010, endPfn: 0x1020 },
            { startPfn: 0x1001, endPfn: 0x1008 },
            { startPfn: 0x1030, endPfn: 0x1041 },
          ],
        }),
      ),
    ).toEqual([
      'ranges[1]: range [0x1001, 0x1008) starts before the previous range ends (0x1020): ranges must be sorted and must not overlap',
      'ranges[2]: range [0x1030, 0x1041) is outside DRAM [0x1001, 0x1040)',
      'ranges: the first RAM range starts at 0x1010, not at startPfn 0x1001 (the node starts with its memory)',
      'ranges: the last RAM range ends at 0x1008, not at the end of the span 0x1040 (the node ends with its memory)',
    ]);
    expect(validateLayout(holeyLayout({ sectionOrder: 2 }))).toEqual([
      'sectionOrder: 2 is below maxOrder 3: a buddy block would cross a memory section',
    ]);
    expect(validateLayout(holeyLayout({ cma: [{ name: 'cma', startPfn: 0x1004, endPfn: 0x1010 }] }))).toEqual([
      'cma[0] (cma): range [0x1004, 0x1010) is not inside one RAM range (a CMA area cannot cover a hole)',
    ]);
  });
});
