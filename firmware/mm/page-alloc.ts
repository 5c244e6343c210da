/**
 * The zoned buddy allocator, following mm/page_alloc.c of Linux v6.18 (the kernel whose /proc
 * files are in test/fixtures/proc). Function names in comments are the kernel's.
 *
 * Free blocks live on zone->free_area[order].free_list[migratetype], intrusive lists threaded
 * through the memmap (memmap.ts); nr_free counts blocks per (zone, order).
 *
 * Invariants (checked by checkInvariants() in invariants.ts):
 *  (a) every free block on a buddy list is aligned to its order, lies inside its zone, has
 *      PG_BUDDY (and no other flag) on its head, kind FREE on all its pages, and is on exactly
 *      one list: the one of its order and of its pageblock's migratetype ("freelist hygiene",
 *      v6.10+); a block of order >= pageblock_order covers pageblocks that all have that type;
 *  (b) nr_free[zone][order] = total length of the lists of that order;
 *  (c) NR_FREE_PAGES = pages of the non-ISOLATE free lists; NR_FREE_CMA_PAGES and
 *      nr_free_highatomic are the CMA / HIGHATOMIC shares (account_freepages());
 *  (d) two free buddies of the same order never both sit on the lists, unless they cannot merge
 *      (different zones, or order >= pageblock_order with an unmergeable type on one side);
 *  (e) pageblocks of a CMA area are MIGRATE_CMA (possibly isolated) and no others are;
 *  (f) with region sorting on (setRegionSorting(), region-sort.ts), every free list is in
 *      region order and no pcp block lies in a masked region.
 *
 * The default paths (no free-list observer, no sorting) are the fast ones below; with either,
 * `general` sends freeing, __rmqueue_smallest() and expand() to their *General() variants.
 */
import {
  ALLOC_CMA,
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NOFRAGMENT,
  ALLOC_NON_BLOCK,
  ALLOC_NO_WATERMARKS,
  ALLOC_OOM,
  ALLOC_RESERVES,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  __GFP_DIRECT_RECLAIM,
  __GFP_HIGH,
  __GFP_KSWAPD_RECLAIM,
  __GFP_MEMALLOC,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_RETRY_MAYFAIL,
  GFP_DECODE,
  gfpZone,
} from './gfp.js';
import {
  MAX_NR_ZONES,
  ZONE_NAMES,
  ZONE_NORMAL,
  defaultSectionOrder,
  presentPagesIn,
  ramRangesOf,
  type MemoryLayout,
  type PfnRange,
  type ZoneName,
} from './layout.js';
import {
  B_AGE,
  B_FLAGS,
  B_KIND,
  B_ORDER,
  H_STATE,
  MemMap,
  PB_MIGRATE_ISOLATE,
  PB_MIGRATETYPE_MASK,
  W_STATE,
} from './memmap.js';
import {
  FALLBACKS,
  MIGRATE_CMA,
  MIGRATE_HIGHATOMIC,
  MIGRATE_ISOLATE,
  MIGRATE_MOVABLE,
  MIGRATE_PCPTYPES,
  MIGRATE_RECLAIMABLE,
  MIGRATE_TYPES,
  MIGRATE_UNMOVABLE,
} from './migratetype.js';
import {
  NR_PAGE_KINDS,
  PAGE_KIND_NAMES,
  PG_BUDDY,
  PG_HEAD,
  PG_ISOLATED,
  PG_LRU,
  PG_PCP,
  PG_PINNED,
  PageKind,
  isMovableKind,
} from './page-flags.js';
import { KindCensus } from './kind-census.js';
import { NR_PCP_LISTS, PAGE_ALLOC_COSTLY_ORDER, PerCpuPages } from './pcp.js';
import { RegionSortedLists, type RegionMap, type TakeReason } from './region-sort.js';
import { VmEvents } from './vmstat.js';
import { DEFAULT_WATERMARK_BOOST_FACTOR, multFrac } from './watermarks.js';
import { Zone } from './zone.js';
import { hex } from '../../hal/bits.js';

export { PAGE_ALLOC_COSTLY_ORDER };
/** MAX_RECLAIM_RETRIES: bound of the slow path's reclaim loop. */
export const MAX_RECLAIM_RETRIES = 16;

/** Why an allocation failed. */
export type AllocFailureReason =
  /** No populated zone at or below the highest zone the gfp flags allow. */
  | 'no-zone'
  /** Free pages at or below the watermark (plus lowmem reserve) in every allowed zone. */
  | 'watermark'
  /** Enough free pages in some zone, but no free block of the order in a usable list. */
  | 'fragmentation'
  /** order > MAX_PAGE_ORDER (Linux warns and returns NULL). */
  | 'order-too-large';

/** An allocation failure, reported as an outcome (never thrown). */
export interface AllocFailure {
  ok: false;
  order: number;
  gfp: number;
  /** The preferred zone (highest populated zone the request may use), or 'none'. */
  zone: ZoneName | 'none';
  reason: AllocFailureReason;
  /** NR_FREE_PAGES summed over the zones the request may use. */
  freePages: number;
}

/** allocPages() returns a pfn (a number) on success. */
export type AllocResult = number | AllocFailure;

export function isAllocFailure(r: AllocResult): r is AllocFailure {
  return typeof r !== 'number';
}

/**
 * Calls out of the allocator's slow path into reclaim and compaction (built on top of this
 * core). Defaults do nothing, so an allocation that does not fit fails with an outcome.
 */
export interface MmHooks {
  /** wakeup_kswapd(): the zone fell below its low watermark (or a fallback boosted it). */
  wakeKswapd(zoneIdx: number, order: number, highestZoneIdx: number): void;
  /** __alloc_pages_direct_compact(); the allocator retries after it returns. */
  directCompact(order: number, gfp: number, highestZoneIdx: number): void;
  /** __alloc_pages_direct_reclaim(): returns pages reclaimed (progress). */
  directReclaim(order: number, gfp: number, highestZoneIdx: number): number;
  /** __alloc_pages_may_oom(): returns true if it freed memory (e.g. killed a task). */
  outOfMemory(order: number, gfp: number, highestZoneIdx: number): boolean;
  /** mm_page_alloc_extfrag: an allocation fell back to another migratetype's free list. */
  extfrag(
    pfn: number,
    order: number,
    fallbackOrder: number,
    startMt: number,
    fallbackMt: number,
    claimed: boolean,
  ): void;
}

export const NO_HOOKS: MmHooks = {
  wakeKswapd: () => {},
  directCompact: () => {},
  directReclaim: () => 0,
  outOfMemory: () => false,
  extfrag: () => {},
};

export interface PageAllocOptions {
  /** Per-cpu page lists (default true, as in Linux). */
  pcp?: boolean;
  /** CONFIG_CMA: shows the CMA migratetype in /proc (default true). */
  configCma?: boolean;
  /** CONFIG_ZONE_DMA32: first pass in ZONE_NORMAL uses ALLOC_NOFRAGMENT (default true). */
  configZoneDma32?: boolean;
  /** vm.lowmem_reserve_ratio (default [256, 256, 32, 0]). */
  lowmemReserveRatio?: number[];
  /** vm.watermark_boost_factor (default 15000; 0 disables boosting). */
  watermarkBoostFactor?: number;
  /** List heads kept for code built on top (LRU lists, isolation lists...). Default 4096. */
  spareListHeads?: number;
}

/** A called-back function that sees every block entering (+1) or leaving (-1) a buddy list. */
export type FreeListHook = (pfn: number, order: number, delta: 1 | -1) => void;

// The order-0 fast paths below (and in pcp.ts) spell some constants as literals, with the name
// in a comment: V8 does not fold module-level bindings (each use is a context-slot load and a
// Smi check). This check keeps the literals honest.
if (
  PG_BUDDY !== 1 ||
  PG_PCP !== 2 ||
  PG_HEAD !== 4 ||
  PG_LRU !== 0x10 ||
  PG_ISOLATED !== 0x80 ||
  PG_PINNED !== 0x08 ||
  W_STATE !== 2 ||
  H_STATE !== 5 ||
  B_KIND !== 8 ||
  B_AGE !== 9 ||
  B_FLAGS !== 10 ||
  B_ORDER !== 11 ||
  MIGRATE_MOVABLE !== 1 ||
  MIGRATE_PCPTYPES !== 3 ||
  MIGRATE_HIGHATOMIC !== 3 ||
  MIGRATE_CMA !== 4 ||
  MIGRATE_ISOLATE !== 5 ||
  MIGRATE_TYPES !== 6 ||
  NR_PCP_LISTS !== 12 ||
  NR_PAGE_KINDS !== 11 ||
  PB_MIGRATETYPE_MASK !== 7 ||
  PB_MIGRATE_ISOLATE !== 8
) {
  throw new Error('page-alloc, pcp: a constant changed; update the literals of the fast paths');
}

export class PageAllocator {
  declare readonly memmap: MemMap;
  declare readonly startPfn: number;
  declare readonly endPfn: number;
  declare readonly pageShift: number;
  /** MAX_PAGE_ORDER (inclusive). */
  declare readonly maxOrder: number;
  /** NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1. */
  declare readonly nrOrders: number;
  declare readonly pageblockOrder: number;
  declare readonly pageblockNrPages: number;
  declare readonly nrCpus: number;
  /** CMA areas of the layout (their pageblocks are MIGRATE_CMA). */
  declare readonly cmaAreas: readonly PfnRange[];
  /** All MAX_NR_ZONES zones in zone_idx order; those the layout lacks are empty. */
  declare readonly zones: Zone[];
  readonly events = new VmEvents();
  declare readonly pcp: PerCpuPages | null;
  /**
   * pcp_allowed_order(): PAGE_ALLOC_COSTLY_ORDER, or pageblock_order if that is smaller (a pcp
   * block must not span pageblocks, which Linux's configurations never make it do).
   */
  declare readonly pcpMaxOrder: number;
  declare readonly configCma: boolean;
  declare readonly configZoneDma32: boolean;
  declare readonly watermarkBoostFactor: number;
  /** Node index of the head of free_list (zone 0, order 0, migratetype 0). */
  declare readonly freeHeadBase: number;
  /** free_area[order].nr_free, indexed by zone * nrOrders + order (a view of memmap counter words). */
  declare readonly nrFree: Int32Array;
  /** Word index in the memmap of nrFree[0] (the hot paths update nr_free through w). */
  declare private readonly nrFreeBase: number;
  hooks: MmHooks = NO_HOOKS;
  /** The free-list observer (freeListHook), read by the hot paths. */
  private hook: FreeListHook | null = null;
  /** Region-sorted free lists (setRegionSorting()), or null: Linux's unsorted lists. */
  private sorted: RegionSortedLists | null = null;
  /** hook or sorted lists: __free_one_page() takes the general path (mergeAndAdd()). */
  private general = false;
  /**
   * Optional source of stat items the core cannot know (LRU active/inactive split, mapped,
   * isolated...): return a value to override the core's, or undefined. zoneIdx -1 = node.
   */
  statSource: ((name: string, zoneIdx: number) => number | undefined) | null = null;
  /** pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES, set by reclaim code; shown in zoneinfo. */
  nodeUnreclaimable = false;

  // Hot-path aliases of the memmap views (memmap.ts: this.w[3n] next, this.w[3n + 1] prev,
  // this.b[12n + B_KIND | B_ORDER | B_FLAGS | B_AGE]).
  declare private readonly w: Int32Array;
  declare private readonly b: Uint8Array;
  declare private readonly h: Uint16Array;
  /** Populated zones in ascending order, and their end pfns, for pfn -> zone lookup. */
  private popZone = new Int32Array(0);
  private popEnd = new Float64Array(0);
  /** zonelist per highest zone index: populated zones from that one down (build_zonelists()). */
  private zonelists: Zone[][] = [];
  /** alloc_flags_nofragment() per highest zone index. */
  private nofragment = new Int32Array(MAX_NR_ZONES);
  /** Zone index of each pageblock, or -1 when the pageblock straddles zones. */
  private pbZone = new Int8Array(0);
  declare private readonly pbBase: number;
  /** Aliases for the order-0 fast paths (one object hop fewer than memmap.* / pcp.*). */
  declare private readonly nrPages: number;
  declare private readonly pbFlags: Uint8Array;
  /** pcp list-head node of (zone 0, cpu 0, pindex 0) and word index of pcp count[0]; -1 without pcp. */
  declare private readonly pcpHeadBase: number;
  declare private readonly pcpCountBase: number;
  /** The migratetype whose requests get ALLOC_CMA: MOVABLE with CONFIG_CMA, else -1. */
  declare private readonly cmaMt: number;
  /** The preferred zone (first of the zonelist) per highest zone index, or null. */
  private preferredZone: (Zone | null)[] = [];
  declare private readonly pgalloc: Float64Array;
  /** Pages per owner kind per census cell (the zones' NR_* kind counters at a finer grain). */
  declare readonly census: KindCensus;
  /** Hot-path aliases of census.count, census.cellOf and census.shift (refreshed on repartition). */
  declare private kindCount: Int32Array;
  declare private cellOf: Uint16Array;
  declare private cellShift: number;
  /** Zone the last successful getPageFromFreelist() allocated from. */
  private lastZoneIdx = -1;
  /** Scratch results of prepMoveFreepagesBlock(). */
  private scanFree = 0;
  private scanMovable = 0;

  constructor(layout: MemoryLayout, options: PageAllocOptions = {}) {
    this.startPfn = layout.startPfn;
    this.endPfn = layout.startPfn + layout.nrPages;
    this.pageShift = layout.pageShift;
    this.maxOrder = layout.maxOrder;
    this.nrOrders = layout.maxOrder + 1;
    this.pageblockOrder = layout.pageblockOrder;
    this.pageblockNrPages = 2 ** layout.pageblockOrder;
    this.nrCpus = layout.nrCpus;
    this.cmaAreas = layout.cma.map((c) => ({ startPfn: c.startPfn, endPfn: c.endPfn }));
    this.configCma = options.configCma ?? true;
    this.configZoneDma32 = options.configZoneDma32 ?? true;
    this.watermarkBoostFactor = options.watermarkBoostFactor ?? DEFAULT_WATERMARK_BOOST_FACTOR;
    if (!this.configCma && layout.cma.length > 0) throw new Error('memory layout has CMA areas but configCma is false');

    const nrFreeLists = MAX_NR_ZONES * this.nrOrders * MIGRATE_TYPES;
    const usePcp = options.pcp ?? true;
    const pcpHeads = usePcp ? MAX_NR_ZONES * layout.nrCpus * 12 : 0;
    const spare = options.spareListHeads ?? 4096;
    const nrFreeCounters = MAX_NR_ZONES * this.nrOrders;
    const pcpCounters = usePcp ? MAX_NR_ZONES * layout.nrCpus : 0;
    this.memmap = new MemMap(
      layout.startPfn,
      layout.nrPages,
      layout.pageblockOrder,
      nrFreeLists + pcpHeads + spare,
      nrFreeCounters + pcpCounters,
    );
    this.freeHeadBase = this.memmap.allocListHeads(nrFreeLists);
    this.pcp = usePcp ? new PerCpuPages(this.memmap, layout.nrCpus) : null;
    this.pcpMaxOrder = Math.min(PAGE_ALLOC_COSTLY_ORDER, layout.pageblockOrder);
    this.nrFreeBase = this.memmap.allocCounters(nrFreeCounters);
    this.nrFree = this.memmap.counterView(this.nrFreeBase, nrFreeCounters);
    this.w = this.memmap.w;
    this.b = this.memmap.b;
    this.h = this.memmap.h;
    this.pbBase = this.memmap.pbBase;
    this.nrPages = layout.nrPages;
    this.pbFlags = this.memmap.pageblockFlags;
    this.pcpHeadBase = this.pcp !== null ? this.pcp.headBase : -1;
    this.pcpCountBase = this.pcp !== null ? this.pcp.countBase : -1;
    this.cmaMt = this.configCma ? MIGRATE_MOVABLE : -1;
    this.pgalloc = this.events.pgalloc;

    const ramRanges = ramRangesOf(layout);
    this.memmap.setRanges(ramRanges, layout.sectionOrder ?? defaultSectionOrder(layout.pageShift, layout.maxOrder));
    this.zones = ZONE_NAMES.map((name, i) => new Zone(i, name));
    let lastEnd = layout.startPfn;
    for (const z of this.zones) {
      const lz = layout.zones.find((x) => x.name === z.name);
      if (lz) {
        z.zoneStartPfn = lz.startPfn;
        z.spannedPages = lz.endPfn - lz.startPfn;
        z.presentPages = presentPagesIn(ramRanges, lz.startPfn, lz.endPfn);
        lastEnd = lz.endPfn;
      } else {
        // Empty zones sit at the end of the previous one (as Linux places them).
        z.zoneStartPfn = lastEnd;
      }
      z.lowmemReserve = new Array<number>(MAX_NR_ZONES).fill(0);
    }
    this.rebuildZonelists();
    this.census = new KindCensus(this.memmap, () =>
      this.zones.filter((z) => z.populated).map((z) => ({ idx: z.idx, startPfn: z.zoneStartPfn, endPfn: z.endPfn })),
    );
    for (const z of this.zones) z.census = this.census;
    // Nothing is allocated yet: the counters start at zero without a scan.
    this.census.partition([], () => -1, false);
    this.refreshCensusAliases();

    // memmap_init(): every pageblock starts MIGRATE_MOVABLE (fill with the value 1), except one
    // whose first frame is a hole: memmap_init_range() sets the type at pageblock-aligned pfns of
    // RAM only, so such a block keeps type 0 (MIGRATE_UNMOVABLE).
    this.memmap.pageblockFlags.fill(MIGRATE_MOVABLE);
    for (const r of [{ startPfn: -1, endPfn: this.startPfn }, ...this.holes()]) {
      const pb = this.pageblockNrPages;
      for (let pfn = Math.ceil(r.startPfn / pb) * pb; pfn < r.endPfn; pfn += pb)
        if (pfn >= this.memmap.pbBase * pb)
          this.memmap.pageblockFlags[this.memmap.pageblockIndex(pfn)] = MIGRATE_UNMOVABLE;
    }
    for (const c of layout.cma) {
      for (let pfn = c.startPfn; pfn < c.endPfn; pfn += this.pageblockNrPages)
        this.memmap.setPageblockMigratetype(pfn, MIGRATE_CMA);
      const z = this.zones[this.zoneIdxOf(c.startPfn)]!;
      z.cmaPages += c.endPfn - c.startPfn;
    }
  }

  /** The holes of the span: the gaps between RAM ranges, sorted. */
  holes(): PfnRange[] {
    const out: PfnRange[] = [];
    let at = this.startPfn;
    for (const r of this.memmap.ranges) {
      if (r.startPfn > at) out.push({ startPfn: at, endPfn: r.startPfn });
      at = r.endPfn;
    }
    return out;
  }

  /**
   * Cut the kind census into cells at the given pfn boundaries (and the zone boundaries),
   * labelled by labelOf (see KindCensus.partition()); the counters are rebuilt from the memmap.
   */
  partitionCensus(boundaries: readonly number[], labelOf: (pfn: number) => number): void {
    this.census.partition(boundaries, labelOf);
    this.refreshCensusAliases();
  }

  /** Optional observer of buddy free-list membership (for allocator-hook PASR policies). */
  get freeListHook(): FreeListHook | null {
    return this.hook;
  }

  set freeListHook(fn: FreeListHook | null) {
    this.hook = fn;
    this.general = fn !== null || this.sorted !== null;
  }

  /** The region-sorted free lists when sorting is on (region map, masked regions), else null. */
  get regionSort(): RegionSortedLists | null {
    return this.sorted;
  }

  /**
   * Turn region-sorted free lists (region-sort.ts) on with a map of regions, or off (null), at
   * any time. Turning them on re-sorts every buddy free list (stable inside a region); pcp lists
   * are left as they are. Turning them off keeps the lists in their order (any order is valid
   * then) and is refused while a region is masked.
   */
  setRegionSorting(map: RegionMap | null): void {
    if (this.sorted !== null && this.sorted.nrMasked > 0)
      throw new Error(`setRegionSorting: ${this.sorted.nrMasked} regions are masked; unmask them first`);
    if (map === null) {
      this.sorted = null;
    } else {
      const nrLists = MAX_NR_ZONES * this.nrOrders * MIGRATE_TYPES;
      const s = new RegionSortedLists(this.w, this.startPfn, this.nrPages, this.freeHeadBase, nrLists, map);
      for (let l = 0; l < nrLists; l++) s.sortList(l);
      this.sorted = s;
    }
    this.general = this.hook !== null || this.sorted !== null;
  }

  private refreshCensusAliases(): void {
    this.kindCount = this.census.count;
    this.cellOf = this.census.cellOf;
    this.cellShift = this.census.shift;
  }

  /**
   * build_all_zonelists(): recompute the zonelists and the pfn -> zone lookup from the zones'
   * present pages. Call after a zone gains or loses all its pages (memory hotplug).
   */
  rebuildZonelists(): void {
    const pop = this.zones.filter((z) => z.populated);
    this.popZone = Int32Array.from(pop.map((z) => z.idx));
    this.popEnd = Float64Array.from(pop.map((z) => z.endPfn));
    this.zonelists = this.zones.map((_, highest) =>
      this.zones
        .slice(0, highest + 1)
        .reverse()
        .filter((z) => z.populated),
    );
    this.preferredZone = this.zonelists.map((zl) => zl[0] ?? null);
    this.nofragment = Int32Array.from(this.zones, (_, highest) =>
      this.configZoneDma32 && this.zonelists[highest]![0]?.idx === ZONE_NORMAL ? ALLOC_NOFRAGMENT : 0,
    );
    const mm = this.memmap;
    this.pbZone = new Int8Array(mm.pageblockFlags.length);
    for (let i = 0; i < this.pbZone.length; i++) {
      const first = Math.max((i + mm.pbBase) * this.pageblockNrPages, this.startPfn);
      const last = Math.min((i + mm.pbBase + 1) * this.pageblockNrPages, this.endPfn) - 1;
      const z = this.zoneIdxOf(first);
      this.pbZone[i] = z === this.zoneIdxOf(last) ? z : -1;
    }
  }

  // ---- lookups -------------------------------------------------------------------------------

  /** page_zonenum(): zone index of a pfn inside DRAM. */
  zoneIdxOf(pfn: number): number {
    const ends = this.popEnd;
    for (let i = 0; i < ends.length; i++) if (pfn < ends[i]!) return this.popZone[i]!;
    return -1;
  }

  zoneOf(pfn: number): Zone {
    const i = this.zoneIdxOf(pfn);
    if (i < 0 || pfn < this.startPfn)
      throw new RangeError(`pfn ${hex(pfn, 1)} is outside DRAM [${hex(this.startPfn, 1)}, ${hex(this.endPfn, 1)})`);
    return this.zones[i]!;
  }

  /** Node index of free_area[order].free_list[mt] of a zone. */
  freeListHead(zoneIdx: number, order: number, mt: number): number {
    return this.freeHeadBase + (zoneIdx * this.nrOrders + order) * MIGRATE_TYPES + mt;
  }

  /** PageBuddy(). */
  isBuddy(pfn: number): boolean {
    return (this.b[12 * (pfn - this.startPfn) + B_FLAGS]! & PG_BUDDY) !== 0;
  }

  /** buddy_order() of a PageBuddy head. */
  buddyOrder(pfn: number): number {
    return this.b[12 * (pfn - this.startPfn) + B_ORDER]!;
  }

  /**
   * The head pfn of the buddy free block containing pfn, or -1 if pfn is not free in the buddy
   * lists (is_free_buddy_page()).
   */
  findFreeBlock(pfn: number): number {
    for (let order = 0; order < this.nrOrders; order++) {
      const head = pfn - (pfn & ((1 << order) - 1));
      if (head < this.startPfn) return -1;
      const hi = head - this.startPfn;
      if (this.b[12 * hi + B_FLAGS]! & PG_BUDDY && this.b[12 * hi + B_ORDER]! >= order) return head;
    }
    return -1;
  }

  // ---- free list primitives (__add_to_free_list / __del_page_from_free_list) ------------------
  // They write out memmap.listAdd/listAddTail/listDel rather than calling them: they sit on the
  // split and merge paths, which are kept call-free (see the constants check above).

  /**
   * Put a free block on free_list[mt] of its order (head, or tail if `tail`), mark it PageBuddy.
   * For unsorted lists without an observer (the fast paths); addToFreeListGeneral() otherwise.
   */
  private addToFreeList(idx: number, zoneIdx: number, order: number, mt: number, tail: boolean): void {
    const w = this.w;
    const zo = zoneIdx * this.nrOrders + order;
    const h = this.freeHeadBase + zo * 6 /* MIGRATE_TYPES */ + mt;
    if (tail) {
      const p = w[3 * h + 1]!;
      w[3 * idx] = h;
      w[3 * idx + 1] = p;
      w[3 * p] = idx;
      w[3 * h + 1] = idx;
    } else {
      const n = w[3 * h]!;
      w[3 * idx] = n;
      w[3 * idx + 1] = h;
      w[3 * n + 1] = idx;
      w[3 * h] = idx;
    }
    // Kind FREE, age 0 (memmap invariant c), PG_BUDDY, order.
    w[3 * idx + 2 /* W_STATE */] = (1 /* PG_BUDDY */ << 16) | (order << 24);
    w[this.nrFreeBase + zo]++;
  }

  /**
   * addToFreeList() in the general case (`general`): with sorted lists the block goes to the
   * head or tail of its region's run; the free-list observer sees it.
   */
  private addToFreeListGeneral(idx: number, zoneIdx: number, order: number, mt: number, tail: boolean): void {
    if (this.sorted !== null) {
      const zo = zoneIdx * this.nrOrders + order;
      this.sorted.add(zo * MIGRATE_TYPES + mt, idx, tail);
      // Kind FREE, age 0 (memmap invariant c), PG_BUDDY, order.
      this.w[3 * idx + 2 /* W_STATE */] = (1 /* PG_BUDDY */ << 16) | (order << 24);
      this.w[this.nrFreeBase + zo]++;
    } else {
      this.addToFreeList(idx, zoneIdx, order, mt, tail);
    }
    if (this.hook !== null) this.hook(idx + this.startPfn, order, 1);
  }

  /** Take a free block off its list (that of migratetype mt) and clear PageBuddy (no NR_FREE_PAGES accounting). */
  private delFromFreeList(idx: number, zoneIdx: number, order: number, mt: number): void {
    const w = this.w;
    if (this.sorted !== null) {
      this.sorted.del((zoneIdx * this.nrOrders + order) * MIGRATE_TYPES + mt, idx);
    } else {
      const n = w[3 * idx]!;
      const p = w[3 * idx + 1]!;
      w[3 * p] = n;
      w[3 * n + 1] = p;
      w[3 * idx] = -1;
      w[3 * idx + 1] = -1;
    }
    this.h[6 * idx + H_STATE] = 0; // flags and order (set_page_private(page, 0))
    this.nrFree[zoneIdx * this.nrOrders + order]--;
    if (this.hook !== null) this.hook(idx + this.startPfn, order, -1);
  }

  /** move_to_free_list(): move a free block to the tail of another migratetype's list. */
  private moveToFreeList(idx: number, zone: Zone, order: number, oldMt: number, newMt: number): void {
    const zo = (zone.idx * this.nrOrders + order) * MIGRATE_TYPES;
    if (this.sorted !== null) {
      this.sorted.del(zo + oldMt, idx);
      this.sorted.add(zo + newMt, idx, true);
    } else {
      this.memmap.listMoveTail(idx, this.freeHeadBase + zo + newMt);
    }
    this.accountFreepages(zone, -(1 << order), oldMt);
    this.accountFreepages(zone, 1 << order, newMt);
  }

  /** account_freepages(): NR_FREE_PAGES, NR_FREE_CMA_PAGES, nr_free_highatomic; ISOLATE not counted. */
  private accountFreepages(zone: Zone, nrPages: number, mt: number): void {
    if (mt === 5 /* MIGRATE_ISOLATE */) return;
    zone.nrFreePages += nrPages;
    if (mt === 4 /* MIGRATE_CMA */) zone.nrFreeCma += nrPages;
    else if (mt === 3 /* MIGRATE_HIGHATOMIC */) zone.nrFreeHighatomic += nrPages;
  }

  // ---- freeing -------------------------------------------------------------------------------

  /**
   * __free_one_page(): put a free block of `order` at `pfn` (of pageblock type `mt`) on the
   * lists, merging it with its free buddies.
   *
   *  (a) the buddy of (pfn, order) is pfn ^ (1 << order); it merges only if it is PageBuddy
   *      with the same order and inside the same zone (page_is_buddy());
   *  (b) from pageblock_order up, buddies of different types merge only if both types are
   *      mergeable (PCP types); the merged buddy's pageblocks take the freed block's type;
   *  (c) the merged block starts at pfn & buddy_pfn; merging stops at MAX_PAGE_ORDER;
   *  (d) the block goes to the list tail when the caller asks (FPI_TO_TAIL) or when the buddy
   *      of its would-be parent is free (buddy_merge_likely()), so it stays free longer.
   */
  freeOneBlock(pfn: number, zone: Zone, order: number, mt: number, toTail: boolean): void {
    this.accountFreepages(zone, 1 << order, mt);
    if (this.general) {
      this.mergeAndAdd(pfn, zone, order, mt, toTail, -1);
      return;
    }
    // The common case, kept small enough for V8 to inline and with no call in the loop: no
    // observer nor sorted lists, and buddies of pageblock size and up have the freed block's type (their
    // pageblock byte equals mt: mt is below 8 and the isolate bit is clear). Anything else
    // continues in mergeAndAdd().
    const w = this.w;
    const nf = this.nrFreeBase + zone.idx * this.nrOrders;
    const base = this.startPfn;
    const zs = zone.zoneStartPfn;
    const ze = zs + zone.spannedPages;
    const maxOrder = this.maxOrder;
    const pbOrder = this.pageblockOrder;
    let buddyPfn = -1;
    while (order < maxOrder) {
      buddyPfn = pfn ^ (1 << order);
      if (buddyPfn < zs || buddyPfn >= ze) break;
      const bi = buddyPfn - base;
      const st = w[3 * bi + 2 /* W_STATE */]!;
      if (st >>> 16 !== (1 /* PG_BUDDY */ | (order << 8))) break;
      if (order >= pbOrder && this.pbFlags[(buddyPfn >> pbOrder) - this.pbBase] !== mt) {
        this.mergeAndAdd(pfn, zone, order, mt, toTail, buddyPfn);
        return;
      }
      // __del_page_from_free_list(buddy, zone, order, mt)
      const n = w[3 * bi]!;
      const p = w[3 * bi + 1]!;
      w[3 * p] = n;
      w[3 * n + 1] = p;
      w[3 * bi + 2 /* W_STATE */] = st & 0xffff; // clear flags and order
      w[nf + order]--;
      pfn &= buddyPfn;
      order++;
    }
    this.addMerged(pfn, zone, order, mt, toTail, buddyPfn);
  }

  /**
   * __free_one_page() from (pfn, order) on, in the general case: a free-list observer, sorted
   * lists, or a buddy of another pageblock type (buddyPfn: the buddy last looked at, -1 if none).
   * Free pages are already accounted.
   */
  private mergeAndAdd(pfn: number, zone: Zone, order: number, mt: number, toTail: boolean, buddyPfn: number): void {
    const hs = this.h;
    const w = this.w;
    const nf = this.nrFreeBase + zone.idx * this.nrOrders;
    const base = this.startPfn;
    const zs = zone.zoneStartPfn;
    const ze = zs + zone.spannedPages;
    const hook = this.hook;
    const sorted = this.sorted;
    const maxOrder = this.maxOrder;
    while (order < maxOrder) {
      buddyPfn = pfn ^ (1 << order);
      if (buddyPfn < zs || buddyPfn >= ze) break;
      const bi = buddyPfn - base;
      // page_is_buddy(): PageBuddy (and no other flag: invariant a) with the same order.
      if (hs[6 * bi + H_STATE] !== (PG_BUDDY | (order << 8))) break;
      let buddyMt = mt;
      if (order >= this.pageblockOrder) {
        buddyMt = this.memmap.getPageblockMigratetype(buddyPfn);
        if (mt !== buddyMt && (mt >= MIGRATE_PCPTYPES || buddyMt >= MIGRATE_PCPTYPES)) break;
      }
      // __del_page_from_free_list(buddy, zone, order, buddy_mt)
      if (sorted !== null) {
        sorted.del((zone.idx * this.nrOrders + order) * MIGRATE_TYPES + buddyMt, bi);
      } else {
        const n = w[3 * bi]!;
        const p = w[3 * bi + 1]!;
        w[3 * p] = n;
        w[3 * n + 1] = p;
      }
      hs[6 * bi + H_STATE] = 0;
      w[nf + order]--;
      if (hook !== null) hook(buddyPfn, order, -1);
      if (buddyMt !== mt) this.changePageblockRange(buddyPfn, order, mt);
      pfn &= buddyPfn;
      order++;
    }
    this.addToFreeListGeneral(
      pfn - base,
      zone.idx,
      order,
      mt,
      toTail || this.buddyMergeLikely(pfn, zone, order, buddyPfn),
    );
  }

  /** buddy_merge_likely(): the buddy of the parent of (pfn, order) is free at order + 1. */
  private buddyMergeLikely(pfn: number, zone: Zone, order: number, buddyPfn: number): boolean {
    if (order >= this.maxOrder - 1) return false;
    const hb = (buddyPfn & pfn) ^ (1 << (order + 1));
    const zs = zone.zoneStartPfn;
    return (
      hb >= zs &&
      hb < zs + zone.spannedPages &&
      this.w[3 * (hb - this.startPfn) + 2 /* W_STATE */]! >>> 16 === (1 /* PG_BUDDY */ | ((order + 1) << 8))
    );
  }

  /**
   * The end of __free_one_page(): put the merged block (pfn, order) on its list, at the tail
   * when the caller asks (FPI_TO_TAIL) or when buddy_merge_likely() (the buddy of the parent
   * block is free at order + 1; buddyPfn is the last buddy looked at).
   */
  private addMerged(pfn: number, zone: Zone, order: number, mt: number, toTail: boolean, buddyPfn: number): void {
    // buddyMergeLikely() written out: this is on the inlined fast path.
    let tail = toTail;
    if (!tail && order < this.maxOrder - 1) {
      const hb = (buddyPfn & pfn) ^ (1 << (order + 1));
      const zs = zone.zoneStartPfn;
      tail =
        hb >= zs &&
        hb < zs + zone.spannedPages &&
        this.w[3 * (hb - this.startPfn) + 2 /* W_STATE */]! >>> 16 === (1 /* PG_BUDDY */ | ((order + 1) << 8));
    }
    this.addToFreeList(pfn - this.startPfn, zone.idx, order, mt, tail);
  }

  /**
   * free_one_page() / split_large_buddy(): free a block, cut into pageblock-sized pieces when
   * larger than a pageblock, each freed with its own pageblock's migratetype.
   */
  freeOnePage(pfn: number, order: number, zone: Zone, toTail: boolean): void {
    const end = pfn + 2 ** order;
    if (order > this.pageblockOrder) order = this.pageblockOrder;
    const step = 2 ** order;
    do {
      this.freeOneBlock(pfn, zone, order, this.memmap.getPageblockMigratetype(pfn), toTail);
      pfn += step;
    } while (pfn < end);
  }

  /**
   * __free_pages(): free an allocated block (head pfn and the order it was allocated with).
   * Misuse (double free, wrong order, page still on an LRU list) is a bug and throws, like
   * bad_page(). Orders up to pcpMaxOrder go through the per-cpu lists.
   */
  freePages(pfn: number, order: number, cpu?: number): void {
    // (Not a default parameter: those make V8 copy every parameter, which costs bytecode.)
    if (cpu === undefined) cpu = 0;
    // The order-0 fast path, written inline here so that V8 inlines all of it into callers:
    // free_pages_prepare() of an in-use page of order 0, then free_frozen_page_commit() (with
    // pcp lists: a page of a PCP-type pageblock goes to the head of its list when that stays
    // below pcp->high) or, without pcp lists, freeBuddyOrder0(). Anything else (having changed
    // nothing) breaks to the full path, which also reports misuse.
    fast: if (order === 0) {
      const idx = pfn - this.startPfn;
      if (idx >>> 0 !== idx || idx >= this.nrPages || cpu >>> 0 !== cpu || cpu >= this.nrCpus) break fast;
      const w = this.w;
      const st = w[3 * idx + 2 /* W_STATE */]!;
      const k = st & 0xff;
      const pb = (pfn >> this.pageblockOrder) - this.pbBase;
      const zi = this.pbZone[pb]!;
      // The pageblock's migratetype, 8 and up when isolated.
      const f = this.pbFlags[pb]!;
      // PG_HEAD of order 0, not on an LRU list, isolated nor pinned, in a pageblock of one zone:
      // (st >> 16) is order << 8 | flags, and -100 is the mask 0x...ff9c = order bits | PG_HEAD
      // | PG_PINNED | PG_LRU | PG_ISOLATED as a one-byte operand (V8 inlines functions by
      // bytecode size).
      if (((st >> 16) & -100) !== 4 /* PG_HEAD */ || k === 0 || zi < 0) break fast;
      const cw = this.pcpCountBase;
      if (cw < 0) {
        this.freeBuddyOrder0(pfn, zi, st, f);
        return;
      }
      const zone = this.zones[zi]!;
      if (f >= 3 /* MIGRATE_PCPTYPES */) break fast;
      const zc = zi * this.nrCpus + cpu;
      const count = w[cw + zc]! + 1;
      if (count >= zone.pcpHigh) break fast;
      this.kindCount[this.cellOf[idx >>> this.cellShift]! * 11 /* NR_PAGE_KINDS */ + k]--;
      this.events.pgfree++;
      // list_add(&page->pcp_list, &pcp->lists[pindex])
      const h = this.pcpHeadBase + zc * 12 /* NR_PCP_LISTS */ + f;
      const first = w[3 * h]!;
      w[3 * idx] = first;
      w[3 * idx + 1] = h;
      w[3 * first + 1] = idx;
      w[3 * h] = idx;
      w[3 * idx + 2 /* W_STATE */] = 2 /* PG_PCP */ << 16; // kind FREE, age 0, order 0
      w[cw + zc] = count;
      return;
    }
    this.freePagesChecked(pfn, order, cpu);
  }

  /**
   * freePages()' order-0 fast path without pcp lists, for an in-use page (state word st) of
   * zone zi in a pageblock with flags f: free_pages_prepare(), then __free_one_page().
   */
  private freeBuddyOrder0(pfn: number, zi: number, st: number, f: number): void {
    const zone = this.zones[zi]!;
    const idx = pfn - this.startPfn;
    this.kindCount[this.cellOf[idx >>> this.cellShift]! * 11 /* NR_PAGE_KINDS */ + (st & 0xff)]--;
    this.w[3 * idx + 2 /* W_STATE */] = 0; // kind FREE, age 0, flags and order cleared
    this.events.pgfree++;
    // get_pfnblock_migratetype(): MIGRATE_ISOLATE when the isolate bit (8) is set.
    this.freeOneBlock(pfn, zone, 0, f & 8 ? 5 /* MIGRATE_ISOLATE */ : f & 7, false);
  }

  /** __free_pages() beyond the fast path, with the bad_page() checks. */
  private freePagesChecked(pfn: number, order: number, cpu: number): void {
    const b = this.b;
    const w = this.w;
    const idx = pfn - this.startPfn;
    if (!(idx >= 0 && pfn < this.endPfn) || (pfn | 0) !== pfn || cpu >>> 0 >= this.nrCpus || (cpu | 0) !== cpu) {
      if (cpu >>> 0 >= this.nrCpus || (cpu | 0) !== cpu)
        throw new RangeError(`freePages: cpu ${cpu} is not in [0, ${this.nrCpus})`);
      throw new RangeError(`freePages: pfn ${pfn} is outside DRAM [${hex(this.startPfn, 1)}, ${hex(this.endPfn, 1)})`);
    }
    const fl = b[12 * idx + B_FLAGS]!;
    if ((fl & (PG_HEAD | PG_LRU | PG_ISOLATED)) !== PG_HEAD || b[12 * idx + B_ORDER] !== order) {
      if (fl & PG_HEAD && b[12 * idx + B_ORDER] === order) {
        throw new Error(
          `freePages: bad page state at pfn ${hex(pfn, 1)}: still on an LRU list or isolated (flags 0x${fl.toString(16)})`,
        );
      }
      throw new Error(
        `freePages: bad page state at pfn ${hex(pfn, 1)}: ${this.describePage(pfn)}; cannot free it as an order-${order} block`,
      );
    }
    const zone = this.zones[this.zoneIdxOf(pfn)]!;
    const n = 1 << order;
    if (fl & PG_PINNED) this.census.addPinned(idx, n, -1);
    const kindCount = this.kindCount;
    const cellShift = this.cellShift;
    // The block's census cell when it lies in one chunk (always, unless cells are tiny).
    const cell = order <= cellShift ? this.cellOf[idx >>> cellShift]! * 11 /* NR_PAGE_KINDS */ : -1;
    // free_pages_prepare(): every page of the block must be in use.
    for (let i = idx; i < idx + n; i++) {
      const k = b[12 * i + B_KIND]!;
      if (k === PageKind.FREE)
        throw new Error(
          `freePages: bad page state at pfn ${hex(i + this.startPfn, 1)} (page ${i - idx} of the order-${order} block at ${hex(pfn, 1)}): already free`,
        );
      kindCount[(cell >= 0 ? cell : this.cellOf[i >>> cellShift]! * 11) + k]--;
      // Kind FREE, age 0, no flags (the order of a free page is set on block heads later).
      // One word store: byte stores followed by the fast paths' word loads of the same bytes
      // would stall store forwarding.
      w[3 * i + 2 /* W_STATE */] = 0;
    }
    this.events.pgfree += n;
    if (this.pcp === null || order > this.pcpMaxOrder) this.freeOnePage(pfn, order, zone, false);
    else this.pcp.free(this, zone, pfn, order, cpu);
  }

  /**
   * __free_pages_core() at boot or when memory comes online: hand a range of reserved (or
   * never-used) pages to the buddy allocator in the largest aligned chunks
   * (__free_pages_memory()), to the tail of the lists (FPI_TO_TAIL). Pages must not be free.
   */
  freePagesCore(startPfn: number, endPfn: number, checked = true): void {
    const b = this.b;
    let pfn = startPfn;
    while (pfn < endPfn) {
      const zone = this.zoneOf(pfn);
      const stop = Math.min(endPfn, zone.endPfn);
      while (pfn < stop) {
        let order = pfn === 0 ? this.maxOrder : Math.min(this.maxOrder, ctz(pfn));
        while (pfn + 2 ** order > stop) order--;
        const idx = pfn - this.startPfn;
        const n = 2 ** order;
        for (let i = idx; checked && i < idx + n; i++) {
          b[12 * i + B_AGE] = 0; // free pages have age 0 (memmap invariant c)
          const k = b[12 * i + B_KIND]!;
          if (k === PageKind.FREE) {
            if (b[12 * i + B_FLAGS]! !== 0 || this.findFreeBlock(i + this.startPfn) >= 0)
              throw new Error(`freePagesCore: pfn ${hex(i + this.startPfn, 1)} is already free`);
            continue;
          }
          this.census.addBlock(i, 1, k, -1);
          b[12 * i + B_KIND] = PageKind.FREE;
          b[12 * i + B_FLAGS] = 0;
        }
        if (order === this.maxOrder && this.uniformMergeableRange(pfn, order)) {
          // A MAX_PAGE_ORDER block cannot merge further: what split_large_buddy() and the
          // merging in __free_one_page() would build is this block at the list tail.
          const mt = this.memmap.getPageblockMigratetype(pfn);
          this.accountFreepages(zone, n, mt);
          if (this.general) this.addToFreeListGeneral(idx, zone.idx, order, mt, true);
          else this.addToFreeList(idx, zone.idx, order, mt, true);
        } else {
          this.freeOnePage(pfn, order, zone, true);
        }
        pfn += n;
      }
    }
  }

  /** All pageblocks of the block have the same type, and it is not ISOLATE. */
  private uniformMergeableRange(pfn: number, order: number): boolean {
    const mt = this.memmap.getPageblockMigratetype(pfn);
    if (mt === MIGRATE_ISOLATE) return false;
    for (let p = pfn + this.pageblockNrPages; p < pfn + 2 ** order; p += this.pageblockNrPages) {
      if (this.memmap.getPageblockMigratetype(p) !== mt) return false;
    }
    return true;
  }

  // ---- allocation: buddy lists ---------------------------------------------------------------

  /**
   * expand(): split a block of order `high` at pfn down to order `low`, putting the upper
   * halves on the lists of orders high-1 .. low (at the head). Returns the pages added. For
   * unsorted lists without an observer; expandGeneral() otherwise.
   */
  private expand(zone: Zone, pfn: number, low: number, high: number, mt: number): number {
    const w = this.w;
    const area = zone.idx * this.nrOrders;
    const nf = this.nrFreeBase + area;
    const idx = pfn - this.startPfn;
    const added = (1 << high) - (1 << low);
    let size = 1 << high;
    // free_list[mt] of order `high`; the loop steps down one order (MIGRATE_TYPES heads) a level.
    let h = this.freeHeadBase + (area + high) * 6 /* MIGRATE_TYPES */ + mt;
    while (high > low) {
      high--;
      size >>= 1;
      h -= 6; /* MIGRATE_TYPES */
      // __add_to_free_list(&page[size], zone, high, migratetype, false)
      const node = idx + size;
      const n = w[3 * h]!;
      w[3 * node] = n;
      w[3 * node + 1] = h;
      w[3 * n + 1] = node;
      w[3 * h] = node;
      // Kind FREE, age 0 (memmap invariant c: the page is inside a free block), PG_BUDDY, order.
      w[3 * node + 2 /* W_STATE */] = (1 /* PG_BUDDY */ << 16) | (high << 24);
      w[nf + high]++;
    }
    return added;
  }

  /**
   * expand() in the general case: with sorted lists each upper half goes to the head of its
   * region's run; the free-list observer sees every half.
   */
  private expandGeneral(zone: Zone, pfn: number, low: number, high: number, mt: number): number {
    const sorted = this.sorted;
    const w = this.w;
    const area = zone.idx * this.nrOrders;
    const idx = pfn - this.startPfn;
    if (sorted === null) this.expand(zone, pfn, low, high, mt);
    for (let o = high - 1; o >= low; o--) {
      const node = idx + (1 << o);
      if (sorted !== null) {
        sorted.add((area + o) * MIGRATE_TYPES + mt, node, false);
        w[3 * node + 2 /* W_STATE */] = (1 /* PG_BUDDY */ << 16) | (o << 24);
        w[this.nrFreeBase + area + o]++;
      }
      if (this.hook !== null) this.hook(node + this.startPfn, o, 1);
    }
    return (1 << high) - (1 << low);
  }

  /** page_del_and_expand(). */
  private pageDelAndExpand(zone: Zone, pfn: number, low: number, high: number, mt: number): void {
    if (this.sorted !== null) this.takeFromRegion(pfn, high, 1 << low, 'alloc');
    this.delFromFreeList(pfn - this.startPfn, zone.idx, high, mt);
    const added = this.general ? this.expandGeneral(zone, pfn, low, high, mt) : this.expand(zone, pfn, low, high, mt);
    this.accountFreepages(zone, -((1 << high) - added), mt);
  }

  /**
   * The first nrPages of the free block (pfn, order) are about to leave the lists: unmask their
   * masked regions first (RegionSortedLists.take()), and make sure the owner's unmasking left
   * the block where it was.
   */
  private takeFromRegion(pfn: number, order: number, nrPages: number, why: TakeReason): void {
    const sorted = this.sorted!;
    const idx = pfn - this.startPfn;
    if (!sorted.anyMasked(idx, nrPages)) return;
    sorted.take(idx, nrPages, why);
    if (this.w[3 * idx + 2 /* W_STATE */] !== ((1 /* PG_BUDDY */ << 16) | (order << 24)))
      throw new Error(
        `region unmask callback changed the free lists: pfn ${hex(pfn, 1)} is no longer a free order-${order} block`,
      );
  }

  /**
   * __rmqueue_smallest(): the first block of the smallest order >= `order` on free_list[mt],
   * split down to `order`. Returns the pfn or -1. (With sorted lists or an observer:
   * rmqueueSmallestGeneral().)
   */
  rmqueueSmallest(zone: Zone, order: number, mt: number): number {
    if (this.general) return this.rmqueueSmallestGeneral(zone, order, mt);
    const w = this.w;
    const maxOrder = this.maxOrder;
    const area = zone.idx * this.nrOrders;
    let h = this.freeHeadBase + (area + order) * 6 /* MIGRATE_TYPES */ + mt;
    let o = order;
    while (w[3 * h] === h) {
      if (++o > maxOrder) return -1;
      h += 6; /* MIGRATE_TYPES */
    }
    // page_del_and_expand()
    const first = w[3 * h]!;
    const n = w[3 * first]!;
    w[3 * h] = n;
    w[3 * n + 1] = h;
    w[3 * first] = -1;
    w[3 * first + 1] = -1;
    w[3 * first + 2 /* W_STATE */] = 0; // kind FREE, age 0 (invariant c), flags and order cleared
    w[this.nrFreeBase + area + o]--;
    const pfn = first + this.startPfn;
    // The pages left on the lists by expand() are (1 << o) - (1 << order): the zone loses 1 << order.
    if (o > order) this.expand(zone, pfn, order, o, mt);
    this.accountFreepages(zone, -(1 << order), mt);
    return pfn;
  }

  /**
   * __rmqueue_smallest() with an observer and/or sorted lists. Sorted, it takes the first block
   * of the smallest order that has one (Bhat's v2), or with the bias of "mm: Add aggressive bias
   * to prefer lower regions during page allocation" (v3 17/35, v4 15/40;
   * RegionSortedLists.aggressiveBias): over every order from `order` up, the first block of the
   * lowest region wins (the smallest order among equals), so a larger block of a lower region is
   * split rather than a fitting block of a higher region used. A masked region is unmasked
   * before its block is taken.
   */
  private rmqueueSmallestGeneral(zone: Zone, order: number, mt: number): number {
    const sorted = this.sorted;
    const w = this.w;
    const area = zone.idx * this.nrOrders;
    let best = -1;
    let bestOrder = -1;
    let bestRegion = 1 << 30;
    for (let o = order, h = this.freeHeadBase + (area + order) * 6 /* MIGRATE_TYPES */ + mt; o <= this.maxOrder; o++) {
      const first = w[3 * h]!;
      if (first !== h) {
        const r = sorted === null ? 0 : sorted.regionOfIdx(first);
        if (r < bestRegion) {
          bestRegion = r;
          best = first;
          bestOrder = o;
        }
        if (sorted === null || !sorted.aggressiveBias) break;
      }
      h += 6; /* MIGRATE_TYPES */
    }
    if (best < 0) return -1;
    const pfn = best + this.startPfn;
    if (sorted !== null) this.takeFromRegion(pfn, bestOrder, 1 << order, 'alloc');
    this.delFromFreeList(best, zone.idx, bestOrder, mt);
    w[3 * best + 2 /* W_STATE */] = 0; // kind FREE, age 0 (invariant c), flags and order cleared
    if (bestOrder > order) this.expandGeneral(zone, pfn, order, bestOrder, mt);
    this.accountFreepages(zone, -(1 << order), mt);
    return pfn;
  }

  /**
   * should_try_claim_block() (v6.15+): whether a fallback at current order may claim the whole
   * pageblock: always from pageblock_order / 2 up, and at any order for UNMOVABLE and
   * RECLAIMABLE requests (they would otherwise pollute a movable block permanently).
   */
  private shouldTryClaimBlock(order: number, startMt: number): boolean {
    if (order >= this.pageblockOrder) return true;
    if (order >= this.pageblockOrder >> 1) return true;
    if (startMt === MIGRATE_RECLAIMABLE || startMt === MIGRATE_UNMOVABLE) return true;
    return false;
  }

  /**
   * find_suitable_fallback(): the first non-empty fallback list of this order, -1 if none, or
   * -2 when `claimable` and the order is too low to claim a block.
   */
  findSuitableFallback(zone: Zone, order: number, mt: number, claimable: boolean): number {
    if (claimable && !this.shouldTryClaimBlock(order, mt)) return -2;
    if (this.nrFree[zone.idx * this.nrOrders + order] === 0) return -1;
    const fb = FALLBACKS[mt]!;
    for (let i = 0; i < 2; i++) {
      const h = this.freeHeadBase + (zone.idx * this.nrOrders + order) * MIGRATE_TYPES + fb[i]!;
      if (this.w[3 * h] !== h) return fb[i]!;
    }
    return -1;
  }

  /**
   * prep_move_freepages_block(): false if the pageblock of pfn straddles the zone; otherwise
   * counts its free pages (PageBuddy blocks) and movable pages (LRU or balloon) into
   * scanFree / scanMovable.
   */
  private prepMoveFreepagesBlock(zone: Zone, pfn: number, count: boolean): boolean {
    const b = this.b;
    const start = pfn - (pfn & (this.pageblockNrPages - 1));
    const end = start + this.pageblockNrPages;
    if (!zone.spansPfn(start) || !zone.spansPfn(end - 1)) return false;
    if (count) {
      let free = 0;
      let movable = 0;
      const base = this.startPfn;
      for (let p = start; p < end; ) {
        const i = p - base;
        if (b[12 * i + B_FLAGS]! & PG_BUDDY) {
          const nr = 1 << b[12 * i + B_ORDER]!;
          free += nr;
          p += nr;
          continue;
        }
        if (isMovableKind(b[12 * i + B_KIND]!) || b[12 * i + B_FLAGS]! & PG_LRU) movable++;
        p++;
      }
      this.scanFree = free;
      this.scanMovable = movable;
    }
    return true;
  }

  /** __move_freepages_block(): move every free block of an aligned pageblock to newMt's lists. */
  private moveFreepagesBlockRaw(zone: Zone, startPfn: number, oldMt: number, newMt: number): number {
    const end = startPfn + this.pageblockNrPages;
    const base = this.startPfn;
    let moved = 0;
    for (let p = startPfn; p < end; ) {
      const i = p - base;
      if ((this.b[12 * i + B_FLAGS]! & PG_BUDDY) === 0) {
        p++;
        continue;
      }
      const order = this.b[12 * i + B_ORDER]!;
      this.moveToFreeList(i, zone, order, oldMt, newMt);
      p += 1 << order;
      moved += 1 << order;
    }
    return moved;
  }

  /**
   * move_freepages_block(): move the free pages of pfn's pageblock from oldMt's to newMt's
   * lists and retype the pageblock. Returns pages moved, or -1 if the block straddles zones.
   * The pageblock must not be covered by a free block larger than itself (see
   * moveFreepagesBlockIsolate() for that case).
   */
  moveFreepagesBlock(pfn: number, oldMt: number, newMt: number): number {
    const zone = this.zoneOf(pfn);
    if (!this.prepMoveFreepagesBlock(zone, pfn, false)) return -1;
    const start = pfn - (pfn & (this.pageblockNrPages - 1));
    const res = this.moveFreepagesBlockRaw(zone, start, oldMt, newMt);
    this.memmap.setPageblockMigratetype(start, newMt);
    return res;
  }

  /**
   * __move_freepages_block_isolate() (v6.16+, isolation as a standalone pageblock bit): isolate
   * or un-isolate pfn's pageblock, moving its free pages to / from the ISOLATE lists. A free
   * block larger than the pageblock that covers it is taken off the lists and freed again in
   * pageblock pieces (split_large_buddy()), so that only this pageblock changes. Returns false
   * if the block straddles zones or is already in the requested state.
   */
  moveFreepagesBlockIsolate(pfn: number, isolate: boolean): boolean {
    const b = this.b;
    const zone = this.zoneOf(pfn);
    if (isolate === this.memmap.isPageblockIsolated(pfn)) return false;
    if (!this.prepMoveFreepagesBlock(zone, pfn, false)) return false;
    const start = pfn - (pfn & (this.pageblockNrPages - 1));
    const toggle = (): void => {
      if (isolate) this.memmap.setPageblockMigratetype(start, MIGRATE_ISOLATE);
      else this.memmap.clearPageblockIsolate(start);
    };
    if (this.pageblockOrder < this.maxOrder) {
      // find_large_buddy(): a free block that starts before this pageblock and covers it?
      let large = -1;
      for (let order = this.pageblockOrder + 1; order <= this.maxOrder; order++) {
        const head = start - (start & ((1 << order) - 1));
        if (head < zone.zoneStartPfn) break;
        const hi = head - this.startPfn;
        if (b[12 * hi + B_FLAGS]! & PG_BUDDY && b[12 * hi + B_ORDER]! >= order) {
          large = head;
          break;
        }
      }
      const si = start - this.startPfn;
      if (large < 0 && b[12 * si + B_FLAGS]! & PG_BUDDY && b[12 * si + B_ORDER]! > this.pageblockOrder) large = start;
      if (large >= 0) {
        const li = large - this.startPfn;
        const order = b[12 * li + B_ORDER]!;
        const largeMt = this.memmap.getPageblockMigratetype(large);
        this.delFromFreeList(li, zone.idx, order, largeMt);
        this.accountFreepages(zone, -(1 << order), largeMt);
        toggle();
        this.freeOnePage(large, order, zone, false);
        return true;
      }
    }
    const raw = this.memmap.getPageblockRawMigratetype(start);
    if (isolate) this.moveFreepagesBlockRaw(zone, start, raw, MIGRATE_ISOLATE);
    else this.moveFreepagesBlockRaw(zone, start, MIGRATE_ISOLATE, raw);
    toggle();
    return true;
  }

  /** change_pageblock_range(): retype all pageblocks of a block of order >= pageblock_order. */
  changePageblockRange(pfn: number, order: number, mt: number): void {
    const n = order > this.pageblockOrder ? 2 ** (order - this.pageblockOrder) : 1;
    for (let i = 0; i < n; i++) this.memmap.setPageblockMigratetype(pfn + i * this.pageblockNrPages, mt);
  }

  /**
   * boost_watermark(): after a fragmenting fallback, raise the zone's watermarks by a pageblock
   * (up to watermark_boost_factor of the high watermark) so kswapd reclaims a little more.
   */
  private boostWatermark(zone: Zone): boolean {
    if (!this.watermarkBoostFactor) return false;
    if (this.pageblockNrPages * 4 > zone.managedPages) return false;
    let maxBoost = multFrac(zone.watermark[2]!, this.watermarkBoostFactor, 10000);
    if (!maxBoost) return false;
    maxBoost = Math.max(this.pageblockNrPages, maxBoost);
    zone.watermarkBoost = Math.min(zone.watermarkBoost + this.pageblockNrPages, maxBoost);
    return true;
  }

  /**
   * try_to_claim_block() (v6.15+): claim the pageblock of a fallback block for startMt.
   *  (a) a block of order >= pageblock_order is taken whole and all its pageblocks retyped;
   *  (b) otherwise the watermark is boosted, and the pageblock is claimed (retyped, its free
   *      pages moved) when free + compatible pages >= half a pageblock: compatible pages are the
   *      movable ones for a MOVABLE request, and for UNMOVABLE/RECLAIMABLE requests falling back
   *      into a MOVABLE block every non-free non-movable page; into UNMOVABLE/RECLAIMABLE
   *      blocks none (the types cannot be told apart);
   *  (c) a pageblock straddling the zone boundary is never claimed.
   * Returns the allocated pfn, or -1 if the block was not claimed.
   */
  private tryToClaimBlock(
    zone: Zone,
    pfn: number,
    currentOrder: number,
    order: number,
    startMt: number,
    blockMt: number,
    allocFlags: number,
  ): number {
    if (currentOrder >= this.pageblockOrder) {
      if (this.sorted !== null) this.takeFromRegion(pfn, currentOrder, 1 << order, 'alloc');
      this.delFromFreeList(pfn - this.startPfn, zone.idx, currentOrder, blockMt);
      this.accountFreepages(zone, -(1 << currentOrder), blockMt);
      this.changePageblockRange(pfn, currentOrder, startMt);
      const added = this.general
        ? this.expandGeneral(zone, pfn, order, currentOrder, startMt)
        : this.expand(zone, pfn, order, currentOrder, startMt);
      this.accountFreepages(zone, added, startMt);
      return pfn;
    }
    if (this.boostWatermark(zone) && allocFlags & ALLOC_KSWAPD) zone.boostedWatermark = true;
    if (!this.prepMoveFreepagesBlock(zone, pfn, true)) return -1;
    const freePages = this.scanFree;
    const movablePages = this.scanMovable;
    let alikePages: number;
    if (startMt === MIGRATE_MOVABLE) alikePages = movablePages;
    else if (blockMt === MIGRATE_MOVABLE) alikePages = this.pageblockNrPages - (freePages + movablePages);
    else alikePages = 0;
    if (freePages + alikePages >= this.pageblockNrPages >> 1) {
      const start = pfn - (pfn & (this.pageblockNrPages - 1));
      this.moveFreepagesBlockRaw(zone, start, blockMt, startMt);
      this.memmap.setPageblockMigratetype(start, startMt);
      return this.rmqueueSmallest(zone, order, startMt);
    }
    return -1;
  }

  /**
   * __rmqueue_claim(): from the largest order down, look for a fallback block whose pageblock
   * can be claimed for the request. With ALLOC_NOFRAGMENT only whole pageblocks are taken.
   */
  private rmqueueClaim(zone: Zone, order: number, startMt: number, allocFlags: number): number {
    let minOrder = order;
    if (order < this.pageblockOrder && allocFlags & ALLOC_NOFRAGMENT) minOrder = this.pageblockOrder;
    for (let co = this.maxOrder; co >= minOrder; co--) {
      const fmt = this.findSuitableFallback(zone, co, startMt, true);
      if (fmt === -1) continue;
      if (fmt === -2) break;
      const pfn = this.w[3 * this.freeListHead(zone.idx, co, fmt)]! + this.startPfn;
      const page = this.tryToClaimBlock(zone, pfn, co, order, startMt, fmt, allocFlags);
      if (page >= 0) {
        this.events.fallback_claim++;
        this.hooks.extfrag(page, order, co, startMt, fmt, true);
        return page;
      }
    }
    return -1;
  }

  /**
   * __rmqueue_steal(): take the smallest fallback block that fits, leaving its pageblock's type
   * alone (the split remainders go back to the fallback type's lists).
   */
  private rmqueueSteal(zone: Zone, order: number, startMt: number): number {
    for (let co = order; co <= this.maxOrder; co++) {
      const fmt = this.findSuitableFallback(zone, co, startMt, false);
      if (fmt === -1) continue;
      const pfn = this.w[3 * this.freeListHead(zone.idx, co, fmt)]! + this.startPfn;
      this.pageDelAndExpand(zone, pfn, order, co, fmt);
      this.events.fallback_steal++;
      this.hooks.extfrag(pfn, order, co, startMt, fmt, false);
      return pfn;
    }
    return -1;
  }

  /**
   * __rmqueue(): (a) movable requests use CMA first when more than half of the zone's free
   * pages are CMA; (b) the requested list; (c) CMA for movable requests; (d) claim a fallback
   * pageblock; (e) unless ALLOC_NOFRAGMENT, steal a fallback block. CMA, HIGHATOMIC and
   * ISOLATE lists are never fallback sources. (Linux's rmqueue_mode caching only skips steps
   * known to fail inside one rmqueue_bulk() call; the result is the same.)
   */
  rmqueue(zone: Zone, order: number, mt: number, allocFlags: number): number {
    let page: number;
    if (allocFlags & ALLOC_CMA && zone.nrFreeCma > zone.nrFreePages >> 1) {
      page = this.rmqueueSmallest(zone, order, MIGRATE_CMA);
      if (page >= 0) return page;
    }
    page = this.rmqueueSmallest(zone, order, mt);
    if (page >= 0) return page;
    if (allocFlags & ALLOC_CMA) {
      page = this.rmqueueSmallest(zone, order, MIGRATE_CMA);
      if (page >= 0) return page;
    }
    page = this.rmqueueClaim(zone, order, mt, allocFlags);
    if (page >= 0) return page;
    if ((allocFlags & ALLOC_NOFRAGMENT) === 0) return this.rmqueueSteal(zone, order, mt);
    return -1;
  }

  /** rmqueue_bulk(): move up to `count` blocks to the tail of a pcp list; returns how many. */
  rmqueueBulk(zone: Zone, order: number, count: number, listHead: number, mt: number, allocFlags: number): number {
    const base = this.startPfn;
    const w = this.w;
    let i = 0;
    for (; i < count; i++) {
      const pfn = this.rmqueue(zone, order, mt, allocFlags);
      if (pfn < 0) break;
      const idx = pfn - base;
      // list_add_tail(&page->pcp_list, list)
      const p = w[3 * listHead + 1]!;
      w[3 * idx] = listHead;
      w[3 * idx + 1] = p;
      w[3 * p] = idx;
      w[3 * listHead + 1] = idx;
      // Kind FREE, age 0 (memmap invariant c), PG_PCP, order.
      w[3 * idx + 2 /* W_STATE */] = (2 /* PG_PCP */ << 16) | (order << 24);
    }
    return i;
  }

  /**
   * rmqueue_buddy(): HIGHATOMIC reserve first for ALLOC_HIGHATOMIC, then __rmqueue(); atomic and
   * OOM-victim requests may use the HIGHATOMIC reserve as a last resort.
   */
  private rmqueueBuddy(zone: Zone, order: number, allocFlags: number, mt: number): number {
    let page = -1;
    if (allocFlags & ALLOC_HIGHATOMIC) page = this.rmqueueSmallest(zone, order, MIGRATE_HIGHATOMIC);
    if (page < 0) {
      page = this.rmqueue(zone, order, mt, allocFlags);
      if (page < 0 && allocFlags & (ALLOC_OOM | ALLOC_NON_BLOCK))
        page = this.rmqueueSmallest(zone, order, MIGRATE_HIGHATOMIC);
    }
    return page;
  }

  /** rmqueue(): per-cpu lists for small orders, else the buddy lists. */
  private rmqueueZone(zone: Zone, order: number, allocFlags: number, mt: number, cpu: number): number {
    let page = -1;
    if (this.pcp !== null && order <= this.pcpMaxOrder) {
      page = this.pcp.rmqueue(this, zone, order, mt, allocFlags, cpu);
    }
    if (page < 0) page = this.rmqueueBuddy(zone, order, allocFlags, mt);
    if (allocFlags & ALLOC_KSWAPD && zone.boostedWatermark) {
      zone.boostedWatermark = false;
      this.hooks.wakeKswapd(zone.idx, 0, zone.idx);
    }
    return page;
  }

  // ---- watermarks ----------------------------------------------------------------------------

  /** __zone_watermark_unusable_free(). */
  private unusableFree(zone: Zone, order: number, allocFlags: number): number {
    let unusable = (1 << order) - 1;
    if ((allocFlags & ALLOC_RESERVES) === 0) unusable += zone.nrFreeHighatomic;
    if ((allocFlags & ALLOC_CMA) === 0) unusable += zone.nrFreeCma;
    return unusable;
  }

  /**
   * __zone_watermark_ok(): free pages (minus what the request cannot use) must exceed the mark
   * plus lowmem_reserve; reserves lower the mark (__GFP_HIGH: -1/2, then non-blocking: -1/4,
   * OOM victims: -1/2); for order > 0 a free block of at least that order must exist on a list
   * the request may use.
   */
  zoneWatermarkOk(
    zone: Zone,
    order: number,
    mark: number,
    highestZoneIdx: number,
    allocFlags: number,
    freePages = zone.nrFreePages,
  ): boolean {
    const w = this.w;
    let min = mark;
    freePages -= this.unusableFree(zone, order, allocFlags);
    if (allocFlags & ALLOC_RESERVES) {
      if (allocFlags & ALLOC_MIN_RESERVE) {
        min -= Math.floor(min / 2);
        if (allocFlags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
      }
      if (allocFlags & ALLOC_OOM) min -= Math.floor(min / 2);
    }
    if (freePages <= min + zone.lowmemReserve[highestZoneIdx]!) return false;
    if (order === 0) return true;
    for (let o = order; o <= this.maxOrder; o++) {
      if (this.nrFree[zone.idx * this.nrOrders + o] === 0) continue;
      const h = this.freeListHead(zone.idx, o, 0);
      for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) if (w[3 * (h + mt)] !== h + mt) return true;
      if (allocFlags & ALLOC_CMA && w[3 * (h + MIGRATE_CMA)] !== h + MIGRATE_CMA) return true;
      if (allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM) && w[3 * (h + MIGRATE_HIGHATOMIC)] !== h + MIGRATE_HIGHATOMIC)
        return true;
    }
    return false;
  }

  /** zone_watermark_fast(). */
  private zoneWatermarkFast(
    zone: Zone,
    order: number,
    mark: number,
    highestZoneIdx: number,
    allocFlags: number,
  ): boolean {
    const freePages = zone.nrFreePages;
    if (order === 0) {
      let reserved = 0;
      if ((allocFlags & ALLOC_RESERVES) === 0) reserved += zone.nrFreeHighatomic;
      if ((allocFlags & ALLOC_CMA) === 0) reserved += zone.nrFreeCma;
      const usable = freePages - Math.min(freePages, reserved);
      if (usable > mark + zone.lowmemReserve[highestZoneIdx]!) return true;
    }
    if (this.zoneWatermarkOk(zone, order, mark, highestZoneIdx, allocFlags, freePages)) return true;
    if (
      order === 0 &&
      allocFlags & ALLOC_MIN_RESERVE &&
      zone.watermarkBoost &&
      (allocFlags & ALLOC_WMARK_MASK) === ALLOC_WMARK_MIN
    ) {
      return this.zoneWatermarkOk(zone, order, zone.watermark[0]!, highestZoneIdx, allocFlags, freePages);
    }
    return false;
  }

  // ---- allocation: the zonelist walk and the slow path ---------------------------------------

  /**
   * get_page_from_freelist(): walk the zonelist from the highest allowed zone down; allocate
   * from the first zone that passes its watermark. A pass with ALLOC_NOFRAGMENT that finds
   * nothing is repeated without it. Returns the pfn (zone in lastZoneIdx) or -1.
   */
  private getPageFromFreelist(
    order: number,
    allocFlags: number,
    highestZoneIdx: number,
    mt: number,
    cpu: number,
  ): number {
    const zonelist = this.zonelists[highestZoneIdx]!;
    for (;;) {
      const wmark = allocFlags & ALLOC_WMARK_MASK;
      for (let i = 0; i < zonelist.length; i++) {
        const zone = zonelist[i]!;
        const mark = zone.watermark[wmark]! + zone.watermarkBoost;
        if (!this.zoneWatermarkFast(zone, order, mark, highestZoneIdx, allocFlags)) {
          if ((allocFlags & ALLOC_NO_WATERMARKS) === 0) continue;
        }
        const page = this.rmqueueZone(zone, order, allocFlags, mt, cpu);
        if (page >= 0) {
          if (allocFlags & ALLOC_HIGHATOMIC) this.reserveHighatomicPageblock(page, order, zone);
          this.lastZoneIdx = zone.idx;
          return page;
        }
      }
      if (allocFlags & ALLOC_NOFRAGMENT) {
        allocFlags &= ~ALLOC_NOFRAGMENT;
        continue;
      }
      return -1;
    }
  }

  /** The preferred zone: first populated zone at or below highestZoneIdx, or -1. */
  preferredZoneIdx(highestZoneIdx: number): number {
    const first = this.zonelists[highestZoneIdx]![0];
    return first === undefined ? -1 : first.idx;
  }

  /**
   * __alloc_pages(): allocate 2^order contiguous pages for an owner kind. Returns the first
   * pfn, or an AllocFailure outcome (never throws for lack of memory). A malformed request
   * (bad gfp combination, kind FREE) is a bug and throws.
   *  (a) fast path: ALLOC_WMARK_LOW, plus ALLOC_NOFRAGMENT when the preferred zone is NORMAL
   *      (alloc_flags_nofragment()), plus ALLOC_CMA for movable requests;
   *  (b) slow path: wake kswapd, retry at the min watermark with the gfp's reserve rights;
   *      then, if the request may block, direct compaction / reclaim hooks with retries, one
   *      pcp drain and HIGHATOMIC unreserve, and finally the OOM hook.
   */
  allocPages(order: number, gfp: number, kind: number, cpu?: number): AllocResult {
    // (Not a default parameter: those make V8 copy every parameter, which costs bytecode.)
    if (cpu === undefined) cpu = 0;
    // The order-0 fast path, identical in effect to the first step of get_page_from_freelist()
    // and written inline here so that V8 inlines all of it into callers: the preferred zone
    // passes the order-0 low-watermark check (zone_watermark_fast()), then the first page of
    // the pcp list (__rmqueue_pcplist()) and prep_new_page(), or without pcp lists
    // allocBuddyOrder0(). Anything else (having changed nothing) breaks to the full path. Both
    // fast paths stay under V8's inlining limits (460 bytes of bytecode each, 920 together).
    fast: if (order === 0) {
      const dec = GFP_DECODE[gfp & 0x1f]!;
      const k1 = kind - 1;
      if (dec < 0 || k1 >>> 0 !== k1 || k1 >= 10 /* NR_PAGE_KINDS - 1 */ || cpu >>> 0 !== cpu || cpu >= this.nrCpus)
        break fast;
      const zone = this.preferredZone[dec & 0xf]!;
      if (zone === null || zone.boostedWatermark !== false) break fast;
      const mt = dec >> 4;
      // __zone_watermark_unusable_free(): the highatomic reserve, and CMA unless ALLOC_CMA.
      // (usable = free - min(free, reserved) > mark, with mark >= 0, is free - reserved > mark.)
      const cma = mt === this.cmaMt;
      const reserved = zone.nrFreeHighatomic + (cma ? 0 : zone.nrFreeCma);
      if (zone.nrFreePages - reserved <= zone.watermark[1]! + zone.watermarkBoost + zone.lowmemReserve[dec & 0xf]!)
        break fast;
      if (this.pcpHeadBase < 0) {
        const pfn = this.allocBuddyOrder0(zone, mt, cma, kind);
        if (pfn >= 0) return pfn;
        break fast;
      }
      const w = this.w;
      const zc = zone.idx * this.nrCpus + cpu;
      const h = this.pcpHeadBase + zc * 12 /* NR_PCP_LISTS */ + mt;
      const idx = w[3 * h]!;
      if (idx === h) break fast;
      // list_del(&page->pcp_list)
      const n = w[3 * idx]!;
      w[3 * h] = n;
      w[3 * n + 1] = h;
      w[this.pcpCountBase + zc]--;
      // prep_new_page(): owner kind, age 0 (as every free page has), PG_HEAD, order 0.
      w[3 * idx + 2 /* W_STATE */] = kind | (4 /* PG_HEAD */ << 16);
      this.kindCount[this.cellOf[idx >>> this.cellShift]! * 11 /* NR_PAGE_KINDS */ + kind]++;
      this.pgalloc[zone.idx]++;
      return idx + this.startPfn;
    }
    return this.allocPagesZonelist(order, gfp, kind, cpu);
  }

  /**
   * allocPages()' order-0 fast path without pcp lists: when CMA balancing does not apply,
   * __rmqueue_smallest() and prep_new_page(). Returns the pfn, or -1 (having changed nothing).
   */
  private allocBuddyOrder0(zone: Zone, mt: number, cma: boolean, kind: number): number {
    if (cma && zone.nrFreeCma > zone.nrFreePages >> 1) return -1; // __rmqueue() would try CMA first
    const pfn = this.rmqueueSmallest(zone, 0, mt);
    if (pfn < 0) return -1;
    // Owner kind, age 0 (as every free page has), PG_HEAD, order 0.
    const idx = pfn - this.startPfn;
    this.w[3 * idx + 2 /* W_STATE */] = kind | (4 /* PG_HEAD */ << 16);
    this.kindCount[this.cellOf[idx >>> this.cellShift]! * 11 /* NR_PAGE_KINDS */ + kind]++;
    this.pgalloc[zone.idx]++;
    return pfn;
  }

  /** __alloc_pages() beyond the fast path: argument checks, zonelist walk, slow path. */
  private allocPagesZonelist(order: number, gfp: number, kind: number, cpu: number): AllocResult {
    const dec = GFP_DECODE[gfp & 0x1f]!;
    if (
      order >>> 0 > this.maxOrder ||
      (kind - 1) >>> 0 >= NR_PAGE_KINDS - 1 ||
      cpu >>> 0 >= this.nrCpus ||
      dec < 0 ||
      (order | 0) !== order ||
      (kind | 0) !== kind ||
      (cpu | 0) !== cpu
    ) {
      return this.badAllocRequest(order, gfp, kind, cpu);
    }
    const highest = dec & 0xf;
    const mt = dec >> 4;
    let allocFlags = ALLOC_WMARK_LOW | (gfp & __GFP_KSWAPD_RECLAIM) | this.nofragment[highest]!;
    if (mt === MIGRATE_MOVABLE && this.configCma) allocFlags |= ALLOC_CMA;
    let page = this.getPageFromFreelist(order, allocFlags, highest, mt, cpu);
    if (page < 0) page = this.allocPagesSlowpath(order, gfp, highest, mt, cpu);
    if (page < 0) {
      if (this.preferredZoneIdx(highest) < 0) return this.allocFailure(order, gfp, 'no-zone');
      return this.allocFailure(order, gfp, this.classifyFailure(order, gfp, highest, mt));
    }
    this.prepNewPage(page, order, kind, this.lastZoneIdx);
    return page;
  }

  /** Argument errors of allocPages(): too-large order is an outcome, the rest are bugs. */
  private badAllocRequest(order: number, gfp: number, kind: number, cpu: number): AllocFailure {
    if (Number.isInteger(order) && order > this.maxOrder) return this.allocFailure(order, gfp, 'order-too-large');
    if (!Number.isInteger(order) || order < 0)
      throw new RangeError(`allocPages: order ${order} is not an integer in [0, ${this.maxOrder}]`);
    if (!Number.isInteger(kind) || kind <= PageKind.FREE || kind >= NR_PAGE_KINDS) {
      throw new RangeError(
        `allocPages: owner kind ${kind} is not one of ${PAGE_KIND_NAMES.slice(1)
          .map((n, i) => `${i + 1} (${n})`)
          .join(', ')}`,
      );
    }
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.nrCpus)
      throw new RangeError(`allocPages: cpu ${cpu} is not in [0, ${this.nrCpus})`);
    throw new RangeError(`allocPages: gfp 0x${gfp.toString(16)} is an invalid combination (zone or mobility bits)`);
  }

  /** gfp_to_alloc_flags() with gfp_to_alloc_flags_cma(). */
  private gfpToAllocFlags(gfp: number, order: number, mt: number): number {
    let f = ALLOC_WMARK_MIN | (gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM));
    if ((gfp & __GFP_DIRECT_RECLAIM) === 0 && (gfp & __GFP_NOMEMALLOC) === 0) {
      f |= ALLOC_NON_BLOCK;
      if (order > 0) f |= ALLOC_HIGHATOMIC;
    }
    if (mt === MIGRATE_MOVABLE && this.configCma) f |= ALLOC_CMA;
    return f;
  }

  private allocPagesSlowpath(order: number, gfp: number, highest: number, mt: number, cpu: number): number {
    if (this.preferredZoneIdx(highest) < 0) return -1;
    let allocFlags = this.gfpToAllocFlags(gfp, order, mt);
    if (allocFlags & ALLOC_KSWAPD) this.wakeAllKswapds(order, highest);
    let page = this.getPageFromFreelist(order, allocFlags, highest, mt, cpu);
    if (page >= 0) return page;
    if (gfp & __GFP_MEMALLOC && (gfp & __GFP_NOMEMALLOC) === 0) {
      allocFlags = (allocFlags & ~ALLOC_WMARK_MASK) | ALLOC_NO_WATERMARKS;
      page = this.getPageFromFreelist(order, allocFlags, highest, mt, cpu);
      if (page >= 0) return page;
    }
    if ((gfp & __GFP_DIRECT_RECLAIM) === 0) return -1;
    let drained = false;
    for (let retries = 0; retries <= MAX_RECLAIM_RETRIES; retries++) {
      if (order > 0) {
        this.hooks.directCompact(order, gfp, highest);
        page = this.getPageFromFreelist(order, allocFlags, highest, mt, cpu);
        if (page >= 0) return page;
      }
      if (this.hooks !== NO_HOOKS) this.events.allocstall[highest]++;
      const progress = this.hooks.directReclaim(order, gfp, highest);
      page = this.getPageFromFreelist(order, allocFlags, highest, mt, cpu);
      if (page >= 0) return page;
      if (!drained) {
        this.unreserveHighatomicPageblock(highest, mt, false);
        this.drainAllPages();
        drained = true;
        page = this.getPageFromFreelist(order, allocFlags, highest, mt, cpu);
        if (page >= 0) return page;
      }
      if (progress <= 0) break;
      if (gfp & __GFP_NORETRY) break;
      if (order > PAGE_ALLOC_COSTLY_ORDER && (gfp & __GFP_RETRY_MAYFAIL) === 0) break;
    }
    // should_reclaim_retry() gives up: last resort is the highatomic reserve, then the OOM path,
    // which __alloc_pages_may_oom() never takes for __GFP_RETRY_MAYFAIL (migration targets).
    if (this.unreserveHighatomicPageblock(highest, mt, true)) {
      page = this.getPageFromFreelist(order, allocFlags, highest, mt, cpu);
      if (page >= 0) return page;
    }
    if (
      order <= PAGE_ALLOC_COSTLY_ORDER &&
      (gfp & (__GFP_NORETRY | __GFP_RETRY_MAYFAIL)) === 0 &&
      this.hooks.outOfMemory(order, gfp, highest)
    ) {
      page = this.getPageFromFreelist(order, allocFlags, highest, mt, cpu);
      if (page >= 0) return page;
    }
    return -1;
  }

  /** wake_all_kswapds(): every populated zone of the zonelist below its low watermark. */
  private wakeAllKswapds(order: number, highest: number): void {
    const first = this.zonelists[highest]![0];
    // One node: kswapd balances all its zones up to highest.
    if (first !== undefined) this.hooks.wakeKswapd(first.idx, order, highest);
  }

  private classifyFailure(order: number, gfp: number, highest: number, mt: number): AllocFailureReason {
    const flags = this.gfpToAllocFlags(gfp, order, mt);
    for (let z = highest; z >= 0; z--) {
      const zone = this.zones[z]!;
      if (!zone.populated) continue;
      if (this.zoneWatermarkOk(zone, 0, zone.minWmark + (1 << order) - 1, highest, flags)) return 'fragmentation';
    }
    return 'watermark';
  }

  private allocFailure(order: number, gfp: number, reason: AllocFailureReason): AllocFailure {
    const highest = gfpZone(gfp);
    const pz = highest >= 0 ? this.preferredZoneIdx(highest) : -1;
    let free = 0;
    for (let z = Math.max(highest, -1); z >= 0; z--) free += this.zones[z]!.nrFreePages;
    this.events.alloc_fail++;
    return { ok: false, order, gfp, zone: pz >= 0 ? this.zones[pz]!.name : 'none', reason, freePages: free };
  }

  /** prep_new_page(): give the block its owner kind and the PG_HEAD/order of an allocation. */
  private prepNewPage(pfn: number, order: number, kind: number, zoneIdx: number): void {
    const idx = pfn - this.startPfn;
    const n = 1 << order;
    const w = this.w;
    // Word stores of the state (kind, age 0 as on every free page, no flags; PG_HEAD and the
    // order on the head), as the order-0 fast paths do: no narrow store before a wide load.
    for (let i = idx + 1; i < idx + n; i++) w[3 * i + 2 /* W_STATE */] = kind;
    w[3 * idx + 2 /* W_STATE */] = kind | (4 /* PG_HEAD */ << 16) | (order << 24);
    if (order <= this.cellShift)
      this.kindCount[this.cellOf[idx >>> this.cellShift]! * 11 /* NR_PAGE_KINDS */ + kind] += n;
    else this.census.addBlock(idx, n, kind, 1);
    this.pgalloc[zoneIdx] += n;
  }

  // ---- highatomic reserve --------------------------------------------------------------------

  /**
   * reserve_highatomic_pageblock(): after a high-order atomic allocation, set aside its
   * pageblock for future ones, up to about 1 % of the zone (none if 1 % is below a pageblock).
   */
  private reserveHighatomicPageblock(pfn: number, order: number, zone: Zone): void {
    const onePercent = Math.floor(zone.managedPages / 100);
    if (onePercent < this.pageblockNrPages) return;
    const maxManaged = Math.ceil(onePercent / this.pageblockNrPages) * this.pageblockNrPages;
    if (zone.nrReservedHighatomic >= maxManaged) return;
    const mt = this.memmap.getPageblockMigratetype(pfn);
    if (mt >= MIGRATE_PCPTYPES) return;
    if (order < this.pageblockOrder) {
      if (this.moveFreepagesBlock(pfn, mt, MIGRATE_HIGHATOMIC) === -1) return;
      zone.nrReservedHighatomic += this.pageblockNrPages;
    } else {
      this.changePageblockRange(pfn, order, MIGRATE_HIGHATOMIC);
      zone.nrReservedHighatomic += 2 ** order;
    }
  }

  /**
   * unreserve_highatomic_pageblock(): give one HIGHATOMIC pageblock back to `mt` (keeping one
   * pageblock per zone unless `force`). Returns true if one was released.
   */
  unreserveHighatomicPageblock(highest: number, mt: number, force: boolean): boolean {
    for (let z = highest; z >= 0; z--) {
      const zone = this.zones[z]!;
      if (!zone.populated) continue;
      if (!force && zone.nrReservedHighatomic <= this.pageblockNrPages) continue;
      for (let order = 0; order <= this.maxOrder; order++) {
        const h = this.freeListHead(z, order, MIGRATE_HIGHATOMIC);
        const first = this.w[3 * h]!;
        if (first === h) continue;
        const pfn = first + this.startPfn;
        let size = Math.max(this.pageblockNrPages, 2 ** order);
        if (size > zone.nrReservedHighatomic) size = zone.nrReservedHighatomic;
        zone.nrReservedHighatomic -= size;
        let ret: number;
        if (order < this.pageblockOrder) {
          ret = this.moveFreepagesBlock(pfn, MIGRATE_HIGHATOMIC, mt);
        } else {
          this.moveToFreeList(first, zone, order, MIGRATE_HIGHATOMIC, mt);
          this.changePageblockRange(pfn, order, mt);
          ret = 1;
        }
        if (ret > 0) return true;
      }
    }
    return false;
  }

  // ---- per-cpu lists -------------------------------------------------------------------------

  /** drain_all_pages(): return every pcp page of every zone and CPU to the buddy lists. */
  drainAllPages(): void {
    if (this.pcp === null) return;
    for (const zone of this.zones) {
      if (!zone.populated) continue;
      for (let cpu = 0; cpu < this.nrCpus; cpu++) this.pcp.drainZone(this, zone, cpu);
    }
  }

  // ---- primitives for reclaim, migration, compaction, isolation built on top -----------------

  /**
   * __isolate_free_page(): take a free buddy block off the lists for the caller (compaction's
   * free scanner, alloc_contig_range()). Obeys the min watermark unless the block is in an
   * isolated pageblock; a block of at least half a pageblock retypes its mergeable pageblocks
   * MOVABLE. Returns the pages taken (0 if refused). The pages stay kind FREE and unflagged:
   * the caller must give them an owner (setPageKind / markAllocated) or put them back.
   */
  isolateFreePage(pfn: number, order: number): number {
    const idx = pfn - this.startPfn;
    if ((this.b[12 * idx + B_FLAGS]! & PG_BUDDY) === 0 || this.b[12 * idx + B_ORDER] !== order) {
      throw new Error(
        `isolateFreePage: pfn ${hex(pfn, 1)} is not a free order-${order} block (${this.describePage(pfn)})`,
      );
    }
    const zone = this.zoneOf(pfn);
    const mt = this.memmap.getPageblockMigratetype(pfn);
    if (mt !== MIGRATE_ISOLATE) {
      const watermark = zone.watermark[0]! + (1 << order);
      if (!this.zoneWatermarkOk(zone, 0, watermark, 0, ALLOC_CMA)) return 0;
    }
    if (this.sorted !== null) this.takeFromRegion(pfn, order, 1 << order, 'isolate');
    this.delFromFreeList(idx, zone.idx, order, mt);
    this.accountFreepages(zone, -(1 << order), mt);
    if (order >= this.pageblockOrder - 1) {
      const end = pfn + (1 << order) - 1;
      for (let p = pfn; p < end; p += this.pageblockNrPages) {
        const bmt = this.memmap.getPageblockMigratetype(p);
        if (bmt < MIGRATE_PCPTYPES) this.moveFreepagesBlock(p, bmt, MIGRATE_MOVABLE);
      }
    }
    return 1 << order;
  }

  /** __putback_isolated_page(): return a block taken by isolateFreePage() (kind FREE) to the lists. */
  putbackIsolatedPage(pfn: number, order: number): void {
    const zone = this.zoneOf(pfn);
    // Free pages have age 0 (memmap invariant c), whatever the holder did meanwhile.
    for (let i = pfn - this.startPfn, end = i + (1 << order); i < end; i++) this.b[12 * i + B_AGE] = 0;
    this.freeOneBlock(pfn, zone, order, this.memmap.getPageblockMigratetype(pfn), false);
  }

  /**
   * Give a block the caller holds (isolated free pages, or pages of another kind) an owner kind
   * and make it an allocated block of `order` (like prep_new_page() + post_alloc_hook()).
   */
  markAllocated(pfn: number, order: number, kind: number): void {
    const b = this.b;
    const idx = pfn - this.startPfn;
    const n = 1 << order;
    const census = this.census;
    for (let i = idx; i < idx + n; i++) {
      const fl = b[12 * i + B_FLAGS]!;
      if (fl & (PG_BUDDY | PG_PCP))
        throw new Error(`markAllocated: pfn ${hex(i + this.startPfn, 1)} is on a free list`);
      if (fl & PG_HEAD && fl & PG_PINNED) census.addPinned(i, 1 << b[12 * i + B_ORDER]!, -1);
      const old = b[12 * i + B_KIND]!;
      if (old !== PageKind.FREE) census.addBlock(i, 1, old, -1);
      b[12 * i + B_KIND] = kind;
      b[12 * i + B_FLAGS] = 0;
    }
    census.addBlock(idx, n, kind, 1);
    b[12 * idx + B_FLAGS] = PG_HEAD;
    b[12 * idx + B_ORDER] = order;
  }

  /** Change the owner kind of allocated pages (e.g. file clean -> dirty, anon -> balloon). */
  setPageKind(pfn: number, nrPages: number, kind: number): void {
    if (!(kind > PageKind.FREE && kind < NR_PAGE_KINDS))
      throw new RangeError(`setPageKind: kind ${kind} must be an owner kind (not FREE)`);
    const idx = pfn - this.startPfn;
    for (let i = idx; i < idx + nrPages; i++) {
      const old = this.b[12 * i + B_KIND]!;
      if (old === PageKind.FREE) throw new Error(`setPageKind: pfn ${hex(i + this.startPfn, 1)} is free`);
      this.census.addBlock(i, 1, old, -1);
      this.census.addBlock(i, 1, kind, 1);
      this.b[12 * i + B_KIND] = kind;
    }
  }

  /**
   * Set or clear the long-term pin (PG_PINNED, FOLL_LONGTERM) of the allocated block headed at
   * pfn, keeping the kind census's pinned counts.
   */
  setPinned(pfn: number, on: boolean): void {
    const idx = pfn - this.startPfn;
    const fl = this.b[12 * idx + B_FLAGS]!;
    if ((fl & PG_HEAD) === 0) throw new Error(`setPinned: pfn ${hex(pfn, 1)} is not the head of an allocated block`);
    if (((fl & PG_PINNED) !== 0) === on) return;
    this.b[12 * idx + B_FLAGS] = on ? fl | PG_PINNED : fl & ~PG_PINNED;
    this.census.addPinned(idx, 1 << this.b[12 * idx + B_ORDER]!, on ? 1 : -1);
  }

  /** split_page(): turn an allocated order-n block into 2^n order-0 allocated pages. */
  splitPage(pfn: number, order: number): void {
    const b = this.b;
    const idx = pfn - this.startPfn;
    if ((b[12 * idx + B_FLAGS]! & PG_HEAD) === 0 || b[12 * idx + B_ORDER] !== order) {
      throw new Error(
        `splitPage: pfn ${hex(pfn, 1)} is not an allocated order-${order} block (${this.describePage(pfn)})`,
      );
    }
    for (let i = idx; i < idx + (1 << order); i++) {
      b[12 * i + B_FLAGS] = b[12 * i + B_FLAGS]! | PG_HEAD;
      b[12 * i + B_ORDER] = 0;
    }
  }

  /** A one-line description of a page's state for error messages. */
  describePage(pfn: number): string {
    const b = this.b;
    if (!this.memmap.pfnValid(pfn))
      return pfn >= this.startPfn && pfn < this.endPfn && Number.isInteger(pfn)
        ? `pfn ${hex(pfn, 1)} in a memory hole (a section without RAM)`
        : `pfn ${pfn} outside DRAM`;
    const i = pfn - this.startPfn;
    const f = b[12 * i + B_FLAGS]!;
    const parts = [`kind ${PAGE_KIND_NAMES[b[12 * i + B_KIND]!] ?? b[12 * i + B_KIND]}`, `flags 0x${f.toString(16)}`];
    if (!this.memmap.pfnPresent(pfn)) parts.push('in a memory hole');
    if (f & (PG_BUDDY | PG_PCP | PG_HEAD)) parts.push(`order ${b[12 * i + B_ORDER]}`);
    const fb = this.findFreeBlock(pfn);
    if (fb >= 0 && fb !== pfn)
      parts.push(`inside the free order-${b[12 * (fb - this.startPfn) + B_ORDER]} block at ${hex(fb, 1)}`);
    return parts.join(', ');
  }
}

/** Count trailing zeros of a positive integer below 2^53 (__ffs()). */
function ctz(x: number): number {
  if (x <= 0xffffffff) return 31 - Math.clz32(x & -x);
  let n = 0;
  while (x % 2 === 0) {
    x /= 2;
    n++;
  }
  return n;
}
