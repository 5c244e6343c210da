/**
 * Memory compaction (mm/compaction.c of Linux v6.x) and the fragmentation metrics of
 * mm/vmstat.c.
 *
 * compact_zone(): a migrate scanner walks the zone's pageblocks from the start upwards and
 * isolates in-use movable pages (up to COMPACT_CLUSTER_MAX = 32 per round); a free scanner walks
 * pageblocks from the end downwards and isolates free buddy blocks as targets, only in
 * MOVABLE/CMA pageblocks and never breaking a free block of at least the requested order (or a
 * pageblock); the movable pages migrate up into those targets. It stops when:
 *  (a) the scanners meet (COMPACT_COMPLETE for a whole-zone run, else PARTIAL_SKIPPED);
 *  (b) for proactive compaction, the zone's fragmentation score fell to the low mark;
 *  (c) for an allocation of `order`, at a pageblock boundary of the migrate scanner, the
 *      watermark for the order is met and a free block of that order or larger exists on the
 *      request's list, the CMA list (movable requests) or a fallback list it could claim
 *      (COMPACT_SUCCESS).
 * Before it starts, an allocation-driven run is skipped when the order-0 watermark plus
 * compact_gap(order) = 2 << order is not met (compaction_suitable()), and for costly orders when
 * the fragmentation index says the failure is for lack of memory (index <= extfrag_threshold).
 *
 * fragmentation_index(): for a request of `order` that would fail, 1000 - (1000 + free_pages *
 * 1000 / 2^order) / free_blocks_total (0: lack of memory, 1000: fragmentation), -1000 when a
 * block of that order is free, 0 with no free blocks. extfrag_for_order(): percentage of free
 * pages in blocks too small for the order. Proactive compaction (kcompactd): the node score
 * (zone scores extfrag_for_order(pageblock order) weighted by present pages) above
 * min(max(100 - proactiveness, 5) + 10, 100) starts whole-zone compaction until each zone is at
 * max(100 - proactiveness, 5); a run that does not lower the score defers the next 64 checks.
 *
 * Counters: compact_migrate_scanned, compact_free_scanned, compact_isolated; direct compaction
 * compact_stall, compact_success, compact_fail; kcompactd compact_daemon_wake and
 * compact_daemon_{migrate,free}_scanned.
 *
 * Both scanners skip pageblocks in memory sections without RAM (pageblock_pfn_to_page() is NULL
 * there); frames of holes inside a section are reserved, so neither scanner takes them.
 *
 * Invariants: when an entry point returns, compaction holds no page: its free lists and its
 * migrate list are empty (checkInvariants()), every isolated free page was either used as a
 * target or given back to the buddy lists.
 */
import { ALLOC_CMA, ALLOC_WMARK_MASK, ALLOC_WMARK_MIN, gfpMigratetype, GFP_KERNEL, __GFP_MOVABLE } from './gfp.js';
import type { Lru } from './lru.js';
import { MIGRATE_CMA, MIGRATE_MOVABLE } from './migratetype.js';
import type { Migrator, MigrateMode } from './migrate.js';
import type { MmContext } from './mm-context.js';
import { PAGE_ALLOC_COSTLY_ORDER, type PageAllocator } from './page-alloc.js';
import { PG_BUDDY, PG_HEAD, PG_PINNED, PageKind, isMovableKind } from './page-flags.js';
import { SWAP_CLUSTER_MAX } from './watermarks.js';
import type { Zone } from './zone.js';

export const COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX;
export const DEFAULT_COMPACTION_PROACTIVENESS = 20;
export const DEFAULT_EXTFRAG_THRESHOLD = 500;
/** COMPACT_MAX_DEFER_SHIFT: a proactive run without progress skips the next 1 << 6 checks. */
export const COMPACT_MAX_DEFER_SHIFT = 6;
/** HPAGE_FRAG_CHECK_INTERVAL_MSEC: kcompactd's proactive check period. */
export const HPAGE_FRAG_CHECK_INTERVAL_NS = 500e6;

export type CompactResult = 'skipped' | 'continue' | 'complete' | 'partial-skipped' | 'success';

/** struct contig_page_info. */
export interface ContigPageInfo {
  freePages: number;
  freeBlocksTotal: number;
  freeBlocksSuitable: number;
}

/** fill_contig_page_info(): from free_area[order].nr_free of every order (all migratetypes). */
export function fillContigPageInfo(pa: PageAllocator, zone: Zone, suitableOrder: number): ContigPageInfo {
  const info: ContigPageInfo = { freePages: 0, freeBlocksTotal: 0, freeBlocksSuitable: 0 };
  for (let order = 0; order < pa.nrOrders; order++) {
    const blocks = pa.nrFree[zone.idx * pa.nrOrders + order]!;
    info.freeBlocksTotal += blocks;
    info.freePages += blocks * 2 ** order;
    if (order >= suitableOrder) info.freeBlocksSuitable += blocks * 2 ** (order - suitableOrder);
  }
  return info;
}

/** __fragmentation_index() (mm/vmstat.c). */
export function fragmentationIndexOf(order: number, info: ContigPageInfo, maxOrder: number): number {
  const requested = 2 ** order;
  if (order > maxOrder) return 0;
  if (!info.freeBlocksTotal) return 0;
  if (info.freeBlocksSuitable) return -1000;
  return 1000 - Math.floor((1000 + Math.floor((info.freePages * 1000) / requested)) / info.freeBlocksTotal);
}

/** fragmentation_index(zone, order). */
export function fragmentationIndex(pa: PageAllocator, zone: Zone, order: number): number {
  return fragmentationIndexOf(order, fillContigPageInfo(pa, zone, order), pa.maxOrder);
}

/** extfrag_for_order(): % of free pages in blocks smaller than the order. */
export function extfragForOrder(pa: PageAllocator, zone: Zone, order: number): number {
  const info = fillContigPageInfo(pa, zone, order);
  if (info.freePages === 0) return 0;
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 100) / info.freePages);
}

/** compact_gap(). */
export function compactGap(order: number): number {
  return 2 * 2 ** order;
}

/** __compaction_suitable(): order-0 watermark (low for costly orders, else min) + compact_gap. */
export function compactionSuitableWmark(pa: PageAllocator, zone: Zone, order: number, highestZoneIdx: number): boolean {
  let watermark = order > PAGE_ALLOC_COSTLY_ORDER ? zone.lowWmark : zone.minWmark;
  watermark += compactGap(order);
  return pa.zoneWatermarkOk(zone, 0, watermark, highestZoneIdx, ALLOC_CMA);
}

/** The state of one compact_zone() run (struct compact_control). */
interface CompactControl {
  zone: Zone;
  /** -1: compact the whole zone (compact_memory, proactive). */
  order: number;
  migratetype: number;
  mode: MigrateMode;
  direct: boolean;
  proactive: boolean;
  wholeZone: boolean;
  highestZoneIdx: number;
  allocFlags: number;
  migratePfn: number;
  freePfn: number;
  nrFreepages: number;
  migrateList: number[];
  migrated: number;
  failed: number;
  migrateScanned: number;
  freeScanned: number;
  isolated: number;
}

/** What one compact_zone() did. */
export interface CompactZoneResult {
  result: CompactResult;
  migrated: number;
  failed: number;
  migrateScanned: number;
  freeScanned: number;
  ns: number;
}

export interface CompactionOptions {
  /** vm.compaction_proactiveness, 0..100 (default 20). */
  proactiveness?: number;
  /** vm.extfrag_threshold, 0..1000 (default 500). */
  extfragThreshold?: number;
}

export class Compaction {
  readonly ctx: MmContext;
  readonly migrator: Migrator;
  readonly lru: Lru;
  proactiveness: number;
  extfragThreshold: number;
  /** Whether kswapd is running (proactive compaction stays off then); set by the owner. */
  kswapdRunning: () => boolean = () => false;
  /** zone->compact_cached_migrate_pfn / compact_cached_free_pfn, per zone (NaN = reset). */
  private readonly cachedMigrate: number[];
  private readonly cachedFree: number[];
  /** List heads of the isolated free pages per order (cc->freepages[order]). */
  private readonly freeHeadBase: number;
  private proactiveDefer = 0;
  /** kcompactd request (order, highest zone) from kswapd, or -1. */
  kcompactdOrder = -1;
  kcompactdHighest = -1;

  constructor(ctx: MmContext, migrator: Migrator, lru: Lru, opts: CompactionOptions = {}) {
    this.ctx = ctx;
    this.migrator = migrator;
    this.lru = lru;
    this.proactiveness = opts.proactiveness ?? DEFAULT_COMPACTION_PROACTIVENESS;
    this.extfragThreshold = opts.extfragThreshold ?? DEFAULT_EXTFRAG_THRESHOLD;
    if (!Number.isInteger(this.proactiveness) || this.proactiveness < 0 || this.proactiveness > 100)
      throw new RangeError(`compaction_proactiveness ${this.proactiveness} is not an integer in [0, 100]`);
    if (!Number.isInteger(this.extfragThreshold) || this.extfragThreshold < 0 || this.extfragThreshold > 1000)
      throw new RangeError(`extfrag_threshold ${this.extfragThreshold} is not an integer in [0, 1000]`);
    this.cachedMigrate = ctx.pa.zones.map(() => NaN);
    this.cachedFree = ctx.pa.zones.map(() => NaN);
    this.freeHeadBase = ctx.memmap.allocListHeads(ctx.pa.nrOrders);
  }

  // ---- metrics -------------------------------------------------------------------------------

  fragmentationIndex(zoneIdx: number, order: number): number {
    return fragmentationIndex(this.ctx.pa, this.ctx.pa.zones[zoneIdx]!, order);
  }

  extfragForOrder(zoneIdx: number, order: number): number {
    return extfragForOrder(this.ctx.pa, this.ctx.pa.zones[zoneIdx]!, order);
  }

  /** COMPACTION_HPAGE_ORDER: the pageblock order (HPAGE_PMD_ORDER on x86 is the same 9). */
  get hpageOrder(): number {
    return this.ctx.pa.pageblockOrder;
  }

  /** fragmentation_score_zone(). */
  fragmentationScoreZone(zone: Zone): number {
    return extfragForOrder(this.ctx.pa, zone, this.hpageOrder);
  }

  /** fragmentation_score_node(): zone scores weighted by present pages / (node present + 1). */
  fragmentationScoreNode(): number {
    const zones = this.ctx.pa.zones;
    const nodePresent = zones.reduce((s, z) => s + z.presentPages, 0);
    let score = 0;
    for (const z of zones) {
      if (!z.populated) continue;
      score += Math.floor((z.presentPages * this.fragmentationScoreZone(z)) / (nodePresent + 1));
    }
    return score;
  }

  /** fragmentation_score_wmark(low). */
  fragmentationScoreWmark(low: boolean): number {
    const wmarkLow = Math.max(100 - this.proactiveness, 5);
    return low ? wmarkLow : Math.min(wmarkLow + 10, 100);
  }

  /** should_proactive_compact_node(). */
  shouldProactiveCompactNode(): boolean {
    if (!this.proactiveness || this.kswapdRunning()) return false;
    return this.fragmentationScoreNode() > this.fragmentationScoreWmark(false);
  }

  /**
   * compaction_suitable(): the order-0 watermark check, and for costly orders the fragmentation
   * index must point at fragmentation (index < 0 or > extfrag_threshold).
   */
  compactionSuitable(zone: Zone, order: number, highestZoneIdx: number): boolean {
    if (!compactionSuitableWmark(this.ctx.pa, zone, order, highestZoneIdx)) return false;
    if (order > PAGE_ALLOC_COSTLY_ORDER) {
      const fi = fragmentationIndex(this.ctx.pa, zone, order);
      if (fi >= 0 && fi <= this.extfragThreshold) return false;
    }
    return true;
  }

  /**
   * compaction_ready() for reclaim: the allocation can already succeed, or compaction is suitable
   * and the zone has high watermark + compact_gap free pages.
   */
  compactionReady(zoneIdx: number, order: number, reclaimIdx: number): boolean {
    const pa = this.ctx.pa;
    const zone = pa.zones[zoneIdx]!;
    if (pa.zoneWatermarkOk(zone, order, zone.minWmark, reclaimIdx, 0)) return true;
    if (!this.compactionSuitable(zone, order, reclaimIdx)) return false;
    return pa.zoneWatermarkOk(zone, 0, zone.highWmark + compactGap(order), reclaimIdx, 0);
  }

  // ---- entry points --------------------------------------------------------------------------

  /**
   * try_to_compact_pages() for the allocator's slow path: compact the zonelist's zones (highest
   * first) in MIGRATE_SYNC_LIGHT mode until one can satisfy the order. Counts compact_stall and
   * compact_success / compact_fail. Returns whether a zone can now satisfy the request.
   */
  tryToCompactPages(order: number, gfp: number, highestZoneIdx: number): boolean {
    const ctx = this.ctx;
    const pa = ctx.pa;
    ctx.events.compact_stall++;
    let ok = false;
    ctx.memalloc++;
    try {
      for (let z = highestZoneIdx; z >= 0 && !ok; z--) {
        const zone = pa.zones[z]!;
        if (!zone.populated) continue;
        const r = this.compactZone(zone, order, {
          gfp,
          mode: 'sync-light',
          direct: true,
          highestZoneIdx,
          allocFlags: ALLOC_WMARK_MIN | ALLOC_CMA,
        });
        if (r.result === 'success' || pa.zoneWatermarkOk(zone, order, zone.minWmark, highestZoneIdx, ALLOC_CMA))
          ok = true;
      }
    } finally {
      ctx.memalloc--;
    }
    if (ok) ctx.events.compact_success++;
    else ctx.events.compact_fail++;
    return ok;
  }

  /** compact_node() (/proc/sys/vm/compact_memory): every zone, whole-zone, MIGRATE_SYNC. */
  compactNode(): CompactZoneResult[] {
    const out: CompactZoneResult[] = [];
    for (const zone of this.ctx.pa.zones) {
      if (!zone.populated) continue;
      out.push(this.compactZone(zone, -1, { mode: 'sync', wholeZone: true }));
    }
    return out;
  }

  /** proactive_compact_node(): whole-zone SYNC_LIGHT compaction of every zone, until its score is low. */
  proactiveCompactNode(): CompactZoneResult[] {
    const ctx = this.ctx;
    const out: CompactZoneResult[] = [];
    for (const zone of ctx.pa.zones) {
      if (!zone.populated) continue;
      const r = this.compactZone(zone, -1, { mode: 'sync-light', wholeZone: true, proactive: true });
      ctx.events.compact_daemon_migrate_scanned += r.migrateScanned;
      ctx.events.compact_daemon_free_scanned += r.freeScanned;
      out.push(r);
    }
    return out;
  }

  /** wakeup_kcompactd(): kswapd asks for background compaction of an order (0 is ignored). */
  wakeupKcompactd(order: number, highestZoneIdx: number): void {
    if (!order) return;
    this.kcompactdOrder = Math.max(this.kcompactdOrder, order);
    this.kcompactdHighest = Math.max(this.kcompactdHighest, highestZoneIdx);
  }

  /**
   * One kcompactd wake-up: the pending order-driven work (kcompactd_do_work()), or the periodic
   * proactive check (with its defer counter). Returns the zone results.
   */
  kcompactd(): CompactZoneResult[] {
    const ctx = this.ctx;
    const pa = ctx.pa;
    const out: CompactZoneResult[] = [];
    if (this.kcompactdHighest >= 0) {
      const order = this.kcompactdOrder;
      const highest = this.kcompactdHighest;
      this.kcompactdOrder = -1;
      this.kcompactdHighest = -1;
      ctx.events.compact_daemon_wake++;
      for (let z = 0; z <= highest; z++) {
        const zone = pa.zones[z]!;
        if (!zone.populated) continue;
        if (pa.zoneWatermarkOk(zone, order, zone.minWmark, highest, 0)) continue;
        if (!this.compactionSuitable(zone, order, highest)) continue;
        const r = this.compactZone(zone, order, { mode: 'sync-light', highestZoneIdx: highest });
        ctx.events.compact_daemon_migrate_scanned += r.migrateScanned;
        ctx.events.compact_daemon_free_scanned += r.freeScanned;
        out.push(r);
      }
      return out;
    }
    if (this.proactiveDefer > 0) {
      this.proactiveDefer--;
      return out;
    }
    if (!this.shouldProactiveCompactNode()) return out;
    ctx.events.compact_daemon_wake++;
    const before = this.fragmentationScoreNode();
    out.push(...this.proactiveCompactNode());
    if (this.fragmentationScoreNode() >= before) this.proactiveDefer = 1 << COMPACT_MAX_DEFER_SHIFT;
    return out;
  }

  // ---- compact_zone --------------------------------------------------------------------------

  private resetCachedPositions(zone: Zone): void {
    this.cachedMigrate[zone.idx] = NaN;
    this.cachedFree[zone.idx] = NaN;
  }

  /** compact_zone(). order -1 compacts the whole zone. */
  compactZone(
    zone: Zone,
    order: number,
    opts: {
      gfp?: number;
      mode?: MigrateMode;
      direct?: boolean;
      proactive?: boolean;
      wholeZone?: boolean;
      highestZoneIdx?: number;
      allocFlags?: number;
    } = {},
  ): CompactZoneResult {
    const ctx = this.ctx;
    const pa = ctx.pa;
    const pb = pa.pageblockNrPages;
    const gfp = opts.gfp ?? GFP_KERNEL | __GFP_MOVABLE;
    const mt = gfpMigratetype(gfp);
    const cc: CompactControl = {
      zone,
      order,
      migratetype: mt < 0 ? MIGRATE_MOVABLE : mt,
      mode: opts.mode ?? 'sync-light',
      direct: opts.direct ?? false,
      proactive: opts.proactive ?? false,
      wholeZone: opts.wholeZone ?? order < 0,
      highestZoneIdx: opts.highestZoneIdx ?? zone.idx,
      allocFlags: opts.allocFlags ?? ALLOC_WMARK_MIN | ALLOC_CMA,
      migratePfn: 0,
      freePfn: 0,
      nrFreepages: 0,
      migrateList: [],
      migrated: 0,
      failed: 0,
      migrateScanned: 0,
      freeScanned: 0,
      isolated: 0,
    };
    const t0 = ctx.ledger.nowNs;
    const done = (result: CompactResult): CompactZoneResult => ({
      result,
      migrated: cc.migrated,
      failed: cc.failed,
      migrateScanned: cc.migrateScanned,
      freeScanned: cc.freeScanned,
      ns: ctx.ledger.nowNs - t0,
    });
    if (!zone.populated) return done('skipped');
    if (order >= 0) {
      // compaction_suit_allocation_order()
      const mark = zone.wmarkPages(cc.allocFlags & ALLOC_WMARK_MASK);
      if (pa.zoneWatermarkOk(zone, order, mark, cc.highestZoneIdx, cc.allocFlags)) return done('success');
      if (!this.compactionSuitable(zone, order, cc.highestZoneIdx)) return done('skipped');
    }
    const zoneStart = zone.zoneStartPfn;
    const zoneEnd = zone.endPfn;
    const freeStart = Math.max(zoneStart, zoneEnd - 1 - ((zoneEnd - 1) % pb));
    const cm = this.cachedMigrate[zone.idx]!;
    const cf = this.cachedFree[zone.idx]!;
    if (cc.wholeZone || Number.isNaN(cm) || cm < zoneStart || cm >= zoneEnd) cc.migratePfn = zoneStart;
    else cc.migratePfn = cm;
    if (cc.wholeZone || Number.isNaN(cf) || cf < zoneStart || cf >= zoneEnd) cc.freePfn = freeStart;
    else cc.freePfn = cf;

    let result = 'continue' as CompactResult;
    ctx.memalloc++;
    try {
      ctx.ledger.run(() => {
        let lastMigratedPfn = 0;
        let guard = 0;
        const maxRounds = 4 * (zone.spannedPages + 64);
        for (;;) {
          result = this.compactFinished(cc);
          if (result !== 'continue') break;
          if (++guard > maxRounds)
            throw new Error(
              `compaction: zone ${zone.name} did not finish after ${maxRounds} rounds (migrate pfn ${cc.migratePfn}, free pfn ${cc.freePfn})`,
            );
          const isolated = this.isolateMigratepages(cc);
          if (isolated) {
            lastMigratedPfn = Math.max(zoneStart, cc.migratePfn - 1 - ((cc.migratePfn - 1) % pb));
            this.migrateList(cc);
          }
          // check_drain: moving to a new order-aligned block, flush the freed pages from pcp.
          if (cc.order > 0 && lastMigratedPfn) {
            const blockSize = Math.max(2 ** cc.order, 1);
            const currentBlockStart = cc.migratePfn - (cc.migratePfn % blockSize);
            if (lastMigratedPfn < currentBlockStart) {
              pa.drainAllPages();
              lastMigratedPfn = 0;
            }
          }
        }
        this.releaseFreepages(cc);
        const scanCost = (cc.migrateScanned + cc.freeScanned) * ctx.costs.get('compact.scanPageNs');
        if (scanCost > 0) ctx.ledger.charge('compaction-scan', scanCost, cc.migrateScanned + cc.freeScanned);
      });
    } finally {
      ctx.memalloc--;
    }
    if (result === 'complete' || result === 'partial-skipped') this.resetCachedPositions(zone);
    else {
      this.cachedMigrate[zone.idx] = cc.migratePfn;
      this.cachedFree[zone.idx] = cc.freePfn;
    }
    ctx.events.compact_migrate_scanned += cc.migrateScanned;
    ctx.events.compact_free_scanned += cc.freeScanned;
    ctx.events.compact_isolated += cc.isolated;
    return done(result);
  }

  /** compact_scanners_met(). */
  private scannersMet(cc: CompactControl): boolean {
    const o = this.ctx.pa.pageblockOrder;
    return Math.floor(cc.freePfn / 2 ** o) <= Math.floor(cc.migratePfn / 2 ** o);
  }

  /** compact_finished() / __compact_finished(). */
  private compactFinished(cc: CompactControl): CompactResult {
    const pa = this.ctx.pa;
    const zone = cc.zone;
    if (this.scannersMet(cc)) return cc.wholeZone ? 'complete' : 'partial-skipped';
    if (cc.proactive)
      return this.fragmentationScoreZone(zone) > this.fragmentationScoreWmark(true) ? 'continue' : 'success';
    if (cc.order < 0) return 'continue';
    if (cc.migratePfn % pa.pageblockNrPages !== 0) return 'continue';
    const mark = zone.wmarkPages(cc.allocFlags & ALLOC_WMARK_MASK);
    if (!pa.zoneWatermarkOk(zone, cc.order, mark, cc.highestZoneIdx, cc.allocFlags)) return 'continue';
    const next = this.ctx.memmap;
    for (let order = cc.order; order < pa.nrOrders; order++) {
      const h = pa.freeListHead(zone.idx, order, cc.migratetype);
      if (!next.listEmpty(h)) return 'success';
      if (cc.migratetype === MIGRATE_MOVABLE && !next.listEmpty(pa.freeListHead(zone.idx, order, MIGRATE_CMA)))
        return 'success';
      if (cc.migratetype < 3 && pa.findSuitableFallback(zone, order, cc.migratetype, true) >= 0) return 'success';
    }
    return 'continue';
  }

  /**
   * isolate_migratepages(): from cc.migratePfn, the first pageblock that is a suitable source
   * (async direct compaction: MOVABLE/CMA blocks only) is scanned by isolate_migratepages_block()
   * until 32 pages are isolated or the block ends. Returns whether pages were isolated.
   */
  private isolateMigratepages(cc: CompactControl): boolean {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const pa = ctx.pa;
    const pb = pa.pageblockNrPages;
    const base = mm.startPfn;
    const zone = cc.zone;
    let lowPfn = cc.migratePfn;
    let blockStart = Math.max(lowPfn - (lowPfn % pb), zone.zoneStartPfn);
    let blockEnd = Math.min(lowPfn - (lowPfn % pb) + pb, zone.endPfn);
    for (
      ;
      blockEnd <= cc.freePfn;
      cc.migratePfn = lowPfn = blockEnd, blockStart = blockEnd, blockEnd = Math.min(blockEnd + pb, zone.endPfn)
    ) {
      if (blockStart >= zone.endPfn) break;
      // pageblock_pfn_to_page(): no struct page in a memory section without RAM.
      if (!mm.pfnValid(blockStart)) continue;
      if (cc.mode === 'async' && cc.direct) {
        const bmt = mm.getPageblockMigratetype(blockStart);
        const ok =
          cc.migratetype === MIGRATE_MOVABLE ? bmt === MIGRATE_MOVABLE || bmt === MIGRATE_CMA : bmt === cc.migratetype;
        if (!ok) continue;
      }
      // isolate_migratepages_block()
      let pfn = Math.max(lowPfn, blockStart);
      let scanned = 0;
      while (pfn < blockEnd) {
        const i = pfn - base;
        const f = mm.flags(i);
        scanned++;
        if (f & PG_BUDDY) {
          pfn += 2 ** mm.order(i);
          continue;
        }
        const k = mm.kind(i);
        if (f & PG_HEAD && k !== PageKind.FREE) {
          const n = 2 ** mm.order(i);
          if (isMovableKind(k) && (f & PG_PINNED) === 0) {
            cc.migrateList.push(pfn);
            cc.isolated += n;
            pfn += n;
            if (cc.migrateList.length * 1 >= COMPACT_CLUSTER_MAX) break;
            continue;
          }
          pfn += n;
          continue;
        }
        pfn++;
      }
      cc.migrateScanned += scanned;
      cc.migratePfn = Math.min(pfn, blockEnd);
      return cc.migrateList.length > 0;
    }
    return false;
  }

  /** migrate_pages() of the isolated list into targets from the free scanner (compaction_alloc()). */
  private migrateList(cc: CompactControl): void {
    const list = cc.migrateList;
    cc.migrateList = [];
    let triedIsolate = false;
    const alloc = (_src: number, order: number, kind: number): number => {
      for (;;) {
        const p = this.takeFreepage(cc, order);
        if (p >= 0) {
          this.ctx.pa.markAllocated(p, order, kind);
          return p;
        }
        if (triedIsolate) return -1;
        this.isolateFreepages(cc, list.length);
        triedIsolate = true;
      }
    };
    const r = this.migrator.migratePages(list, 'compaction', alloc, cc.mode);
    cc.migrated += r.succeeded;
    cc.failed += r.failed;
  }

  /** A free page of `order` from the isolated free lists, splitting a larger one (compaction_alloc()). */
  private takeFreepage(cc: CompactControl, order: number): number {
    const mm = this.ctx.memmap;
    const pa = this.ctx.pa;
    let o = order;
    while (o < pa.nrOrders && mm.listEmpty(this.freeHeadBase + o)) o++;
    if (o >= pa.nrOrders) return -1;
    const node = mm.listFirst(this.freeHeadBase + o);
    mm.listDel(node);
    let size = 2 ** o;
    while (o > order) {
      o--;
      size /= 2;
      mm.setOrderRaw(node + size, o);
      mm.listAdd(node + size, this.freeHeadBase + o);
    }
    cc.nrFreepages -= 2 ** order;
    return node + mm.startPfn;
  }

  /**
   * isolate_freepages(): from cc.freePfn downwards to the pageblock after the migrate scanner,
   * isolate free blocks in suitable target pageblocks until `want` pages are held.
   */
  private isolateFreepages(cc: CompactControl, want: number): void {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const pa = ctx.pa;
    const pb = pa.pageblockNrPages;
    const base = mm.startPfn;
    const zone = cc.zone;
    const lowPfn = cc.migratePfn - (cc.migratePfn % pb) + pb;
    let blockStart = cc.freePfn - (cc.freePfn % pb);
    let isolateStart = cc.freePfn;
    const stride = cc.mode === 'async' ? COMPACT_CLUSTER_MAX : 1;
    const minOrder = cc.order > 0 ? cc.order : pa.pageblockOrder;
    for (; blockStart >= lowPfn; blockStart -= pb, isolateStart = blockStart) {
      const blockEnd = Math.min(blockStart + pb, zone.endPfn);
      if (blockStart < zone.zoneStartPfn) break;
      if (!mm.pfnValid(blockStart)) continue;
      // suitable_migration_target()
      const fi = blockStart - base;
      if (mm.flags(fi) & PG_BUDDY && mm.order(fi) >= minOrder) continue;
      const bmt = mm.getPageblockMigratetype(blockStart);
      if (bmt !== MIGRATE_MOVABLE && bmt !== MIGRATE_CMA) continue;
      // isolate_freepages_block()
      let pfn = Math.max(isolateStart, blockStart);
      let scanned = 0;
      let stop = false;
      while (pfn < blockEnd) {
        scanned++;
        const i = pfn - base;
        if ((mm.flags(i) & PG_BUDDY) === 0) {
          pfn += stride;
          continue;
        }
        const order = mm.order(i);
        const got = pa.isolateFreePage(pfn, order);
        if (got === 0) {
          stop = true;
          break;
        }
        scanned += got - 1;
        mm.setOrderRaw(i, order);
        mm.listAddTail(i, this.freeHeadBase + order);
        cc.nrFreepages += got;
        cc.isolated += got;
        pfn += got;
        if (cc.nrFreepages >= want) {
          stop = true;
          break;
        }
      }
      cc.freeScanned += scanned;
      if (stop) {
        isolateStart = pfn >= blockEnd ? blockStart - pb : pfn;
        cc.freePfn = Math.max(isolateStart, zone.zoneStartPfn);
        return;
      }
    }
    cc.freePfn = Math.max(blockStart, zone.zoneStartPfn - pb);
  }

  /** release_free_list(): give every isolated free page back to the buddy lists. */
  private releaseFreepages(cc: CompactControl): void {
    const mm = this.ctx.memmap;
    const pa = this.ctx.pa;
    for (let o = 0; o < pa.nrOrders; o++) {
      const h = this.freeHeadBase + o;
      for (let node = mm.listFirst(h); node >= 0; node = mm.listFirst(h)) {
        mm.listDel(node);
        pa.putbackIsolatedPage(node + mm.startPfn, o);
      }
    }
    cc.nrFreepages = 0;
  }

  checkInvariants(): void {
    const mm = this.ctx.memmap;
    for (let o = 0; o < this.ctx.pa.nrOrders; o++) {
      if (!mm.listEmpty(this.freeHeadBase + o))
        throw new Error(`compaction invariant violated: isolated free pages of order ${o} left after compaction`);
    }
  }
}
