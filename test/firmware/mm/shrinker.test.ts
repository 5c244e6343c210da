import { describe, expect, it } from 'vitest';
import { GFP_KERNEL } from '../../../firmware/mm/gfp.js';
import { ZONE_NORMAL } from '../../../firmware/mm/layout.js';
import { PageKind } from '../../../firmware/mm/page-flags.js';
import { SHRINK_BATCH, SHRINK_EMPTY, SHRINK_STOP, type ShrinkControl } from '../../../firmware/mm/shrinker.js';
import { boot } from './mechanisms-fixture.js';

/** A cache of `objects` objects whose shrinker records every nr_to_scan it is given. */
function fakeCache(objects: number, opts: { seeks?: number; batch?: number; stopAfter?: number } = {}) {
  const { mech } = boot({ mib: 16, movableMib: 0 });
  const calls: number[] = [];
  const state = { objects };
  const s = mech.shrinkers.register({
    name: 'fake',
    ...(opts.seeks !== undefined ? { seeks: opts.seeks } : {}),
    ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
    countObjects: () => (state.objects === 0 ? SHRINK_EMPTY : state.objects),
    scanObjects: (sc: ShrinkControl) => {
      calls.push(sc.nrToScan);
      if (opts.stopAfter !== undefined && calls.length > opts.stopAfter) return SHRINK_STOP;
      const freed = Math.min(sc.nrToScan, state.objects);
      state.objects -= freed;
      return freed;
    },
  });
  const sc = (): ShrinkControl => ({ gfpMask: GFP_KERNEL, nid: 0, nrToScan: 0, nrScanned: 0 });
  return { mech, s, calls, state, sc };
}

describe('shrinker pressure arithmetic (do_shrink_slab)', () => {
  it('gives a 10000-object cache delta = (10000 >> 12) * 4 / 2 = 4 at DEF_PRIORITY: no scan, 4 deferred', () => {
    const { mech, s, calls, sc } = fakeCache(10000);
    expect(mech.shrinkers.doShrinkSlab(sc(), s, 12)).toBe(0);
    expect(calls).toEqual([]);
    expect(mech.shrinkers.lastTrace).toMatchObject({
      freeable: 10000,
      nrDeferredIn: 0,
      delta: 4,
      totalScan: 4,
      scanned: 0,
      nrDeferredOut: 4,
    });
    // The deferred work carries over: total_scan = (4 >> 12) + 4 = 4, deferred 4 + 4 = 8.
    mech.shrinkers.doShrinkSlab(sc(), s, 12);
    expect(mech.shrinkers.lastTrace).toMatchObject({ nrDeferredIn: 4, delta: 4, totalScan: 4, nrDeferredOut: 8 });
  });

  it('scans in batches of 128 at priority 0 and caps total_scan at 2 * freeable', () => {
    const { mech, s, calls, sc, state } = fakeCache(10000);
    s.nrDeferred = 8;
    const freed = mech.shrinkers.doShrinkSlab(sc(), s, 0);
    // delta = 10000 * 4 / 2 = 20000; total_scan = min(8 + 20000, 2 * 10000) = 20000;
    // 156 batches of 128 (19968), then 32 left: below both the batch and freeable.
    expect(mech.shrinkers.lastTrace).toMatchObject({ delta: 20000, totalScan: 20000, batches: 156, scanned: 19968 });
    expect(calls.length).toBe(156);
    expect(calls.every((n) => n === SHRINK_BATCH)).toBe(true);
    expect(freed).toBe(10000);
    expect(state.objects).toBe(0);
    // next_deferred = min(max(8 + 20000 - 19968, 0), 20000) = 40
    expect(s.nrDeferred).toBe(40);
    expect(mech.mm.events.slabs_scanned).toBe(19968);
  });

  it('leaves a cache below 4096 objects alone at DEF_PRIORITY (Gushchin, 2018)', () => {
    const { mech, s, calls, sc } = fakeCache(4095);
    mech.shrinkers.doShrinkSlab(sc(), s, 12);
    expect(mech.shrinkers.lastTrace!.delta).toBe(0);
    expect(calls).toEqual([]);
    const big = fakeCache(4096);
    big.mech.shrinkers.doShrinkSlab(big.sc(), big.s, 12);
    expect(big.mech.shrinkers.lastTrace!.delta).toBe(2);
  });

  it('scans a cache smaller than a batch when total_scan reaches freeable ("tight on memory")', () => {
    const { mech, s, calls, sc } = fakeCache(100);
    mech.shrinkers.doShrinkSlab(sc(), s, 0);
    // delta = 200, total_scan = min(200, 200): one batch of 128, then 72 < 100 stops.
    expect(calls).toEqual([128]);
    expect(mech.shrinkers.lastTrace).toMatchObject({ delta: 200, totalScan: 200, scanned: 128, nrDeferredOut: 72 });
  });

  it('trims seeks = 0 caches by half of freeable and honours a custom batch', () => {
    const { mech, s, calls, sc } = fakeCache(1000, { seeks: 0, batch: 100 });
    mech.shrinkers.doShrinkSlab(sc(), s, 12);
    expect(mech.shrinkers.lastTrace).toMatchObject({ delta: 500, totalScan: 500 });
    expect(calls).toEqual([100, 100, 100, 100, 100]);
  });

  it('stops on SHRINK_STOP and defers the work not done', () => {
    const { mech, s, calls, sc } = fakeCache(10000, { stopAfter: 2 });
    mech.shrinkers.doShrinkSlab(sc(), s, 0);
    expect(calls.length).toBe(3);
    expect(mech.shrinkers.lastTrace).toMatchObject({ scanned: 256, freed: 256 });
    expect(s.nrDeferred).toBe(20000 - 256);
  });

  it('returns SHRINK_EMPTY from an empty cache without touching nr_deferred, and shrink_slab counts it as 0', () => {
    const { mech, s, calls, sc } = fakeCache(0);
    s.nrDeferred = 0;
    expect(mech.shrinkers.doShrinkSlab(sc(), s, 0)).toBe(SHRINK_EMPTY);
    expect(mech.shrinkers.shrinkSlab(GFP_KERNEL, 0)).toBe(0);
    expect(calls).toEqual([]);
  });

  it('rejects bad shrinkers and priorities', () => {
    const { mech, s, sc } = fakeCache(10);
    expect(() => mech.shrinkers.doShrinkSlab(sc(), s, 13)).toThrow(/priority 13 is not in \[0, 12\]/);
    expect(() =>
      mech.shrinkers.register({ name: 'bad', seeks: -1, countObjects: () => 0, scanObjects: () => 0 }),
    ).toThrow(/seeks -1/);
    const bad = mech.shrinkers.register({
      name: 'liar',
      countObjects: () => 1000,
      scanObjects: (c) => {
        c.nrScanned = 0;
        return 0;
      },
    });
    expect(() => mech.shrinkers.doShrinkSlab(sc(), bad, 0)).toThrow(/liar: scan loop does not advance/);
    mech.shrinkers.unregister(bad);
    expect(() => mech.shrinkers.unregister(bad)).toThrow(/not registered/);
  });
});

describe('slab cache shrinker', () => {
  it('frees reclaimable slab pages oldest first, and the pages go back to the buddy allocator', () => {
    const { mm, mech } = boot({ mib: 16, movableMib: 0 });
    const c = mech.createSlabCache('inode_cache', 600);
    expect(c.objsPerSlab).toBe(6);
    const free0 = mm.nrFreePages();
    expect(c.allocObjects(600)).toBe(600);
    expect(c.nrSlabs).toBe(100);
    const zone = mm.zones[ZONE_NORMAL]!;
    expect(zone.nrKind[PageKind.SLAB_RECLAIMABLE]).toBe(100);
    const oldest = c.slabs().slice(0, 10);
    expect(c.freeObjects(60)).toBe(60);
    expect(c.nrSlabs).toBe(90);
    for (const p of oldest) expect(mm.memmap.kind(p - mm.memmap.startPfn)).toBe(PageKind.FREE);
    mm.drainAllPages();
    expect(mm.nrFreePages()).toBe(free0 - 90);
    // count_objects reports freeable objects; SHRINK_EMPTY once empty.
    const sc = { gfpMask: GFP_KERNEL, nid: 0, nrToScan: 0, nrScanned: 0 };
    expect(c.shrinker.spec.countObjects(sc)).toBe(540);
    c.freeObjects(540);
    expect(c.shrinker.spec.countObjects(sc)).toBe(SHRINK_EMPTY);
    mech.checkInvariants();
  });

  it('rejects an object size that does not fit a page', () => {
    const { mech } = boot({ mib: 16, movableMib: 0 });
    expect(() => mech.createSlabCache('huge', 8192)).toThrow(/object size 8192 is not in \[1, 4096\]/);
  });
});
