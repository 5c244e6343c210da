import { describe, expect, it } from 'vitest';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../../firmware/mm/gfp.js';
import { ZONE_NORMAL } from '../../../firmware/mm/layout.js';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE } from '../../../firmware/mm/migratetype.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { START_PFN, allocAll, boot, isolatedPageblocks, occupyOnly } from './mechanisms-fixture.js';

const R = START_PFN + 4096;
const RE = R + 1024;

describe('page isolation', () => {
  it('isolates the pageblocks of a movable range and restores them exactly', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const free0 = mm.nrFreePages();
    const r = mech.isolation.startIsolatePageRange(R, RE, MIGRATE_MOVABLE);
    expect(r).toEqual({ ok: true, pageblocks: 2 });
    expect(mm.memmap.getPageblockMigratetype(R)).toBe(MIGRATE_ISOLATE);
    expect(mm.memmap.getPageblockMigratetype(R + 512)).toBe(MIGRATE_ISOLATE);
    expect(mm.nrFreePages()).toBe(free0 - 1024);
    expect(mech.isolation.testPagesIsolated(R, RE)).toBe(-1);
    expect(mech.isolation.startIsolatePageRange(R, RE, MIGRATE_MOVABLE)).toMatchObject({
      ok: false,
      reason: 'already isolated',
      pfn: R,
    });
    mech.isolation.undoIsolatePageRange(R, RE);
    expect(mm.memmap.getPageblockMigratetype(R)).toBe(MIGRATE_MOVABLE);
    expect(isolatedPageblocks(mm)).toBe(0);
    expect(mm.nrFreePages()).toBe(free0);
    // The two pageblocks merged back into their order-10 block.
    expect(Array.from(mm.pa.nrFree.subarray(ZONE_NORMAL * 11, ZONE_NORMAL * 11 + 11))).toEqual(
      Array.from(mm.bootNrFree.subarray(ZONE_NORMAL * 11, ZONE_NORMAL * 11 + 11)),
    );
    mech.checkInvariants();
  });

  it('fails on an unmovable page (has_unmovable_pages), reports its pfn and leaves nothing isolated', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const kept = occupyOnly(mm, R, RE);
    const victim = kept[700]!;
    mm.pa.setPageKind(victim, 1, PageKind.SLAB_UNRECLAIMABLE);
    const free0 = mm.nrFreePages();
    const r = mech.isolation.startIsolatePageRange(R, RE, MIGRATE_MOVABLE);
    expect(r).toMatchObject({ ok: false, reason: 'unmovable page', pfn: victim });
    expect(!r.ok && r.detail).toMatch(/slab_unreclaimable page at pfn/);
    expect(isolatedPageblocks(mm)).toBe(0);
    expect(mm.nrFreePages()).toBe(free0);
    mech.checkInvariants();
  });

  it('fails on a reserved page even in ZONE_MOVABLE, but passes other in-use pages there', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    // The memblock-reserved kernel image at the start of DRAM.
    expect(mech.isolation.startIsolatePageRange(START_PFN, START_PFN + 512, MIGRATE_MOVABLE)).toMatchObject({
      ok: false,
      pfn: START_PFN,
    });
    const { mm: mm2, mech: mech2 } = boot({ mib: 64, movableMib: 16 });
    const movStart = START_PFN + 48 * 256;
    const k = allocAll(mm2, GFP_HIGHUSER_MOVABLE, PageKind.ANON, 10);
    mm2.pa.setPageKind(k[0]!, 1, PageKind.KERNEL);
    expect(mm2.pa.zoneIdxOf(k[0]!)).toBe(3);
    const s = k[0]! - ((k[0]! - movStart) % 512);
    expect(mech2.isolation.startIsolatePageRange(s, s + 512, MIGRATE_MOVABLE).ok).toBe(true);
    mech2.isolation.undoIsolatePageRange(s, s + 512);
    expect(isolatedPageblocks(mm2)).toBe(0);
    expect(isolatedPageblocks(mm)).toBe(0);
    mech2.checkInvariants();
  });
});

describe('alloc_contig_range / free_contig_range', () => {
  it('migrates movable pages and drops clean page cache out of the range, then hands it out', () => {
    const { mm, mech, clock } = boot({ mib: 64, movableMib: 0 });
    const kept = occupyOnly(mm, R, RE);
    for (let k = 0; k < 100; k++) mm.pa.setPageKind(kept[k]!, 1, PageKind.FILE_CLEAN);
    const t0 = clock.nowNs;
    const r = mech.contig.allocContigRange(R, RE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.discarded).toBe(100);
    expect(r.migrated).toBe(kept.length - 100);
    for (let p = R; p < RE; p++) expect(mm.memmap.kind(p - mm.memmap.startPfn)).toBe(PageKind.KERNEL);
    expect(isolatedPageblocks(mm)).toBe(0);
    // Cost: 2 pageblocks isolated, 100 pages discarded at 0.7 ms/MB, the rest migrated at 14.6 ms/MB.
    const c = mech.costs;
    const expected =
      2 * c.get('isolate.pageblockNs') + 100 * c.contigDiscardPageNs + (kept.length - 100) * c.contigMigratePageNs;
    expect(clock.nowNs - t0).toBeCloseTo(expected, 0);
    expect(r.ns).toBeCloseTo(expected, 0);
    mech.checkInvariants();
    mech.contig.freeContigRange(R, 1024);
    mech.checkInvariants();
    expect(() => mech.contig.freeContigRange(R, 1)).toThrow(/not an allocated order-0 page/);
  });

  it('fails on an unmovable page and leaves no pageblock isolated', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const kept = occupyOnly(mm, R, RE);
    mm.pa.setPageKind(kept[10]!, 1, PageKind.PAGE_TABLE);
    const free0 = mm.nrFreePages();
    const r = mech.contig.allocContigRange(R, RE);
    expect(r).toMatchObject({ ok: false, reason: 'unmovable page', pfn: kept[10] });
    expect(isolatedPageblocks(mm)).toBe(0);
    expect(mm.nrFreePages()).toBe(free0);
    mech.checkInvariants();
  });

  it('reports busy at a pinned page after migrating the rest, and un-isolates', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const kept = occupyOnly(mm, R, RE);
    mech.migrator.pin(kept[500]!);
    const r = mech.contig.allocContigRange(R, RE);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('busy');
    expect(r.pfn).toBe(kept[500]);
    expect(r.detail).toMatch(/pinned anon page/);
    expect(isolatedPageblocks(mm)).toBe(0);
    mech.checkInvariants();
  });

  it('handles a range that is not pageblock-aligned and free blocks that straddle its ends', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const s = R + 100;
    const e = R + 700;
    const r = mech.contig.allocContigRange(s, e);
    expect(r.ok).toBe(true);
    expect(mm.memmap.kind(s - 1 - mm.memmap.startPfn)).toBe(PageKind.FREE);
    expect(mm.memmap.kind(e - mm.memmap.startPfn)).toBe(PageKind.FREE);
    expect(isolatedPageblocks(mm)).toBe(0);
    mech.checkInvariants();
    mech.contig.freeContigRange(s, e - s);
    mm.drainAllPages();
    expect(Array.from(mm.pa.nrFree)).toEqual(Array.from(mm.bootNrFree));
  });

  it('refuses a range that spans zones, and a malformed range', () => {
    const { mech } = boot({ mib: 64, movableMib: 16 });
    const movStart = START_PFN + 48 * 256;
    expect(mech.contig.allocContigRange(movStart - 512, movStart + 512)).toMatchObject({
      ok: false,
      reason: 'range spans zones',
    });
    expect(() => mech.contig.allocContigRange(10, 5)).toThrow(/empty or outside DRAM/);
  });
});

describe('CMA', () => {
  it('allocates from a CMA area by migrating movable pages out, and releases', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0, cmaMib: 8 });
    const area = mech.cma.areas[0]!;
    expect(area).toMatchObject({ name: 'reserved', count: 2048 });
    expect(mm.memmap.getPageblockMigratetype(area.basePfn)).toBe(MIGRATE_CMA);
    // Unmovable allocations never land in CMA; movable ones may.
    const all = allocAll(mm, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    const inCma = all.filter((p) => p >= area.basePfn && p < area.endPfn).length;
    expect(inCma).toBeGreaterThan(1000);
    for (const p of all.slice(0, 6000)) mm.freePages(p, 0);
    const r = mech.cma.cmaAlloc('reserved', 256, 8);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect((r.pfn - area.basePfn) % 256).toBe(0);
    expect(area.used).toBe(256);
    expect(mech.cma.allocSuccess).toBe(1);
    expect(mm.events.pgmigrate_success).toBeGreaterThan(0);
    // Blocks of a CMA area never change type.
    expect(mm.memmap.getPageblockMigratetype(r.pfn)).toBe(MIGRATE_CMA);
    mech.checkInvariants();
    expect(mech.cma.cmaRelease('reserved', r.pfn, 256)).toBe(true);
    expect(area.used).toBe(0);
    expect(mech.cma.cmaRelease('reserved', area.basePfn - 1, 1)).toBe(false);
    mech.checkInvariants();
  });

  it('retries at the next aligned offset when a range is busy (a pinned page)', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0, cmaMib: 8 });
    const area = mech.cma.areas[0]!;
    const all = allocAll(mm, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    for (const p of all.filter((q) => q < area.basePfn || q >= area.endPfn).slice(0, 6000)) mm.freePages(p, 0);
    const first = all.find((p) => p >= area.basePfn && p < area.basePfn + 256);
    expect(first).toBeDefined();
    mech.migrator.pin(first!);
    const r = mech.cma.cmaAlloc(area, 256, 8);
    expect(r).toMatchObject({ ok: true, tries: 2, pfn: area.basePfn + 256 });
    expect(isolatedPageblocks(mm)).toBe(0);
    mech.checkInvariants();
  });

  it('fails cleanly when no aligned run is free in the bitmap', () => {
    const { mech } = boot({ mib: 64, movableMib: 0, cmaMib: 2 });
    expect(mech.cma.cmaAlloc('reserved', 512).ok).toBe(true);
    const r = mech.cma.cmaAlloc('reserved', 1);
    expect(r).toMatchObject({ ok: false, reason: 'no free range' });
    expect(mech.cma.allocFail).toBe(1);
    expect(() => mech.cma.area('nope')).toThrow(/CMA area 'nope' does not exist; areas: reserved/);
    mech.checkInvariants();
  });

  it('keeps unmovable allocations out of CMA pageblocks', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0, cmaMib: 8 });
    const area = mech.cma.areas[0]!;
    const all = allocAll(mm, GFP_KERNEL, PageKind.KERNEL);
    expect(all.some((p) => p >= area.basePfn && p < area.endPfn)).toBe(false);
    mech.checkInvariants();
  });
});
