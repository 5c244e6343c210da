/**
 * Per-cpu page lists (struct per_cpu_pages), as in mm/page_alloc.c of Linux v6.18, for orders
 * 0..PAGE_ALLOC_COSTLY_ORDER: one list per (order, pcp migratetype), pindex = 3 * order + mt.
 *
 * Invariants:
 *  (a) every page on a pcp list is the head of a free block of the list's order, aligned to
 *      it, inside the zone, with PG_PCP set, kind FREE, and not on a buddy list;
 *  (b) count[zone, cpu] = sum over its lists of (blocks << order);
 *  (c) pages on pcp lists are not in NR_FREE_PAGES nor in nr_free (they look allocated to the
 *      buddy allocator, as in Linux);
 *  (d) a list of migratetype mt may hold pages of pageblocks of another type (CMA and HIGHATOMIC
 *      pages are freed to the MOVABLE list; fallback allocations fill the requested list); the
 *      pageblock type is looked up again when a page goes back to the buddy lists.
 *
 * Modelling choices (documented differences): pcp->high is static at high_min (no auto-tuning
 * towards high_max, no alloc_factor / free_count scaling); refill takes `batch` pages
 * (nr_pcp_alloc() without the alloc_factor doubling); a free that brings count to high drains
 * min(batch, high - batch) pages (nr_pcp_free() without free_factor); no THP-order pcp lists.
 */
import type { MemMap } from './memmap.js';
import { MAX_NR_ZONES } from './layout.js';
import { MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_PCPTYPES } from './migratetype.js';
import { PG_PCP } from './page-flags.js';
import type { PageAllocator } from './page-alloc.js';
import type { Zone } from './zone.js';

export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** NR_LOWORDER_PCP_LISTS. */
export const NR_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);

export class PerCpuPages {
  declare readonly nrCpus: number;
  /** Node index of the head of list (zone 0, cpu 0, pindex 0). */
  declare readonly headBase: number;
  /** pcp->count, in pages, indexed by zone * nrCpus + cpu (a view of memmap counter words). */
  declare readonly count: Int32Array;
  /** Word index in the memmap of count[0] (the allocator's fast paths update it through w). */
  declare readonly countBase: number;
  declare private readonly mm: MemMap;
  declare private readonly w: Int32Array;
  declare private readonly base: number;

  constructor(mm: MemMap, nrCpus: number) {
    this.mm = mm;
    this.nrCpus = nrCpus;
    this.headBase = mm.allocListHeads(MAX_NR_ZONES * nrCpus * NR_PCP_LISTS);
    this.countBase = mm.allocCounters(MAX_NR_ZONES * nrCpus);
    this.count = mm.counterView(this.countBase, MAX_NR_ZONES * nrCpus);
    this.w = mm.w;
    this.base = mm.startPfn;
  }

  /** List head node for (zone, cpu, pindex). */
  head(zoneIdx: number, cpu: number, pindex: number): number {
    return this.headBase + (zoneIdx * this.nrCpus + cpu) * NR_PCP_LISTS + pindex;
  }

  /**
   * nr_pcp_alloc(): how many blocks to move from the buddy lists when a list is empty.
   * 1 when the pcp is effectively disabled (high < batch).
   */
  private nrPcpAlloc(zone: Zone, c: number, order: number): number {
    const high = zone.pcpHigh;
    const baseBatch = zone.pcpBatch;
    if (high < baseBatch) return 1;
    let batch = baseBatch;
    if (order === 0) {
      const maxNrAlloc = Math.max(high - this.count[c]! - baseBatch, baseBatch);
      batch = Math.min(batch, maxNrAlloc);
    }
    if (batch > 1) batch = Math.max(batch >> order, 2);
    return batch;
  }

  /**
   * __rmqueue_pcplist(): take the first block of the (order, mt) list, refilling it from the
   * buddy lists with rmqueue_bulk() when empty. Returns the pfn or -1.
   */
  rmqueue(pa: PageAllocator, zone: Zone, order: number, mt: number, allocFlags: number, cpu: number): number {
    const w = this.w;
    const c = zone.idx * this.nrCpus + cpu;
    const h = this.headBase + c * NR_PCP_LISTS + MIGRATE_PCPTYPES * order + mt;
    let node = w[3 * h]!;
    if (node === h) {
      const batch = this.nrPcpAlloc(zone, c, order);
      const alloced = pa.rmqueueBulk(zone, order, batch, h, mt, allocFlags);
      this.count[c] = this.count[c]! + (alloced << order);
      node = w[3 * h]!;
      if (node === h) return -1;
    }
    // list_del(&page->pcp_list)
    const n = w[3 * node]!;
    w[3 * h] = n;
    w[3 * n + 1] = h;
    w[3 * node] = -1;
    w[3 * node + 1] = -1;
    w[3 * node + 2 /* W_STATE */] = 0; // kind FREE, age 0 (memmap invariant c), flags and order cleared
    this.count[c] = this.count[c]! - (1 << order);
    return node + this.base;
  }

  /**
   * free_frozen_page_commit() after free_frozen_pages(): put a freed block at the head of its
   * list; drain a batch to the buddy lists when count reaches high. Blocks in isolated
   * pageblocks bypass the pcp (free_one_page()).
   */
  free(pa: PageAllocator, zone: Zone, pfn: number, order: number, cpu: number): void {
    const w = this.w;
    const idx = pfn - this.base;
    let mt = this.mm.getPageblockMigratetype(pfn);
    if (mt >= MIGRATE_PCPTYPES) {
      if (mt === MIGRATE_ISOLATE) {
        pa.freeOnePage(pfn, order, zone, false);
        return;
      }
      mt = MIGRATE_MOVABLE;
    }
    const c = zone.idx * this.nrCpus + cpu;
    const pindex = MIGRATE_PCPTYPES * order + mt;
    const h = this.headBase + c * NR_PCP_LISTS + pindex;
    // list_add(&page->pcp_list, &pcp->lists[pindex])
    const first = w[3 * h]!;
    w[3 * idx] = first;
    w[3 * idx + 1] = h;
    w[3 * first + 1] = idx;
    w[3 * h] = idx;
    // Kind FREE and age 0 (memmap invariant c), PG_PCP, order.
    w[3 * idx + 2 /* W_STATE */] = (PG_PCP << 16) | (order << 24);
    const count = w[this.countBase + c]! + (1 << order);
    w[this.countBase + c] = count;
    const high = zone.pcpHigh;
    if (count >= high) {
      const batch = zone.pcpBatch;
      const nr = high < batch ? 1 : Math.max(1, Math.min(batch, high - batch));
      this.freeBulk(pa, zone, cpu, nr, pindex);
    }
  }

  /**
   * free_pcppages_bulk(): return `count` pages to the buddy lists, taking blocks from the tail
   * (coldest end) of the lists in round-robin order starting with `pindex`.
   */
  freeBulk(pa: PageAllocator, zone: Zone, cpu: number, count: number, pindex: number): void {
    const w = this.w;
    const pbf = this.mm.pageblockFlags;
    const pbOrder = this.mm.pageblockOrder;
    const pbBase = this.mm.pbBase;
    const c = zone.idx * this.nrCpus + cpu;
    const cw = this.countBase + c;
    const listBase = this.headBase + c * NR_PCP_LISTS;
    count = Math.min(this.count[c]!, count);
    pindex = pindex - 1;
    while (count > 0) {
      let h: number;
      let guard = 0;
      do {
        if (++pindex > NR_PCP_LISTS - 1) pindex = 0;
        h = listBase + pindex;
        if (++guard > NR_PCP_LISTS)
          throw new Error(`pcp: zone ${zone.name} cpu ${cpu} count ${this.count[c]} but every list is empty`);
      } while (w[3 * h] === h);
      const order = (pindex / MIGRATE_PCPTYPES) | 0;
      const nrPages = 1 << order;
      do {
        const node = w[3 * h + 1]!;
        const p = w[3 * node + 1]!;
        w[3 * p] = h;
        w[3 * h + 1] = p;
        w[3 * node] = -1;
        w[3 * node + 1] = -1;
        w[3 * node + 2 /* W_STATE */] = 0; // kind FREE, age 0 (memmap invariant c), flags and order cleared
        count -= nrPages;
        w[cw] -= nrPages;
        const pfn = node + this.base;
        // get_pfnblock_migratetype(): MIGRATE_ISOLATE (5) when the isolate bit (8) is set.
        const f = pbf[(pfn >> pbOrder) - pbBase]!;
        pa.freeOneBlock(pfn, zone, order, f & 8 ? 5 : f & 7, false);
      } while (count > 0 && w[3 * h] !== h);
    }
  }

  /** drain_pages_zone(): empty one CPU's lists of one zone. */
  drainZone(pa: PageAllocator, zone: Zone, cpu: number): void {
    const c = zone.idx * this.nrCpus + cpu;
    if (this.count[c]! > 0) this.freeBulk(pa, zone, cpu, this.count[c]!, 0);
  }

  /** Pages held on pcp lists in one zone (all CPUs). */
  zoneCount(zoneIdx: number): number {
    let s = 0;
    for (let cpu = 0; cpu < this.nrCpus; cpu++) s += this.count[zoneIdx * this.nrCpus + cpu]!;
    return s;
  }
}
