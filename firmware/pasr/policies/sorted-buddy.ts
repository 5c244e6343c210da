/**
 * sorted-buddy: the memory-region design of A. Garg (2011) and S. S. Bhat (2012-14), linux-mm.md
 * §2. Regions are the PASR units, numbered from the lowest address (region 0 is memory outside
 * every usable unit, always refreshed, so it fills first).
 *
 *  - Sorted free lists (mm/region-sort.ts, turned on at attach and re-sorted then): every free
 *    list keeps its blocks in region order and __rmqueue_smallest() takes the lowest region's
 *    block over all orders (Bhat's "aggressive bias", v3 17/35), so allocations fill regions
 *    from the bottom and the top ones stay free. The pcp lists are Linux's (Bhat left them
 *    alone; his v2 listed biasing their refill as future work): refills come from the sorted lists, frees go to
 *    the pcp list whatever their region.
 *  - Region evacuation (Bhat v2 12/15 evacuate_mem_region(), v4's kmempowerd) when the system is
 *    idle and before suspend: from the highest region down, a region whose live pages are few
 *    (the `evacuate-below` threshold; Bhat used MAX_NR_MEM_PWR_MIGRATE_PAGES = 32 pages of a 512
 *    MiB region) and all movable (anon, page cache) is emptied: clean page cache is dropped
 *    (Bhat's reclaim_clean) or migrated, the rest migrated to free blocks of lower regions taken
 *    straight from the sorted lists (Bhat's power_mgmt_alloc(): rmqueue_bulk, abort when the
 *    block is not from a lower region). A region that would need a masked lower region, or has
 *    not the room below, is left alone.
 *  - Masking: every region with no live page is masked through the PASR core, after the pcp
 *    lists are drained (no free page of a masked region may sit on a pcp list, whose fast path
 *    has no check). Masks persist across resume. A masked region's free blocks stay on the
 *    lists, counted as free; the allocator unmasks the region (through this policy's callback)
 *    before any of its blocks leaves the lists: an allocation that reaches it because the lower
 *    regions are full, or a compaction free scanner / contiguous-range isolation taking a free
 *    page there. Bhat's v3/v4 region allocator held wholly free regions off the buddy lists and
 *    gave them back in the allocation path when the page allocator ran short (still counted as
 *    free in vmstat): the same behaviour seen from outside, which this keeps without taking
 *    pages off the lists (no reclaim pressure from held memory).
 *  - Costs: allocator operations are charged sortedBuddy.opNs each (ledger item
 *    alloc-hook:sorted-lists, at every hook for the operations since the last one); the
 *    evacuation's pfn walk (compact.scanPageNs per page), dropped clean pages
 *    (reclaim.dropCleanPageNs) and migrations (migrate:power-management); the MRWs the PASR core
 *    runs.
 *
 * Invariants (checkInvariants()): the allocator's masked-region flags equal the PASR core's masks
 * of the usable units; every masked unit holds no live page; the sorted lists' own invariants are
 * checked by the mm core's.
 */
import type { MemoryManager } from '../../mm/memory-manager.js';
import { FALLBACKS, MIGRATE_MOVABLE } from '../../mm/migratetype.js';
import { PG_PINNED, PageKind } from '../../mm/page-flags.js';
import { MAX_NR_REGIONS, type RegionMap, type RegionSortedLists } from '../../mm/region-sort.js';
import type { PasrMap } from '../pasr-map.js';
import type { PasrPolicy, PolicyContext } from '../policy.js';

const NAME = 'sorted-buddy';

/** The `evacuate-below` values: live pages at or below which a region is evacuated. */
export const EVACUATE_BELOW = ['5%', '32pages', '1%', '10%', '25%', 'off'] as const;

/** Live pages at or below which a unit of `pages` frames is evacuated (-1: never). */
export function evacuationThreshold(option: string, pages: number): number {
  if (option === 'off') return -1;
  if (option === '32pages') return 32;
  const m = /^(\d+)%$/.exec(option);
  if (m === null) throw new Error(`sorted-buddy: evacuate-below ${option} is not one of ${EVACUATE_BELOW.join(', ')}`);
  return Math.floor((pages * Number(m[1])) / 100);
}

/** The regions of a board: usable PASR units by lowest address, from 1; 0 = outside every unit. */
export interface UnitRegions {
  readonly map: RegionMap;
  /** Unit index of each region (-1 for region 0). */
  readonly unitOfRegion: Int32Array;
  /** Region of each unit (0 for unusable units). */
  readonly regionOfUnit: Int32Array;
}

/** The regions of the usable units of `pasr`; `unitOf(pfn)` is the census's (the unit, or -1). */
export function unitRegions(pasr: PasrMap, unitOf: (pfn: number) => number): UnitRegions {
  const usable = pasr.units.filter((u) => u.usable && u.ranges.length > 0);
  usable.sort((a, b) => a.ranges[0]!.startPfn - b.ranges[0]!.startPfn || a.index - b.index);
  const unitOfRegion = Int32Array.from([-1, ...usable.map((u) => u.index)]);
  const regionOfUnit = new Int32Array(pasr.units.length);
  usable.forEach((u, i) => {
    regionOfUnit[u.index] = i + 1;
  });
  const regionOf = (pfn: number): number => {
    const u = unitOf(pfn);
    return u < 0 ? 0 : regionOfUnit[u]!;
  };
  const boundaries = usable.flatMap((u) => u.ranges.flatMap((r) => [r.startPfn, r.endPfn]));
  return { map: { nrRegions: usable.length + 1, boundaries, regionOf }, unitOfRegion, regionOfUnit };
}

interface Stats {
  masks: number;
  unmasksOnAlloc: number;
  unmasksOnIsolate: number;
  /** Simulated time spent unmasking in the allocator path (the MRWs), total and worst. */
  unmaskNsTotal: number;
  unmaskNsMax: number;
  evacuations: number;
  regionsEmptied: number;
  evacuationsAborted: number;
  pagesEvacuated: number;
  pagesDropped: number;
  sortedOps: number;
}

export function sortedBuddyPolicy(options: Readonly<Record<string, string>>): PasrPolicy {
  const evacuateBelow = options['evacuate-below'] ?? EVACUATE_BELOW[0];
  const cleanCache = options['clean-cache'] ?? 'drop';
  const bias = options.bias ?? 'aggressive';
  evacuationThreshold(evacuateBelow, 1);
  let ctx: PolicyContext;
  let mm: MemoryManager;
  let regions: UnitRegions;
  let sorted: RegionSortedLists | null = null;
  let tooMany = false;
  let opsMark = 0;
  /** Units whose last evacuation left live pages: their live pages and the room below then. */
  const failed = new Map<number, { live: number; room: number }>();
  /** Zone of each region (of its unit's first page frame); region 0: -1. */
  let zoneOfRegion = new Int8Array(0);
  /** Regions being evacuated in this pass (no targets). */
  let leaving = new Uint8Array(0);
  const st: Stats = {
    masks: 0,
    unmasksOnAlloc: 0,
    unmasksOnIsolate: 0,
    unmaskNsTotal: 0,
    unmaskNsMax: 0,
    evacuations: 0,
    regionsEmptied: 0,
    evacuationsAborted: 0,
    pagesEvacuated: 0,
    pagesDropped: 0,
    sortedOps: 0,
  };

  const allocatorOps = (): number => {
    const ev = mm.events;
    let n = ev.pgfree;
    for (let z = 0; z < ev.pgalloc.length; z++) n += ev.pgalloc[z]!;
    return n;
  };

  /** Charge the sorted lists' overhead for the allocator operations since the last charge. */
  const chargeOps = (): void => {
    if (sorted === null) return;
    const ops = allocatorOps();
    const d = ops - opsMark;
    opsMark = ops;
    if (d <= 0) return;
    st.sortedOps += d;
    ctx.mech.ledger.charge('alloc-hook:sorted-lists', d * ctx.mech.costs.get('sortedBuddy.opNs'), d);
  };

  /**
   * Run the PASR core's register programs with kswapd and kcompactd held: the programs advance
   * the clock, and a daemon running inside them (inside the allocator, or between two masks)
   * would allocate and free while a mask change is half programmed. They run at the next clock
   * advance after.
   */
  const daemonsHeld = (fn: () => void): void => {
    const frozen = ctx.mech.isFrozen;
    if (!frozen) ctx.mech.freeze();
    try {
      fn();
    } finally {
      if (!frozen) ctx.mech.thaw();
    }
  };

  /** The allocator is about to hand out a block of a masked region: unmask it first. */
  const unmaskFromAllocator = (region: number, why: 'alloc' | 'isolate'): void => {
    const unit = regions.unitOfRegion[region]!;
    const t0 = ctx.clock.nowNs;
    daemonsHeld(() => ctx.core.unmask(unit, NAME));
    const ns = ctx.clock.nowNs - t0;
    st.unmaskNsTotal += ns;
    st.unmaskNsMax = Math.max(st.unmaskNsMax, ns);
    if (why === 'alloc') st.unmasksOnAlloc++;
    else st.unmasksOnIsolate++;
    ctx.decide(
      'unmask',
      `unit ${unit}: ${why === 'alloc' ? 'an allocation' : 'a free-page isolation (compaction, contiguous range)'} takes a block of it`,
    );
  };

  /** Whether region r may receive pages evacuated from `region` now. */
  const acceptable = (r: number, region: number): boolean => r < region && sorted!.masked[r] === 0 && leaving[r] === 0;

  /**
   * power_mgmt_alloc(): a target block for a page of `region`, from the sorted lists of the
   * page's own zone (Bhat took free pages with rmqueue_bulk(page_zone(page), MIGRATE_MOVABLE):
   * the movable lists, then the fallback types'), but only from the lowest unmasked region below
   * `region` that is not being evacuated itself; taken with __isolate_free_page() (which keeps
   * the min watermark) and trimmed to the order. -1 if there is none.
   */
  const targetBelow = (region: number, src: number, order: number, kind: number): number => {
    const z = mm.zoneIdxOf(src);
    for (let r = 0; r < region; r++) {
      if (!acceptable(r, region)) continue;
      for (const mt of [MIGRATE_MOVABLE, ...FALLBACKS[MIGRATE_MOVABLE]!]) {
        for (let o = order; o <= mm.maxOrder; o++) {
          const idx = sorted!.firstOf(mm.freeListHead(z, o, mt) - sorted!.headBase, r);
          if (idx < 0) continue;
          const pfn = idx + mm.memmap.startPfn;
          if (mm.isolateFreePage(pfn, o) === 0) return -1;
          for (let k = o - 1; k >= order; k--) mm.putbackIsolatedPage(pfn + 2 ** k, k);
          mm.markAllocated(pfn, order, kind);
          return pfn;
        }
      }
    }
    return -1;
  };

  /** Free pages of the units of the same zone a region's pages may move to (acceptable()). */
  const roomBelow = (region: number): number => {
    let room = 0;
    for (let r = 1; r < region; r++)
      if (zoneOfRegion[r] === zoneOfRegion[region] && acceptable(r, region))
        room += ctx.census.unit(regions.unitOfRegion[r]!).free;
    return room;
  };

  /** Evacuate one unit (Bhat's evacuate_mem_region()); true when it ends with no live page. */
  const evacuate = (region: number): boolean => {
    const unit = regions.unitOfRegion[region]!;
    const u = ctx.map.units[unit]!;
    const memmap = mm.memmap;
    const costs = ctx.mech.costs;
    st.evacuations++;
    let moved = 0;
    let dropped = 0;
    ctx.mech.ledger.run(() => {
      for (const r of u.ranges) {
        // The pfn walk isolating the used pages.
        ctx.mech.ledger.charge(
          'sorted-buddy:scan',
          costs.get('compact.scanPageNs') * (r.endPfn - r.startPfn),
          r.endPfn - r.startPfn,
        );
        const heads = ctx.mech.ctx.scanMovablePages(r.startPfn, r.endPfn);
        const toMigrate: number[] = [];
        for (const h of heads) {
          const i = h - memmap.startPfn;
          if (cleanCache === 'drop' && memmap.kind(i) === PageKind.FILE_CLEAN && (memmap.flags(i) & PG_PINNED) === 0) {
            const n = ctx.mech.reclaim.dropCleanPage(h);
            dropped += n;
            ctx.mech.ledger.charge('sorted-buddy:drop', costs.perPage('reclaim.dropCleanPageNs') * n, n);
          } else {
            toMigrate.push(h);
          }
        }
        if (toMigrate.length === 0) continue;
        const res = ctx.mech.migrator.migratePages(
          toMigrate,
          'power-management',
          (src, order, kind) => targetBelow(region, src, order, kind),
          'async',
        );
        moved += res.succeeded;
      }
    });
    st.pagesEvacuated += moved;
    st.pagesDropped += dropped;
    const live = ctx.census.livePages(unit);
    if (live > 0) st.evacuationsAborted++;
    else st.regionsEmptied++;
    ctx.decide(
      'evacuate',
      `unit ${unit}: ${moved} pages migrated below, ${dropped} clean page-cache pages dropped; ${live > 0 ? `${live} live pages left` : 'empty'}`,
    );
    return live === 0;
  };

  /**
   * Evacuate the sparse regions, highest first. The candidates are chosen first and are no
   * targets for each other (no page moves twice in a pass).
   */
  const evacuateSparse = (): void => {
    const candidates: number[] = [];
    for (let r = regions.unitOfRegion.length - 1; r >= 1; r--) {
      if (sorted!.masked[r]) continue;
      const c = ctx.census.unit(regions.unitOfRegion[r]!);
      if (c.live === 0 || c.live > evacuationThreshold(evacuateBelow, c.pages)) continue;
      if (c.unmovable + c.slab + c.pinned + c.held > 0) continue;
      candidates.push(r);
      leaving[r] = 1;
    }
    for (const r of candidates) {
      const unit = regions.unitOfRegion[r]!;
      const live = ctx.census.livePages(unit);
      const room = roomBelow(r);
      // A unit that could not be emptied is tried again only once it holds fewer pages or
      // there is more room below (Bhat's kmempowerd skipped unsuitable regions too).
      const last = failed.get(unit);
      if (room < live || (last !== undefined && live >= last.live && room <= last.room)) {
        leaving[r] = 0;
        continue;
      }
      if (evacuate(r)) {
        failed.delete(unit);
      } else {
        failed.set(unit, { live: ctx.census.livePages(unit), room: roomBelow(r) });
        leaving[r] = 0;
      }
    }
    leaving.fill(0);
  };

  /** Mask every unmasked unit with no live page (pcp lists drained first). */
  const maskEmpty = (): void => {
    const empty: number[] = [];
    for (let r = 1; r < regions.unitOfRegion.length; r++) {
      const unit = regions.unitOfRegion[r]!;
      if (!sorted!.masked[r] && ctx.census.unit(unit).live === 0 && ctx.census.unit(unit).held === 0) empty.push(r);
    }
    if (empty.length === 0) return;
    mm.drainAllPages();
    daemonsHeld(() => {
      for (const r of empty) {
        const unit = regions.unitOfRegion[r]!;
        sorted!.setMasked(r, true);
        const res = ctx.core.mask(unit, NAME);
        if (!res.ok) {
          sorted!.setMasked(r, false);
          ctx.decide('keep', `unit ${unit}: ${res.reason}`);
          continue;
        }
        st.masks++;
      }
    });
    ctx.decide('mask', `${sorted!.nrMasked} units masked: ${maskedUnits().join(', ')}`);
  };

  const maskedUnits = (): number[] => {
    const out: number[] = [];
    for (let r = 1; r < regions.unitOfRegion.length; r++) if (sorted!.masked[r]) out.push(regions.unitOfRegion[r]!);
    return out;
  };

  const pass = (): void => {
    chargeOps();
    if (sorted === null) return;
    if (evacuateBelow !== 'off') evacuateSparse();
    maskEmpty();
  };

  return {
    name: NAME,
    attach(c) {
      ctx = c;
      mm = c.mm;
      regions = unitRegions(c.map, (pfn) => c.census.unitOf(pfn));
      if (regions.map.nrRegions > MAX_NR_REGIONS) {
        tooMany = true;
        return;
      }
      if (regions.map.nrRegions < 2) return;
      mm.setRegionSorting(regions.map);
      zoneOfRegion = Int8Array.from(regions.unitOfRegion, (u) =>
        u < 0 ? -1 : mm.zoneIdxOf(c.map.units[u]!.ranges[0]!.startPfn),
      );
      leaving = new Uint8Array(regions.map.nrRegions);
      sorted = mm.regionSort;
      sorted!.onTakeMasked = unmaskFromAllocator;
      sorted!.aggressiveBias = bias === 'aggressive';
      opsMark = allocatorOps();
    },
    cannotAct() {
      if (tooMany)
        return `${regions.map.nrRegions - 1} usable PASR units: the sorted free lists take at most ${MAX_NR_REGIONS - 1}`;
      return regions.map.nrRegions < 2 ? 'no usable PASR unit on this board' : null;
    },
    onIdle: pass,
    beforeSuspend: pass,
    afterResume() {
      chargeOps();
    },
    stats() {
      return { ...st, maskedUnits: sorted?.nrMasked ?? 0 };
    },
    checkInvariants() {
      if (sorted === null) return;
      for (let r = 1; r < regions.unitOfRegion.length; r++) {
        const unit = regions.unitOfRegion[r]!;
        if ((sorted.masked[r] === 1) !== ctx.core.isMasked(unit))
          throw new Error(
            `sorted-buddy invariant violated: unit ${unit} is ${ctx.core.isMasked(unit) ? '' : 'not '}masked in the PASR core but ${sorted.masked[r] ? '' : 'not '}in the allocator`,
          );
        if (sorted.masked[r] && ctx.census.livePages(unit) > 0)
          throw new Error(
            `sorted-buddy invariant violated: masked unit ${unit} holds ${ctx.census.livePages(unit)} live pages`,
          );
      }
    },
  };
}
