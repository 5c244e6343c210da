import { describe, expect, it } from 'vitest';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_MEMALLOC } from '../../../firmware/mm/gfp.js';
import { ZONE_MOVABLE, ZONE_NORMAL } from '../../../firmware/mm/layout.js';
import type { MemoryManager } from '../../../firmware/mm/memory-manager.js';
import type { MemoryNotifyAction } from '../../../firmware/mm/hotplug.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { START_PFN, allocAll, boot, isolatedPageblocks, occupyOnly } from './mechanisms-fixture.js';

/** Fill all memory with movable anon pages (no watermarks), then free every page outside [s, e). */
const fillOnly = (mm: MemoryManager, s: number, e: number): number[] =>
  occupyOnly(mm, s, e, GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC);

const MIB = 1024 * 1024;

describe('memory hotplug: offline_pages / online_pages', () => {
  it('offlines a 128 MiB block full of movable pages in ≈ 1.6 s (1.54–1.77 s cited) and onlines it back', () => {
    const { mm, mech, clock } = boot({
      mib: 512,
      movableMib: 256,
      mech: { daemons: 'manual', memoryBlockBytes: 128 * MIB },
    });
    const hp = mech.hotplug;
    expect(hp.pagesPerBlock).toBe(32768);
    const top = hp.firstBlock + hp.nrBlocks - 1;
    const [s, e] = hp.blockRange(top);
    expect(hp.blockZone(top)).toBe('Movable');
    const kept = fillOnly(mm, s, e);
    expect(kept.length).toBe(32768);
    const zone = mm.zones[ZONE_MOVABLE]!;
    const managed0 = zone.managedPages;
    const min0 = zone.minWmark;
    const actions: MemoryNotifyAction[] = [];
    hp.notifiers.push((a) => actions.push(a));
    const t0 = clock.nowNs;
    const r = hp.offlineBlock(top);
    expect(r.status).toBe('ok');
    expect(r.migrated).toBe(32768);
    expect(r.elapsedNs).toBeGreaterThanOrEqual(1.54e9);
    expect(r.elapsedNs).toBeLessThanOrEqual(1.77e9);
    expect(r.elapsedNs).toBeCloseTo(1.6e9, -3);
    expect(clock.nowNs - t0).toBe(r.elapsedNs);
    expect(actions).toEqual(['going-offline', 'offline']);
    expect(hp.blockState(top)).toBe('offline');
    expect(zone.managedPages).toBe(managed0 - 32768);
    expect(zone.minWmark).toBeLessThanOrEqual(min0);
    expect(zone.nrKind[PageKind.OFFLINE]).toBe(32768);
    expect(hp.presentPages(ZONE_MOVABLE)).toBe(zone.presentPages - 32768);
    // The top block was the zone's end: Linux shrinks the zone span.
    expect(hp.spannedRange(ZONE_MOVABLE)).toEqual([zone.zoneStartPfn, s]);
    expect(mm.memmap.kind(s - mm.memmap.startPfn)).toBe(PageKind.OFFLINE);
    mech.checkInvariants();

    const on = hp.onlineBlock(top);
    expect(on.status).toBe('ok');
    expect(actions.slice(2)).toEqual(['going-online', 'online']);
    expect(zone.managedPages).toBe(managed0);
    expect(hp.blockState(top)).toBe('online');
    expect(isolatedPageblocks(mm)).toBe(0);
    mech.checkInvariants();
    // Everything freed coalesces back to the boot state.
    for (let p = 0; p < mm.memmap.nrPages; p++) {
      const pfn = p + mm.memmap.startPfn;
      if (mm.memmap.kind(p) === PageKind.ANON && mm.memmap.flags(p) & 0x04) mm.freePages(pfn, 0);
    }
    mm.drainAllPages();
    expect(Array.from(mm.pa.nrFree)).toEqual(Array.from(mm.bootNrFree));
  });

  it('offlines an idle block in ≈ 3.2 ms (scaled to the block size)', () => {
    const { mech, clock } = boot({
      mib: 512,
      movableMib: 256,
      mech: { daemons: 'manual', memoryBlockBytes: 128 * MIB },
    });
    const top = mech.hotplug.firstBlock + mech.hotplug.nrBlocks - 1;
    const t0 = clock.nowNs;
    const r = mech.hotplug.offlineBlock(top);
    expect(r).toMatchObject({ status: 'ok', migrated: 0, passes: 1 });
    expect(clock.nowNs - t0).toBe(3.2e6);
    const small = boot({ mib: 64, movableMib: 16 });
    const b = small.mech.hotplug.firstBlock + small.mech.hotplug.nrBlocks - 1;
    expect(small.mech.hotplug.offlineBlock(b).elapsedNs).toBe(3.2e6 / 32);
  });

  it('reports busy at the pfn of an unmovable page outside ZONE_MOVABLE, leaving the block online', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 16 });
    const hp = mech.hotplug;
    const id = hp.blockOf(START_PFN + 8 * 1024);
    const [s, e] = hp.blockRange(id);
    expect(hp.blockZone(id)).toBe('Normal');
    const kept = fillOnly(mm, s, e);
    const victim = kept[321]!;
    mm.pa.setPageKind(victim, 1, PageKind.PAGE_TABLE);
    const free0 = mm.nrFreePages();
    const r = hp.offlineBlock(id);
    expect(r.status).toBe('busy');
    if (r.status !== 'busy') return;
    expect(r.pfn).toBe(victim);
    expect(r.reason).toMatch(/^failure to isolate range: page_table page at pfn 0x[0-9a-f]+/);
    expect(hp.blockState(id)).toBe('online');
    expect(isolatedPageblocks(mm)).toBe(0);
    expect(mm.nrFreePages()).toBe(free0);
    mech.checkInvariants();
  });

  it('keeps retrying a pinned page in ZONE_MOVABLE, then reports busy at it after the bounded passes', () => {
    const { mm, mech, clock } = boot({
      mib: 64,
      movableMib: 16,
      mech: { daemons: 'manual', memoryBlockBytes: 4 * MIB, costs: { 'hotplug.maxRetryPasses': 10 } },
    });
    const hp = mech.hotplug;
    const top = hp.firstBlock + hp.nrBlocks - 1;
    const [s, e] = hp.blockRange(top);
    const kept = fillOnly(mm, s, e);
    mech.migrator.pin(kept[5]!);
    const t0 = clock.nowNs;
    const r = hp.offlineBlock(top);
    expect(r.status).toBe('busy');
    if (r.status !== 'busy') return;
    expect(r.pfn).toBe(kept[5]);
    expect(r.passes).toBe(10);
    expect(r.reason).toMatch(/pinned anon page at pfn/);
    expect(r.migrated).toBe(kept.length - 1);
    // idle block cost + migrated pages + 9 retry passes of 1 ms
    const c = mech.costs;
    expect(clock.nowNs - t0).toBeCloseTo(
      c.offlineIdleBlockNs + (kept.length - 1) * c.offlineMigratePageNs + 9 * 1e6,
      0,
    );
    expect(hp.blockState(top)).toBe('online');
    expect(isolatedPageblocks(mm)).toBe(0);
    expect(mm.events.pgmigrate_fail).toBe(10);
    mech.checkInvariants();
  });

  it('reports a timeout when the retries outlast hotplug.timeoutNs', () => {
    const { mm, mech } = boot({
      mib: 64,
      movableMib: 16,
      mech: { daemons: 'manual', memoryBlockBytes: 4 * MIB, costs: { 'hotplug.timeoutNs': 5e6 } },
    });
    const hp = mech.hotplug;
    const top = hp.firstBlock + hp.nrBlocks - 1;
    const kept = fillOnly(mm, ...hp.blockRange(top));
    mech.migrator.pin(kept[0]!);
    const r = hp.offlineBlock(top);
    expect(r.status).toBe('timeout');
    expect(r.elapsedNs).toBeGreaterThanOrEqual(5e6);
    expect(hp.blockState(top)).toBe('online');
    mech.checkInvariants();
  });

  it("a caller's timeout that runs out during a migration pass fails the offline after that pass, every page moved", () => {
    const { mm, mech, clock } = boot({
      mib: 64,
      movableMib: 16,
      mech: { daemons: 'manual', memoryBlockBytes: 4 * MIB },
    });
    const hp = mech.hotplug;
    const top = hp.firstBlock + hp.nrBlocks - 1;
    const [s, e] = hp.blockRange(top);
    const kept = fillOnly(mm, s, e);
    expect(kept.length).toBe(1024);
    const c = mech.costs;
    // One pass migrates the 1024 pages of the 4 MiB block in ≈ 50 ms; the signal comes at 10 ms.
    const t0 = clock.nowNs;
    const r = hp.offlineBlock(top, 10e6);
    expect(r.status).toBe('timeout');
    if (r.status !== 'timeout') return;
    expect(r.migrated).toBe(kept.length);
    expect(r.passes).toBe(1);
    expect(r.pfn).toBe(-1);
    expect(r.reason).toBe('signal backoff after a migration pass that moved every page after 1 pass (timeout 10 ms)');
    expect(clock.nowNs - t0).toBeCloseTo(c.offlineIdleBlockNs + kept.length * c.offlineMigratePageNs, 0);
    expect(hp.blockState(top)).toBe('online');
    expect(isolatedPageblocks(mm)).toBe(0);
    // The pages stay where they went: the next attempt has nothing to move.
    expect(hp.offlineBlock(top, 10e6)).toMatchObject({ status: 'ok', migrated: 0 });
    expect(() => hp.offlineBlock(top - 1, 0)).toThrow(/offline timeout 0 ns is not positive/);
    mech.checkInvariants();
  });

  it('an unmovable page in ZONE_MOVABLE passes isolation but stops the offline (busy, unmovable)', () => {
    const { mm, mech } = boot({
      mib: 64,
      movableMib: 16,
      mech: { daemons: 'manual', memoryBlockBytes: 4 * MIB, costs: { 'hotplug.maxRetryPasses': 3 } },
    });
    const hp = mech.hotplug;
    const top = hp.firstBlock + hp.nrBlocks - 1;
    const kept = fillOnly(mm, ...hp.blockRange(top));
    mm.pa.setPageKind(kept[9]!, 1, PageKind.KERNEL);
    const r = hp.offlineBlock(top);
    expect(r).toMatchObject({ status: 'busy', pfn: kept[9], passes: 3 });
    expect(r.status === 'busy' && r.reason).toMatch(/unmovable kernel page/);
    mech.checkInvariants();
  });

  it('refuses blocks that span zones, are not online, or do not exist', () => {
    const { mech } = boot({ mib: 64, movableMib: 16, mech: { daemons: 'manual', memoryBlockBytes: 32 * MIB } });
    const hp = mech.hotplug;
    expect(hp.nrBlocks).toBe(2);
    expect(hp.blockZone(hp.firstBlock + 1)).toBeNull();
    expect(hp.offlineBlock(hp.firstBlock + 1)).toMatchObject({
      status: 'invalid',
      reason: expect.stringMatching(/spans zones/),
    });
    expect(hp.onlineBlock(hp.firstBlock + 1)).toMatchObject({
      status: 'invalid',
      reason: expect.stringMatching(/is online, not offline/),
    });
    expect(() => hp.offlineBlock(0)).toThrow(/memory block 0 does not exist/);
    expect(hp.describeBlocks()).toBe(
      `memory${hp.firstBlock} online Normal\nmemory${hp.firstBlock + 1} online (spans zones)\n`,
    );
    expect(() => boot({ mech: { memoryBlockBytes: 3 * MIB } })).toThrow(/memory block size 3145728 bytes/);
  });

  it('cannot offline a CMA block or the reserved kernel image', () => {
    const { mech } = boot({ mib: 64, movableMib: 16, cmaMib: 4 });
    const hp = mech.hotplug;
    const cmaBlock = hp.blockOf(mech.cma.areas[0]!.basePfn);
    expect(hp.offlineBlock(cmaBlock)).toMatchObject({
      status: 'busy',
      reason: expect.stringMatching(/MIGRATE_CMA pageblock/),
    });
    expect(hp.offlineBlock(hp.firstBlock)).toMatchObject({
      status: 'busy',
      pfn: START_PFN,
      reason: expect.stringMatching(/reserved page/),
    });
    mech.checkInvariants();
  });

  it('keeps allocations out of an offline block and gives its memory back on online', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 16 });
    const hp = mech.hotplug;
    const blocks = hp.blocksIn('online').filter((b) => hp.blockZone(b) === 'Movable');
    for (const b of blocks.slice(1)) expect(hp.offlineBlock(b).status).toBe('ok');
    const [s, e] = hp.blockRange(blocks[1]!);
    const got = allocAll(mm, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    expect(got.some((p) => p >= s && p < e)).toBe(false);
    for (const p of got) mm.freePages(p, 0);
    for (const b of blocks.slice(1)) expect(hp.onlineBlock(b).status).toBe('ok');
    mm.drainAllPages();
    expect(Array.from(mm.pa.nrFree)).toEqual(Array.from(mm.bootNrFree));
    expect(mm.zones[ZONE_NORMAL]!.managedPages).toBe(48 * 256 - 256);
    mech.checkInvariants();
    expect(allocAll(mm, GFP_KERNEL, PageKind.KERNEL, 10).length).toBe(10);
  });
});
