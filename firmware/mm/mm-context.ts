/**
 * The context shared by the mm mechanisms built on the allocator core (reclaim, migration,
 * compaction, isolation, contiguous ranges, CMA, hotplug, shrinkers): the core, the cost
 * ledger, observers of pages that move or are reclaimed, and the PF_MEMALLOC depth.
 *
 * Invariants:
 *  (a) memalloc > 0 exactly while reclaim or compaction runs (like current->flags &
 *      PF_MEMALLOC); the allocator hooks do not recurse into reclaim or compaction then;
 *  (b) listeners are told about a page before its old frame is freed.
 */
import type { Clock } from '../../hal/clock.js';
import type { CostLedger, MechanismCosts } from './costs.js';
import type { MemMap } from './memmap.js';
import type { MemoryManager } from './memory-manager.js';
import type { PageAllocator } from './page-alloc.js';
import { PG_BUDDY, PG_HEAD, PG_PCP, PageKind, isMovableKind } from './page-flags.js';
import type { VmEvents } from './vmstat.js';

/** Observers of pages whose frame changes under their owner. */
export interface PageListener {
  /** A block moved from src to dst (migration); dst holds the data, src is about to be freed. */
  moved?(src: number, dst: number, order: number): void;
  /** A block was reclaimed (dropped, written back and dropped, or swapped out) and is about to be freed. */
  reclaimed?(pfn: number, order: number, kind: number): void;
}

export class MmContext {
  readonly mm: MemoryManager;
  readonly pa: PageAllocator;
  readonly memmap: MemMap;
  readonly events: VmEvents;
  readonly clock: Clock;
  readonly costs: MechanismCosts;
  readonly ledger: CostLedger;
  readonly listeners: PageListener[] = [];
  /** PF_MEMALLOC depth. */
  memalloc = 0;
  /** Bytes per page. */
  readonly pageBytes: number;

  constructor(mm: MemoryManager, ledger: CostLedger) {
    this.mm = mm;
    this.pa = mm.pa;
    this.memmap = mm.memmap;
    this.events = mm.events;
    this.clock = mm.clock;
    this.costs = ledger.costs;
    this.ledger = ledger;
    this.pageBytes = 2 ** mm.pa.pageShift;
  }

  /**
   * compound_head(): the head pfn of the allocated block containing pfn, or -1 if the page is
   * free (buddy or pcp) or outside DRAM. Allocated blocks are aligned to their order, so the
   * first PG_HEAD found at increasing alignments whose order covers pfn is the head.
   */
  headOf(pfn: number): number {
    const mm = this.memmap;
    if (!mm.pfnValid(pfn)) return -1;
    const base = mm.startPfn;
    const maxOrder = this.pa.maxOrder;
    for (let o = 0; o <= maxOrder; o++) {
      const h = pfn - (pfn & ((1 << o) - 1));
      if (h < base) return -1;
      const f = mm.flags(h - base);
      // A free block at h: pfn is in it, or no allocated block can cover pfn (it would cover h).
      if (f & (PG_BUDDY | PG_PCP)) return -1;
      if (f & PG_HEAD && mm.order(h - base) >= o) return h;
    }
    return -1;
  }

  /** The free block (buddy or pcp) containing pfn: its head, or -1. */
  freeHeadOf(pfn: number): number {
    const mm = this.memmap;
    const base = mm.startPfn;
    for (let o = 0; o <= this.pa.maxOrder; o++) {
      const h = pfn - (pfn & ((1 << o) - 1));
      if (h < base) return -1;
      const f = mm.flags(h - base);
      if (f & (PG_BUDDY | PG_PCP) && mm.order(h - base) >= o) return h;
    }
    return -1;
  }

  /**
   * scan_movable_pages(): heads of the in-use movable blocks with a page in [start, end), in pfn
   * order, including a block that starts before `start`. Free blocks are skipped whole.
   */
  scanMovablePages(start: number, end: number): number[] {
    const mm = this.memmap;
    const base = mm.startPfn;
    const out: number[] = [];
    let pfn = start;
    const first = this.headOf(start);
    if (first >= 0 && first < start) {
      if (isMovableKind(mm.kind(first - base))) out.push(first);
      pfn = first + 2 ** mm.order(first - base);
    }
    // Memory sections without RAM have no struct page: skip them whole (blocks never cross a
    // section, so the scan lands on every section start it passes).
    const secMask = mm.sectionPresent !== null ? 2 ** mm.sectionShift - 1 : -1;
    while (pfn < end) {
      if (secMask >= 0 && ((pfn & secMask) === 0 || pfn === start) && !mm.pfnValid(pfn)) {
        pfn = mm.nextValidPfn(pfn);
        continue;
      }
      const i = pfn - base;
      const f = mm.flags(i);
      if (f & PG_BUDDY || (f & PG_HEAD && mm.kind(i) !== PageKind.FREE)) {
        if (!(f & PG_BUDDY) && isMovableKind(mm.kind(i))) out.push(pfn);
        pfn += 2 ** mm.order(i);
        continue;
      }
      pfn++;
    }
    return out;
  }

  notifyMoved(src: number, dst: number, order: number): void {
    for (const l of this.listeners) l.moved?.(src, dst, order);
  }

  notifyReclaimed(pfn: number, order: number, kind: number): void {
    for (const l of this.listeners) l.reclaimed?.(pfn, order, kind);
  }
}
