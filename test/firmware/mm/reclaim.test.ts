import { describe, expect, it } from 'vitest';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../../firmware/mm/gfp.js';
import { ZONE_NORMAL } from '../../../firmware/mm/layout.js';
import { LRU_ACTIVE_FILE, LRU_INACTIVE_FILE } from '../../../firmware/mm/lru.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { DEF_PRIORITY } from '../../../firmware/mm/reclaim.js';
import { PAGE_RESIDENT, PAGE_SHADOW, PAGE_SWAPPED } from '../../../firmware/mm/workingset.js';
import { boot } from './mechanisms-fixture.js';

describe('page reclaim', () => {
  it('frees clean file pages before writing back dirty ones', () => {
    const { mm, mech } = boot({ mib: 512, movableMib: 0 });
    const n = 65536;
    // Alternating clean (even ids) and dirty (odd ids) page cache; id 0 is the coldest.
    for (let id = 0; id < n; id++) expect(mech.ws.touch(id, 'file', id % 2 === 1).ok).toBe(true);
    expect(mech.lru.lruSize(LRU_INACTIVE_FILE)).toBe(n);
    const ev = mm.events;
    const got = mech.reclaim.tryToFreePages(0, GFP_KERNEL, ZONE_NORMAL);
    // Priority 12 scans 65536 >> 12 = 16 pages (8 clean dropped, 8 dirty activated), priority 11
    // scans 65520 >> 11 = 31, priority 10 a first batch of 32: SWAP_CLUSTER_MAX is met by
    // dropping clean pages, and no dirty page is written.
    expect(got).toBeGreaterThanOrEqual(32);
    expect(got).toBeLessThan(48);
    expect(ev.nr_vmscan_write).toBe(0);
    expect(ev.pgsteal_direct).toBe(got);
    const scanned = ev.pgscan_direct;
    expect(scanned).toBe(got + ev.nr_vmscan_immediate_reclaim);
    // The coldest `scanned` pages: clean ones dropped (shadow entries), dirty ones kept.
    for (let id = 0; id < scanned; id++) expect(mech.ws.state[id]).toBe(id % 2 === 0 ? PAGE_SHADOW : PAGE_RESIDENT);
    for (let id = scanned; id < n; id++) expect(mech.ws.state[id]).toBe(PAGE_RESIDENT);
    // The dirty pages met were activated, not written.
    expect(mech.lru.lruSize(LRU_ACTIVE_FILE)).toBe(ev.nr_vmscan_immediate_reclaim);
    mech.checkInvariants();
  });

  it('writes dirty pages back (at the writeback cost) once only dirty pages are left', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const n = 4096;
    for (let id = 0; id < n; id++) mech.ws.touch(id, 'file', true);
    const ev = mm.events;
    const got = mech.reclaim.tryToFreePages(0, GFP_KERNEL, ZONE_NORMAL);
    expect(got).toBeGreaterThanOrEqual(32);
    expect(ev.nr_vmscan_write).toBe(got);
    expect(ev.nr_written).toBe(got);
    expect(ev.pgpgout).toBe(got * 4);
    const wb = mech.ledger.item('writeback');
    expect(wb.units).toBe(got);
    expect(wb.ns).toBeCloseTo(got * 100e3, 3);
    mech.checkInvariants();
  });

  it('counts and charges a refault of a dropped page, and activates it when its distance is short', () => {
    const { mm, mech, clock } = boot({ mib: 64, movableMib: 0 });
    for (let id = 0; id < 8192; id++) mech.ws.touch(id, 'file');
    // Make the working set active so the refault distance fits in it.
    for (let id = 4096; id < 8192; id++) mech.ws.touch(id, 'file');
    for (let id = 4096; id < 8192; id++) mech.ws.touch(id, 'file');
    expect(mech.lru.lruSize(LRU_ACTIVE_FILE)).toBe(4096);
    mech.reclaim.tryToFreePages(0, GFP_KERNEL, ZONE_NORMAL);
    expect(mech.ws.state[0]).toBe(PAGE_SHADOW);
    const ev = mm.events;
    expect(ev.workingset_refault_file).toBe(0);
    const t0 = clock.nowNs;
    const r = mech.ws.touch(0, 'file');
    expect(r.ok && r.event).toBe('refault');
    expect(r.ok && r.activated).toBe(true);
    expect(ev.workingset_refault_file).toBe(1);
    expect(ev.workingset_activate_file).toBe(1);
    expect(clock.nowNs - t0).toBeCloseTo(100e3, 3);
    expect(mech.ledger.item('refault')).toMatchObject({ units: 1 });
    // A page never evicted is a hit; a new id is a cold read, not a refault.
    expect(mech.ws.touch(100, 'file').ok && (mech.ws.touch(100, 'file') as { event: string }).event).toBe('hit');
    expect((mech.ws.touch(9000, 'file') as { event: string }).event).toBe('first');
    expect(ev.workingset_refault_file).toBe(1);
    mech.checkInvariants();
  });

  it('wakes kswapd below the low watermark and reclaims until a zone is balanced at high', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const zone = mm.zones[ZONE_NORMAL]!;
    let id = 0;
    // The fast path allocates down to the low watermark; the first allocation that finds the
    // zone below it takes the slow path, which wakes kswapd.
    while (!mech.reclaim.kswapdPending) {
      expect(mech.ws.touch(id++, 'file').ok).toBe(true);
      expect(id).toBeLessThan(20000);
    }
    expect(zone.nrFreePages).toBeLessThanOrEqual(zone.lowWmark);
    const reclaimed = mech.runKswapd();
    expect(reclaimed).toBeGreaterThan(0);
    expect(zone.nrFreePages).toBeGreaterThan(zone.highWmark);
    expect(mm.events.pageoutrun).toBe(1);
    expect(mm.events.pgscan_kswapd).toBeGreaterThanOrEqual(reclaimed);
    expect(mm.events.pgsteal_kswapd).toBe(reclaimed);
    expect(mm.events.pgscan_direct).toBe(0);
    expect(mech.reclaim.kswapdPending).toBe(false);
    mech.checkInvariants();
  });

  it('enters direct reclaim when an allocation finds no free page above min', () => {
    const { mm, mech } = boot({
      mib: 64,
      movableMib: 0,
      mech: { daemons: 'manual', memoryBlockBytes: 4 << 20, addressSpacePages: 65536 },
    });
    const free0 = mm.nrFreePages();
    // Touch more file pages than there is memory: allocations must reclaim directly.
    const n = free0 + 4096;
    for (let id = 0; id < n; id++) {
      const r = mech.ws.touch(id, 'file');
      expect(r.ok).toBe(true);
    }
    // allocstall is counted for the request's highest zone: GFP_HIGHUSER_MOVABLE -> allocstall_movable.
    expect(mm.events.allocstall[3]).toBeGreaterThan(0);
    expect(mm.events.pgsteal_direct).toBeGreaterThan(0);
    expect(mm.events.alloc_fail).toBe(0);
    mech.checkInvariants();
  });

  it('never scans anon pages without swap; with swap it swaps them out and back in', () => {
    const noSwap = boot({ mib: 64, movableMib: 0 });
    for (let id = 0; id < 8192; id++) noSwap.mech.ws.touch(id, 'anon');
    noSwap.mech.reclaim.tryToFreePages(0, GFP_KERNEL, ZONE_NORMAL);
    expect(noSwap.mm.events.pgscan_anon).toBe(0);
    expect(noSwap.mm.events.pswpout).toBe(0);

    const withSwap = boot({ mib: 64, movableMib: 0, swapPages: 4096 });
    const { mm, mech } = withSwap;
    for (let id = 0; id < 8192; id++) mech.ws.touch(id, 'anon');
    const got = mech.reclaim.tryToFreePages(0, GFP_KERNEL, ZONE_NORMAL);
    expect(got).toBeGreaterThan(0);
    expect(mm.events.pswpout).toBe(got);
    expect(mech.ws.swapUsed).toBe(got);
    const victim = mech.ws.state.indexOf(PAGE_SWAPPED);
    expect(victim).toBeGreaterThanOrEqual(0);
    const r = mech.ws.touch(victim, 'anon');
    expect(r.ok && r.event).toBe('swapin');
    expect(mm.events.pswpin).toBe(1);
    expect(mm.events.workingset_refault_anon).toBe(1);
    expect(mech.ws.swapUsed).toBe(got - 1);
    mech.checkInvariants();
  });

  it('skips pages of zones above the reclaim index (pgskip) and leaves them on the LRU', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 32 });
    // GFP_HIGHUSER_MOVABLE pages fill ZONE_MOVABLE first (the coldest pages), then ZONE_NORMAL.
    let id = 0;
    while (mech.lru.zoneSize(ZONE_NORMAL) < 4096) expect(mech.ws.touch(id++, 'file').ok).toBe(true);
    const movable = mech.lru.zoneSize(3);
    expect(movable).toBeGreaterThan(7000);
    const got = mech.reclaim.tryToFreePages(0, GFP_KERNEL, ZONE_NORMAL);
    expect(got).toBeGreaterThanOrEqual(32);
    expect(mm.events.pgskip[3]).toBeGreaterThan(0);
    // Only ZONE_NORMAL pages were reclaimed.
    expect(mech.lru.zoneSize(3)).toBe(movable);
    mech.checkInvariants();
  });

  it('gives reclaim priorities from DEF_PRIORITY down to 0 to the shrinkers', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    const cache = mech.createSlabCache('dentry', 192);
    expect(cache.allocObjects(21 * 2000)).toBe(21 * 2000);
    expect(mm.zones[ZONE_NORMAL]!.nrKind[PageKind.SLAB_RECLAIMABLE]).toBe(2000);
    const seen: number[] = [];
    const spec = cache.shrinker.spec;
    const orig = spec.countObjects;
    spec.countObjects = (sc) => {
      seen.push(mech.shrinkers.lastTrace ? 1 : 0);
      return orig(sc);
    };
    const prios: number[] = [];
    const origDo = mech.shrinkers.doShrinkSlab.bind(mech.shrinkers);
    mech.shrinkers.doShrinkSlab = (sc, s, priority) => {
      prios.push(priority);
      return origDo(sc, s, priority);
    };
    // No LRU pages at all: only the slab cache can give memory back.
    const got = mech.reclaim.tryToFreePages(0, GFP_KERNEL, ZONE_NORMAL);
    expect(prios[0]).toBe(DEF_PRIORITY);
    expect(prios).toEqual([...prios].sort((a, b) => b - a));
    expect(got).toBeGreaterThanOrEqual(32);
    expect(cache.pagesFreed).toBe(got);
    expect(mm.events.slabs_scanned).toBeGreaterThan(0);
    expect(mm.zones[ZONE_NORMAL]!.nrKind[PageKind.SLAB_RECLAIMABLE]).toBe(2000 - got);
    mech.checkInvariants();
  });

  it('reports LRU sizes in /proc/vmstat through the stat source', () => {
    const { mm, mech } = boot({ mib: 64, movableMib: 0 });
    for (let id = 0; id < 100; id++) mech.ws.touch(id, 'file');
    // A second touch marks a page referenced, a third activates it (folio_mark_accessed()).
    for (let id = 0; id < 10; id++) {
      mech.ws.touch(id, 'file');
      mech.ws.touch(id, 'file');
    }
    const v = mm.vmstat();
    expect(v).toMatch(/^nr_inactive_file 90$/m);
    expect(v).toMatch(/^nr_active_file 10$/m);
    const a = mm.allocPages(0, GFP_HIGHUSER_MOVABLE, PageKind.ANON);
    expect(typeof a).toBe('number');
  });
});
