/**
 * Page reclaim (mm/vmscan.c of Linux v6.x, classic two-list LRU, one node): direct reclaim
 * (try_to_free_pages(), called by the allocator below the min watermark) and background reclaim
 * (kswapd's balance_pgdat(), woken below the low watermark, reclaiming until a zone is balanced
 * at its high watermark), both through shrink_node(): shrink_lruvec() on the LRU lists and
 * shrink_slab() on the registered shrinkers.
 *
 * The priority loop: priority runs from DEF_PRIORITY (12) down to 0; at each level each list is
 * scanned by (size >> priority) pages (get_scan_count(), with swappiness splitting anon and
 * file), in batches of SWAP_CLUSTER_MAX, until nr_to_reclaim pages are reclaimed.
 *
 * What happens to a page taken from an inactive list (shrink_folio_list()):
 *  (a) pinned (FOLL_LONGTERM) or referenced since the last scan: activated (second chance);
 *  (b) clean file page: dropped, leaving a shadow entry (workingset_eviction()) so a later touch
 *      is a refault; cost reclaim.dropCleanPageNs;
 *  (c) dirty file page: written back (pageout(), cost reclaim.writebackPageNs, nr_vmscan_write)
 *      then dropped as (b) — only when writeback is allowed at this priority (priority <
 *      DEF_PRIORITY - 2, the may_writepage rule of do_try_to_free_pages() before v5.x; it stands
 *      in for today's "kswapd writes only folios it met twice"); otherwise it is activated
 *      (nr_vmscan_immediate_reclaim) — so clean pages always go before dirty ones;
 *  (d) anon page: swapped out (pswpout, cost swap.outPageNs) when the layout has a free swap
 *      slot and the page is a logical page of the address space; otherwise activated. Without
 *      swap get_scan_count() never scans anon (SCAN_FILE), as Linux.
 * Active lists are deactivated (shrink_active_list()) when inactive_is_low() says so.
 *
 * Counters (VmEvents, /proc/vmstat names): pgscan_kswapd/direct, pgsteal_kswapd/direct,
 * pgscan_anon/file, pgsteal_anon/file, pgrefill, pgactivate, pgdeactivate, pgskip_<zone>,
 * pswpout, pgpgout, nr_vmscan_write, nr_vmscan_immediate_reclaim, nr_written, slabs_scanned,
 * pageoutrun; kswapd failures set the node unreclaimable after MAX_RECLAIM_RETRIES.
 *
 * Invariants: every page reclaim isolates is back on an LRU list or freed before the entry
 * point returns (the private lists are empty); nr_reclaimed counts only pages given back to the
 * buddy allocator (LRU pages freed and slab pages freed by shrinkers).
 */
import { GFP_KERNEL } from './gfp.js';
import { MAX_NR_ZONES } from './layout.js';
import type { Lru } from './lru.js';
import {
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  NR_LRU_LISTS,
  isActiveLru,
  isFileKind,
  isFileLru,
} from './lru.js';
import type { MmContext } from './mm-context.js';
import { MAX_RECLAIM_RETRIES, PAGE_ALLOC_COSTLY_ORDER } from './page-alloc.js';
import { PG_ACTIVE, PG_PINNED, PG_REFERENCED, PageKind } from './page-flags.js';
import type { ShrinkerRegistry } from './shrinker.js';
import { SWAP_CLUSTER_MAX, intSqrt } from './watermarks.js';
import type { AddressSpace } from './workingset.js';

export const DEF_PRIORITY = 12;
export const DEFAULT_SWAPPINESS = 60;
export const MAX_SWAPPINESS = 200;
/** Bound of balance_pgdat()'s loop (Linux is bounded by the priority; this guards a bug). */
const MAX_KSWAPD_ITERATIONS = 100_000;

/** struct scan_control (the fields the model uses). */
export interface ScanControl {
  nrToReclaim: number;
  /** Highest zone index whose pages may be reclaimed. */
  reclaimIdx: number;
  order: number;
  priority: number;
  mayWritepage: boolean;
  maySwap: boolean;
  kswapd: boolean;
  gfp: number;
  nrScanned: number;
  nrReclaimed: number;
  /** Bit 0: may deactivate anon, bit 1: file (sc->may_deactivate). */
  mayDeactivate: number;
  forceDeactivate: boolean;
  skippedDeactivate: boolean;
  fileIsTiny: boolean;
  cacheTrimMode: boolean;
  compactionReady: boolean;
}

const DEACTIVATE_ANON = 1;
const DEACTIVATE_FILE = 2;

/** What compaction tells reclaim (compaction_ready()), injected to avoid an import cycle. */
export type CompactionReadyFn = (zoneIdx: number, order: number, reclaimIdx: number) => boolean;

export class Reclaim {
  readonly ctx: MmContext;
  readonly lru: Lru;
  readonly ws: AddressSpace;
  readonly shrinkers: ShrinkerRegistry;
  /** vm.swappiness. */
  swappiness = DEFAULT_SWAPPINESS;
  /** pgdat->kswapd_failures. */
  kswapdFailures = 0;
  /** pgdat->kswapd_order / kswapd_highest_zoneidx of a pending wake-up, or -1. */
  kswapdOrder = -1;
  kswapdHighest = -1;
  /** Runs of balance_pgdat(). */
  kswapdRuns = 0;
  compactionReady: CompactionReadyFn = () => false;
  /** Called when kswapd goes back to sleep after a wake for `order` (wakeup_kcompactd()). */
  onKswapdSleep: ((order: number, highestZoneIdx: number) => void) | null = null;
  /** Called when a kswapd wake-up is recorded (the owner schedules runKswapd()). */
  onKswapdWake: (() => void) | null = null;
  private readonly isoHead: number;
  private readonly skipHead: number;

  constructor(ctx: MmContext, lru: Lru, ws: AddressSpace, shrinkers: ShrinkerRegistry) {
    this.ctx = ctx;
    this.lru = lru;
    this.ws = ws;
    this.shrinkers = shrinkers;
    this.isoHead = ctx.memmap.allocListHeads(1);
    this.skipHead = ctx.memmap.allocListHeads(1);
  }

  private newScanControl(
    kswapd: boolean,
    order: number,
    reclaimIdx: number,
    gfp: number,
    nrToReclaim: number,
  ): ScanControl {
    return {
      nrToReclaim,
      reclaimIdx,
      order,
      priority: DEF_PRIORITY,
      mayWritepage: false,
      maySwap: true,
      kswapd,
      gfp,
      nrScanned: 0,
      nrReclaimed: 0,
      mayDeactivate: 0,
      forceDeactivate: false,
      skippedDeactivate: false,
      fileIsTiny: false,
      cacheTrimMode: false,
      compactionReady: false,
    };
  }

  /** The may_writepage rule of the model (see the file comment, (c)). */
  private static writebackAllowed(priority: number): boolean {
    return priority < DEF_PRIORITY - 2;
  }

  // ---- direct reclaim ------------------------------------------------------------------------

  /**
   * try_to_free_pages() -> do_try_to_free_pages(): reclaim SWAP_CLUSTER_MAX pages for an
   * allocation of `order` that may use zones up to highestZoneIdx. Returns pages reclaimed.
   * (allocstall is counted by the allocator core.)
   */
  tryToFreePages(order: number, gfp: number, highestZoneIdx: number): number {
    const sc = this.newScanControl(false, order, highestZoneIdx, gfp, SWAP_CLUSTER_MAX);
    this.ctx.memalloc++;
    try {
      this.ctx.ledger.run(() => this.doTryToFreePages(sc));
    } finally {
      this.ctx.memalloc--;
    }
    return sc.nrReclaimed;
  }

  private doTryToFreePages(sc: ScanControl): void {
    for (;;) {
      do {
        sc.nrScanned = 0;
        sc.mayWritepage = Reclaim.writebackAllowed(sc.priority);
        this.shrinkZones(sc);
        if (sc.nrReclaimed >= sc.nrToReclaim) break;
        if (sc.compactionReady) break;
      } while (--sc.priority >= 0);
      if (sc.nrReclaimed > 0 || sc.compactionReady) return;
      // Untapped active pages: rescan from the top, forcing deactivation (once).
      if (sc.skippedDeactivate && !sc.forceDeactivate) {
        sc.priority = DEF_PRIORITY;
        sc.forceDeactivate = true;
        sc.skippedDeactivate = false;
        continue;
      }
      return;
    }
  }

  /** shrink_zones(): costly orders stop when compaction could succeed; one node, one shrink_node(). */
  private shrinkZones(sc: ScanControl): void {
    let reclaim = true;
    if (sc.order > PAGE_ALLOC_COSTLY_ORDER) {
      reclaim = false;
      for (let z = sc.reclaimIdx; z >= 0; z--) {
        const zone = this.ctx.pa.zones[z]!;
        if (!zone.populated || zone.managedPages === 0) continue;
        if (this.compactionReady(z, sc.order, sc.reclaimIdx)) sc.compactionReady = true;
        else reclaim = true;
      }
    }
    if (reclaim) this.shrinkNode(sc);
  }

  // ---- kswapd --------------------------------------------------------------------------------

  /**
   * wakeup_kswapd(): record the order and highest zone, unless the node is hopeless
   * (kswapd_failures >= MAX_RECLAIM_RETRIES) or already balanced (and not boosted).
   * Returns whether kswapd was woken.
   */
  wakeupKswapd(zoneIdx: number, order: number, highestZoneIdx: number): boolean {
    const zone = this.ctx.pa.zones[zoneIdx];
    if (!zone?.populated) return false;
    if (this.kswapdFailures >= MAX_RECLAIM_RETRIES) return false;
    if (this.pgdatBalanced(order, highestZoneIdx) && !this.watermarkBoosted(highestZoneIdx)) return false;
    this.kswapdOrder = Math.max(this.kswapdOrder, order);
    this.kswapdHighest = Math.max(this.kswapdHighest, highestZoneIdx);
    this.onKswapdWake?.();
    return true;
  }

  get kswapdPending(): boolean {
    return this.kswapdHighest >= 0;
  }

  /** Run kswapd once for the pending wake-up (if any). Returns pages reclaimed. */
  runKswapd(): number {
    if (!this.kswapdPending) return 0;
    const order = Math.max(0, this.kswapdOrder);
    const highest = this.kswapdHighest;
    this.kswapdOrder = -1;
    this.kswapdHighest = -1;
    const n = this.balancePgdat(order, highest);
    if (this.pgdatBalanced(order, highest)) this.onKswapdSleep?.(order, highest);
    return n;
  }

  private watermarkBoosted(highest: number): boolean {
    for (let z = 0; z <= highest; z++) if (this.ctx.pa.zones[z]!.watermarkBoost > 0) return true;
    return false;
  }

  /**
   * pgdat_balanced(): some managed zone up to highestZoneIdx meets its high watermark for the
   * order (zone_watermark_ok_safe(), no CMA, no reserves). A node without managed zones is balanced.
   */
  pgdatBalanced(order: number, highestZoneIdx: number): boolean {
    const pa = this.ctx.pa;
    let any = false;
    for (let z = 0; z <= highestZoneIdx && z < MAX_NR_ZONES; z++) {
      const zone = pa.zones[z]!;
      if (!zone.populated || zone.managedPages === 0) continue;
      any = true;
      if (pa.zoneWatermarkOk(zone, order, zone.highWmark, highestZoneIdx, 0)) return true;
    }
    return !any;
  }

  /**
   * balance_pgdat(): reclaim from DEF_PRIORITY down until a zone is balanced; at each pass
   * nr_to_reclaim is the sum of the zones' max(high watermark, SWAP_CLUSTER_MAX); the priority
   * drops only when a pass scanned less than that or reclaimed nothing. Clears the watermark
   * boosts it saw. Returns pages reclaimed.
   */
  balancePgdat(order: number, highestZoneIdx: number): number {
    const ctx = this.ctx;
    const pa = ctx.pa;
    ctx.events.pageoutrun++;
    this.kswapdRuns++;
    const sc = this.newScanControl(true, order, highestZoneIdx, GFP_KERNEL, 0);
    const boosts = pa.zones.map((z, i) => (i <= highestZoneIdx ? z.watermarkBoost : 0));
    ctx.memalloc++;
    try {
      ctx.ledger.run(() => {
        let iterations = 0;
        do {
          if (++iterations > MAX_KSWAPD_ITERATIONS)
            throw new Error(
              `kswapd: balance_pgdat did not finish in ${MAX_KSWAPD_ITERATIONS} passes (priority ${sc.priority})`,
            );
          if (this.pgdatBalanced(sc.order, highestZoneIdx)) break;
          let raisePriority = true;
          sc.mayWritepage = Reclaim.writebackAllowed(sc.priority);
          sc.maySwap = true;
          const before = sc.nrReclaimed;
          // kswapd_shrink_node()
          sc.nrToReclaim = 0;
          for (let z = 0; z <= sc.reclaimIdx; z++) {
            const zone = pa.zones[z]!;
            if (zone.managedPages === 0) continue;
            sc.nrToReclaim += Math.max(zone.highWmark, SWAP_CLUSTER_MAX);
          }
          sc.nrScanned = 0;
          this.shrinkNode(sc);
          if (sc.order && sc.nrReclaimed >= 2 << sc.order) sc.order = 0;
          if (sc.nrScanned >= sc.nrToReclaim) raisePriority = false;
          const reclaimed = sc.nrReclaimed - before;
          if (raisePriority || reclaimed === 0) sc.priority--;
        } while (sc.priority >= 1);
        if (sc.nrReclaimed === 0) {
          this.kswapdFailures++;
          if (this.kswapdFailures >= MAX_RECLAIM_RETRIES) pa.nodeUnreclaimable = true;
        }
      });
    } finally {
      ctx.memalloc--;
    }
    pa.zones.forEach((z, i) => {
      if (boosts[i]! > 0) z.watermarkBoost -= Math.min(z.watermarkBoost, boosts[i]!);
    });
    return sc.nrReclaimed;
  }

  // ---- shrink_node and the LRU ---------------------------------------------------------------

  /** inactive_is_low(): inactive * int_sqrt(10 * GiB of the two lists) < active (ratio 1 below 1 GiB). */
  inactiveIsLow(inactiveLru: number): boolean {
    const inactive = this.lru.lruSize(inactiveLru);
    const active = this.lru.lruSize(inactiveLru + 1);
    const gb = Math.floor((inactive + active) / 2 ** (30 - this.ctx.pa.pageShift));
    const ratio = gb ? intSqrt(10 * gb) : 1;
    return inactive * ratio < active;
  }

  /** Whether anon pages can be aged and reclaimed (can_age_anon_pages(): swap space left). */
  private canReclaimAnon(): boolean {
    return this.ws.swapPages - this.ws.swapUsed > 0;
  }

  /** prepare_scan_control(): deactivation, cache_trim_mode and file_is_tiny. */
  private prepareScanControl(sc: ScanControl): void {
    const pa = this.ctx.pa;
    sc.mayDeactivate = 0;
    if (sc.forceDeactivate || this.inactiveIsLow(LRU_INACTIVE_ANON)) sc.mayDeactivate |= DEACTIVATE_ANON;
    if (sc.forceDeactivate || this.inactiveIsLow(LRU_INACTIVE_FILE)) sc.mayDeactivate |= DEACTIVATE_FILE;
    const inactiveFile = this.lru.lruSize(LRU_INACTIVE_FILE);
    sc.cacheTrimMode = Math.floor(inactiveFile / 2 ** sc.priority) > 0 && (sc.mayDeactivate & DEACTIVATE_FILE) === 0;
    let free = 0;
    let totalHigh = 0;
    for (const z of pa.zones) {
      free += z.nrFreePages;
      totalHigh += z.highWmark;
    }
    const file = this.lru.lruSize(LRU_ACTIVE_FILE) + inactiveFile;
    const anon = this.lru.lruSize(LRU_INACTIVE_ANON);
    sc.fileIsTiny =
      file + free <= totalHigh && (sc.mayDeactivate & DEACTIVATE_ANON) === 0 && Math.floor(anon / 2 ** sc.priority) > 0;
  }

  /** shrink_node(): the LRU lists, then the shrinkers; slab pages freed count as reclaimed. */
  shrinkNode(sc: ScanControl): void {
    const before = sc.nrReclaimed;
    this.prepareScanControl(sc);
    this.shrinkLruvec(sc);
    const slabBefore = this.shrinkers.reclaimedPages;
    const scannedBefore = this.ctx.events.slabs_scanned;
    this.shrinkers.shrinkSlab(sc.gfp, sc.priority);
    const slabScanned = this.ctx.events.slabs_scanned - scannedBefore;
    if (slabScanned > 0)
      this.ctx.ledger.charge('shrink-slab', slabScanned * this.ctx.costs.get('reclaim.scanPageNs'), slabScanned);
    sc.nrReclaimed += this.shrinkers.reclaimedPages - slabBefore;
    if (sc.nrReclaimed > before) {
      this.kswapdFailures = 0;
      this.ctx.pa.nodeUnreclaimable = false;
    }
  }

  /**
   * get_scan_count(): pages to scan per list at this priority. SCAN_FILE without swap (or
   * swap full, or cache_trim_mode), SCAN_ANON when file is tiny, SCAN_EQUAL at priority 0,
   * otherwise SCAN_FRACT with swappiness : (200 - swappiness) (equal anon and file costs).
   */
  getScanCount(sc: ScanControl): number[] {
    let balance: 'equal' | 'fract' | 'anon' | 'file';
    if (!sc.maySwap || !this.canReclaimAnon()) balance = 'file';
    else if (sc.priority === 0 && this.swappiness) balance = 'equal';
    else if (sc.fileIsTiny) balance = 'anon';
    else if (sc.cacheTrimMode) balance = 'file';
    else balance = 'fract';
    const ap = this.swappiness;
    const fp = MAX_SWAPPINESS - this.swappiness;
    const out = [0, 0, 0, 0];
    for (let lru = 0; lru < NR_LRU_LISTS; lru++) {
      const file = isFileLru(lru);
      const size = this.lru.lruSize(lru, sc.reclaimIdx);
      let scan = Math.floor(size / 2 ** sc.priority);
      switch (balance) {
        case 'equal':
          break;
        case 'fract':
          scan = Math.floor((scan * (file ? fp : ap)) / (ap + fp));
          break;
        case 'file':
          if (!file) scan = 0;
          break;
        case 'anon':
          if (file) scan = 0;
          break;
      }
      out[lru] = scan;
    }
    return out;
  }

  /**
   * shrink_lruvec(): scan the lists in SWAP_CLUSTER_MAX batches until their targets are done or
   * (except for direct reclaim at DEF_PRIORITY) nr_to_reclaim is met; then rebalance anon.
   */
  private shrinkLruvec(sc: ScanControl): void {
    const nr = this.getScanCount(sc);
    const proportional = !sc.kswapd && sc.priority === DEF_PRIORITY;
    let reclaimed = 0;
    const target = sc.nrToReclaim;
    while (nr[LRU_INACTIVE_ANON]! || nr[LRU_ACTIVE_FILE]! || nr[LRU_INACTIVE_FILE]!) {
      for (let lru = 0; lru < NR_LRU_LISTS; lru++) {
        if (!nr[lru]) continue;
        const n = Math.min(nr[lru]!, SWAP_CLUSTER_MAX);
        nr[lru] -= n;
        reclaimed += this.shrinkList(lru, n, sc);
      }
      if (sc.nrReclaimed + reclaimed < target || proportional) continue;
      break;
    }
    sc.nrReclaimed += reclaimed;
    if (this.canReclaimAnon() && this.inactiveIsLow(LRU_INACTIVE_ANON))
      this.shrinkActiveList(SWAP_CLUSTER_MAX, LRU_ACTIVE_ANON, sc);
  }

  private shrinkList(lru: number, nrToScan: number, sc: ScanControl): number {
    if (isActiveLru(lru)) {
      if (sc.mayDeactivate & (isFileLru(lru) ? DEACTIVATE_FILE : DEACTIVATE_ANON))
        this.shrinkActiveList(nrToScan, lru, sc);
      else sc.skippedDeactivate = true;
      return 0;
    }
    return this.shrinkInactiveList(nrToScan, lru, sc);
  }

  /**
   * isolate_lru_folios(): take up to nrToScan pages from the tail of a list onto the private
   * list; pages of zones above reclaimIdx are skipped (pgskip_*) and go back to the list head.
   * Returns [pages scanned (including skipped), pages taken].
   */
  private isolateLruFolios(nrToScan: number, lru: number, sc: ScanControl): [number, number] {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const base = mm.startPfn;
    let scan = 0;
    let totalScan = 0;
    let taken = 0;
    while (scan < nrToScan) {
      const pfn = this.lru.tail(lru);
      if (pfn < 0) break;
      const nrPages = 2 ** mm.order(pfn - base);
      totalScan += nrPages;
      const zid = ctx.pa.zoneIdxOf(pfn);
      if (zid > sc.reclaimIdx) {
        this.lru.delFromList(pfn);
        mm.listAdd(pfn - base, this.skipHead);
        ctx.events.pgskip[zid] += nrPages;
        continue;
      }
      scan += nrPages;
      this.lru.isolate(pfn);
      mm.listAddTail(pfn - base, this.isoHead);
      taken += nrPages;
    }
    for (let node = mm.listFirst(this.skipHead); node >= 0; node = mm.listFirst(this.skipHead)) {
      mm.listDel(node);
      this.lru.addToList(node + base);
    }
    return [totalScan, taken];
  }

  /** shrink_inactive_list(): isolate, shrink_folio_list(), put the survivors back. */
  private shrinkInactiveList(nrToScan: number, lru: number, sc: ScanControl): number {
    const ctx = this.ctx;
    const ev = ctx.events;
    const [scanned, taken] = this.isolateLruFolios(nrToScan, lru, sc);
    sc.nrScanned += scanned;
    if (sc.kswapd) ev.pgscan_kswapd += scanned;
    else ev.pgscan_direct += scanned;
    if (isFileLru(lru)) ev.pgscan_file += scanned;
    else ev.pgscan_anon += scanned;
    if (scanned > 0) ctx.ledger.charge('reclaim-scan', scanned * ctx.costs.get('reclaim.scanPageNs'), scanned);
    if (taken === 0) return 0;
    const reclaimed = this.shrinkFolioList(sc);
    this.putbackPrivateList();
    if (sc.kswapd) ev.pgsteal_kswapd += reclaimed;
    else ev.pgsteal_direct += reclaimed;
    if (isFileLru(lru)) ev.pgsteal_file += reclaimed;
    else ev.pgsteal_anon += reclaimed;
    return reclaimed;
  }

  /** move_folios_to_lru(): every page left on the private list goes back to the head of its list. */
  private putbackPrivateList(): void {
    const mm = this.ctx.memmap;
    const base = mm.startPfn;
    for (let node = mm.listFirst(this.isoHead); node >= 0; node = mm.listFirst(this.isoHead)) {
      mm.listDel(node);
      this.lru.putback(node + base);
    }
  }

  /**
   * shrink_folio_list() on the private list: reclaim or keep each page (see the file comment).
   * Reclaimed pages are freed; kept ones stay on the private list (activated when promoted).
   */
  private shrinkFolioList(sc: ScanControl): number {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const base = mm.startPfn;
    const ev = ctx.events;
    const costs = ctx.costs;
    let reclaimed = 0;
    let node = mm.listFirst(this.isoHead);
    while (node >= 0) {
      const nextNode = mm.next(node);
      const pfn = node + base;
      const order = mm.order(node);
      const nrPages = 2 ** order;
      const f = mm.flags(node);
      const kind = mm.kind(node);
      const activate = (): void => {
        mm.setFlags(node, (mm.flags(node) | PG_ACTIVE) & ~PG_REFERENCED);
        ev.pgactivate += nrPages;
      };
      if (f & PG_PINNED || f & PG_REFERENCED) {
        if ((f & PG_REFERENCED) === 0) this.lru.ageOnce(pfn);
        activate();
      } else if (kind === PageKind.ANON) {
        this.lru.ageOnce(pfn);
        if (sc.maySwap && this.ws.canSwap(nrPages) && this.ws.idAt(pfn) >= 0) {
          ctx.ledger.charge('swap-out', costs.perPage('swap.outPageNs') * nrPages, nrPages);
          ev.pswpout += nrPages;
          ev.pgpgout += (nrPages * ctx.pageBytes) / 1024;
          this.freeReclaimed(node, pfn, order, kind, true);
          reclaimed += nrPages;
        } else {
          activate();
        }
      } else if (kind === PageKind.FILE_DIRTY && !sc.mayWritepage) {
        this.lru.ageOnce(pfn);
        ev.nr_vmscan_immediate_reclaim += nrPages;
        activate();
      } else if (isFileKind(kind)) {
        this.lru.ageOnce(pfn);
        if (kind === PageKind.FILE_DIRTY) {
          // pageout(): write, then the page is clean and can go.
          ctx.ledger.charge('writeback', costs.perPage('reclaim.writebackPageNs') * nrPages, nrPages);
          ev.nr_vmscan_write += nrPages;
          ev.nr_written += nrPages;
          ev.pgpgout += (nrPages * ctx.pageBytes) / 1024;
          ctx.pa.setPageKind(pfn, nrPages, PageKind.FILE_CLEAN);
        }
        ctx.ledger.charge('reclaim-drop', costs.perPage('reclaim.dropCleanPageNs') * nrPages, nrPages);
        this.freeReclaimed(node, pfn, order, PageKind.FILE_CLEAN, false);
        reclaimed += nrPages;
      } else {
        activate();
      }
      node = nextNode === this.isoHead ? -1 : nextNode;
    }
    return reclaimed;
  }

  /** __remove_mapping() + free: leave a shadow (or swap entry), tell the owner, free the block. */
  private freeReclaimed(node: number, pfn: number, order: number, kind: number, swapped: boolean): void {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    mm.listDel(node);
    this.lru.unaccountIsolated(pfn);
    mm.setFlags(node, mm.flags(node) & ~(PG_ACTIVE | PG_REFERENCED));
    this.ws.evict(pfn, swapped);
    this.lru.nonresidentAge += 2 ** order;
    ctx.notifyReclaimed(pfn, order, kind);
    ctx.mm.freePages(pfn, order);
  }

  /**
   * shrink_active_list(): take pages from the tail of an active list and deactivate them (the
   * referenced bit is cleared: the page-table young bits folio_referenced() consumes).
   */
  private shrinkActiveList(nrToScan: number, lru: number, sc: ScanControl): void {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const base = mm.startPfn;
    const [scanned, taken] = this.isolateLruFolios(nrToScan, lru, sc);
    ctx.events.pgrefill += scanned;
    if (scanned > 0) ctx.ledger.charge('reclaim-scan', scanned * ctx.costs.get('reclaim.scanPageNs'), scanned);
    if (taken === 0) return;
    let deactivated = 0;
    for (let node = mm.listFirst(this.isoHead); node >= 0; node = mm.listFirst(this.isoHead)) {
      const pfn = node + base;
      mm.listDel(node);
      if ((mm.flags(node) & PG_REFERENCED) === 0) this.lru.ageOnce(pfn);
      mm.setFlags(node, mm.flags(node) & ~(PG_ACTIVE | PG_REFERENCED));
      deactivated += 2 ** mm.order(node);
      this.lru.putback(pfn);
    }
    ctx.events.pgdeactivate += deactivated;
  }

  /**
   * Drop one clean page-cache block outright (reclaim_clean_pages_from_list() of
   * alloc_contig_range()): it leaves a shadow entry like reclaim. The caller charges the cost.
   * Returns pages dropped (0 if the block is not clean page cache).
   */
  dropCleanPage(pfn: number): number {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const i = pfn - mm.startPfn;
    if (mm.kind(i) !== PageKind.FILE_CLEAN || mm.flags(i) & PG_PINNED) return 0;
    const order = mm.order(i);
    this.lru.del(pfn);
    this.ws.evict(pfn, false);
    this.lru.nonresidentAge += 2 ** order;
    ctx.notifyReclaimed(pfn, order, PageKind.FILE_CLEAN);
    ctx.mm.freePages(pfn, order);
    return 2 ** order;
  }

  /** The private lists are empty (checked between operations). */
  checkInvariants(): void {
    const mm = this.ctx.memmap;
    if (!mm.listEmpty(this.isoHead) || !mm.listEmpty(this.skipHead))
      throw new Error('reclaim invariant violated: pages left on a private isolation list');
  }
}
