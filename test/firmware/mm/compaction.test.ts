import { describe, expect, it } from 'vitest';
import { extfragForOrder, fragmentationIndex, fragmentationIndexOf } from '../../../firmware/mm/compaction.js';
import { GFP_HIGHUSER_MOVABLE, __GFP_MEMALLOC } from '../../../firmware/mm/gfp.js';
import { ZONE_NORMAL } from '../../../firmware/mm/layout.js';
import type { MemoryManager } from '../../../firmware/mm/memory-manager.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { allocAll, boot } from './mechanisms-fixture.js';

/** Fill the zone with movable pages and free every other pfn: all free memory is order 0. */
function checkerboard(mm: MemoryManager): number[] {
  // __GFP_MEMALLOC (no watermarks): take every free page, so no high-order block is left.
  const all = allocAll(mm, GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC, PageKind.ANON).sort((a, b) => a - b);
  const kept: number[] = [];
  for (const p of all) {
    if (p % 2 === 0) mm.freePages(p, 0);
    else kept.push(p);
  }
  mm.drainAllPages();
  return kept;
}

function orderCounts(mm: MemoryManager, z: number): number[] {
  return Array.from(mm.pa.nrFree.subarray(z * mm.pa.nrOrders, (z + 1) * mm.pa.nrOrders));
}

describe('fragmentation index (mm/vmstat.c)', () => {
  it("matches Mel Gorman's formula computed by hand", () => {
    // 1000 free order-0 pages, asking for order 3: 1000 - (1000 + 1000 * 1000 / 8) / 1000 = 874
    expect(fragmentationIndexOf(3, { freePages: 1000, freeBlocksTotal: 1000, freeBlocksSuitable: 0 }, 10)).toBe(874);
    // 100 free order-3 blocks, asking for order 4: 1000 - (1000 + 800 * 1000 / 16) / 100 = 490
    expect(fragmentationIndexOf(4, { freePages: 800, freeBlocksTotal: 100, freeBlocksSuitable: 0 }, 10)).toBe(490);
    // a suitable block exists: -1000; no free block at all: 0
    expect(fragmentationIndexOf(4, { freePages: 800, freeBlocksTotal: 100, freeBlocksSuitable: 1 }, 10)).toBe(-1000);
    expect(fragmentationIndexOf(4, { freePages: 0, freeBlocksTotal: 0, freeBlocksSuitable: 0 }, 10)).toBe(0);
    expect(fragmentationIndexOf(11, { freePages: 8, freeBlocksTotal: 1, freeBlocksSuitable: 0 }, 10)).toBe(0);
  });

  it("reads the zone's free areas: -1000 after boot, near 1000 on a checkerboard", () => {
    const { mm } = boot({ mib: 64, movableMib: 0 });
    const zone = mm.zones[ZONE_NORMAL]!;
    expect(fragmentationIndex(mm.pa, zone, 9)).toBe(-1000);
    expect(extfragForOrder(mm.pa, zone, 9)).toBeLessThan(5);
    checkerboard(mm);
    const counts = orderCounts(mm, ZONE_NORMAL);
    const free = counts.reduce((s, c, o) => s + c * 2 ** o, 0);
    const blocks = counts.reduce((s, c) => s + c, 0);
    expect(fragmentationIndex(mm.pa, zone, 9)).toBe(
      1000 - Math.floor((1000 + Math.floor((free * 1000) / 512)) / blocks),
    );
    expect(fragmentationIndex(mm.pa, zone, 9)).toBeGreaterThan(900);
    expect(extfragForOrder(mm.pa, zone, 9)).toBe(100);
  });
});

describe('compaction', () => {
  it('compact_zone rebuilds high-order free blocks from a checkerboard', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    checkerboard(mm);
    const zone = mm.zones[ZONE_NORMAL]!;
    expect(
      orderCounts(mm, ZONE_NORMAL)
        .slice(1)
        .every((c) => c === 0),
    ).toBe(true);
    const r = mech.compaction.compactZone(zone, -1, { mode: 'sync', wholeZone: true });
    expect(r.result).toBe('complete');
    expect(r.migrated).toBeGreaterThan(1000);
    mm.drainAllPages();
    const after = orderCounts(mm, ZONE_NORMAL);
    expect(after[9]! + after[10]!).toBeGreaterThan(5);
    expect(mech.compaction.fragmentationScoreZone(zone)).toBeLessThan(50);
    const ev = mm.events;
    expect(ev.compact_migrate_scanned).toBe(r.migrateScanned);
    expect(ev.compact_free_scanned).toBe(r.freeScanned);
    expect(ev.compact_isolated).toBeGreaterThanOrEqual(2 * r.migrated);
    expect(ev.pgmigrate_success).toBe(r.migrated);
    expect(mech.ledger.item('migrate:compaction').units).toBe(r.migrated);
    mech.checkInvariants();
  });

  it('direct compaction lets a high-order allocation succeed (compact_stall, compact_success)', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    checkerboard(mm);
    const p = mm.allocPages(4, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    expect(typeof p).toBe('number');
    expect(mm.events.compact_stall).toBeGreaterThanOrEqual(1);
    expect(mm.events.compact_success).toBeGreaterThanOrEqual(1);
    mech.checkInvariants();
  });

  it('stops at success once the order is free (not the whole zone)', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    checkerboard(mm);
    const zone = mm.zones[ZONE_NORMAL]!;
    const r = mech.compaction.compactZone(zone, 3, { mode: 'sync-light' });
    expect(r.result).toBe('success');
    const whole = boot({ mib: 64, movableMib: 0 });
    checkerboard(whole.mm);
    const rw = whole.mech.compaction.compactZone(whole.mm.zones[ZONE_NORMAL]!, -1, { wholeZone: true });
    expect(r.migrated).toBeLessThan(rw.migrated);
    mech.checkInvariants();
  });

  it('never moves unmovable or pinned pages', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const kept = checkerboard(mm);
    const pinned = kept.slice(0, 50);
    for (const p of pinned) mech.migrator.pin(p);
    const unmov = kept.slice(50, 100);
    for (const p of unmov) mm.pa.setPageKind(p, 1, PageKind.KERNEL);
    mech.compaction.compactZone(mm.zones[ZONE_NORMAL]!, -1, { mode: 'sync', wholeZone: true });
    for (const p of pinned) expect(mm.memmap.kind(p - mm.memmap.startPfn)).toBe(PageKind.ANON);
    for (const p of unmov) expect(mm.memmap.kind(p - mm.memmap.startPfn)).toBe(PageKind.KERNEL);
    mech.checkInvariants();
  });

  it('proactive compaction runs above the score mark, brings the score under the low mark, and then stays quiet', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const c = mech.compaction;
    expect(c.fragmentationScoreWmark(false)).toBe(90);
    expect(c.fragmentationScoreWmark(true)).toBe(80);
    expect(c.shouldProactiveCompactNode()).toBe(false);
    checkerboard(mm);
    expect(c.fragmentationScoreNode()).toBeGreaterThan(90);
    expect(c.shouldProactiveCompactNode()).toBe(true);
    const rs = c.kcompactd();
    expect(rs.length).toBeGreaterThan(0);
    expect(mm.events.compact_daemon_wake).toBe(1);
    expect(mm.events.compact_daemon_migrate_scanned).toBeGreaterThan(0);
    expect(c.fragmentationScoreZone(mm.zones[ZONE_NORMAL]!)).toBeLessThanOrEqual(80);
    expect(c.shouldProactiveCompactNode()).toBe(false);
    expect(c.kcompactd()).toEqual([]);
    mech.checkInvariants();
  });

  it('turns proactive compaction off at proactiveness 0, and validates the sysctls', () => {
    const { mm, mech } = boot({
      mib: 64,
      movableMib: 0,
      mech: { daemons: 'manual', memoryBlockBytes: 4 << 20, compactionProactiveness: 0 },
    });
    checkerboard(mm);
    expect(mech.compaction.shouldProactiveCompactNode()).toBe(false);
    expect(() => boot({ mech: { compactionProactiveness: 101 } })).toThrow(/compaction_proactiveness 101/);
    expect(() => boot({ mech: { extfragThreshold: -1 } })).toThrow(/extfrag_threshold -1/);
  });

  it('skips a costly-order compaction when the index says memory is short (extfrag_threshold)', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const zone = mm.zones[ZONE_NORMAL]!;
    // Leave only a little free memory: compaction_suitable() fails the order-0 watermark + gap.
    allocAll(mm, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    expect(mech.compaction.compactionSuitable(zone, 9, ZONE_NORMAL)).toBe(false);
    expect(mech.compaction.compactZone(zone, 9).result).toBe('skipped');
  });
});
