/**
 * Page isolation (mm/page_isolation.c): pageblocks of a range are set to MIGRATE_ISOLATE so the
 * allocator never hands out their free pages, and pages freed inside them stay on the ISOLATE
 * lists. Used by alloc_contig_range() (contig.ts), CMA and memory offlining (hotplug.ts).
 *
 *  - start_isolate_page_range(start, end, migratetype, flags): isolates every pageblock that
 *    intersects [start, end), in order. A pageblock fails (-EBUSY) when it is already isolated,
 *    straddles a zone boundary, or has_unmovable_pages() finds a page that cannot move in the
 *    part of the block inside the range: a reserved page (the frames of a memory hole are
 *    reserved, so a range over a hole never isolates); in a zone other than ZONE_MOVABLE any
 *    in-use page that is neither movable (LRU or balloon) nor free; in a MIGRATE_CMA pageblock
 *    unless the caller isolates for CMA. On failure the pageblocks already isolated are restored
 *    and the failing pfn and reason are reported.
 *  - undo_isolate_page_range(): restores the pageblocks (their migratetype under the isolate
 *    bit) and moves their free pages back; a free block of at least pageblock order whose buddy
 *    is not isolated is taken and freed again so the two merge (unset_migratetype_isolate()).
 *  - test_pages_isolated(): every page of the range is free (in a buddy block).
 *
 * Invariants: after a failed start or an undo, no pageblock of the range is left isolated by this
 * call; isolation never changes the free page count of a zone except by moving pages between the
 * counted lists and the uncounted ISOLATE lists (the core's account_freepages()).
 */
import { ZONE_MOVABLE } from './layout.js';
import { MIGRATE_CMA } from './migratetype.js';
import type { MmContext } from './mm-context.js';
import { PAGE_KIND_NAMES, PG_BUDDY, PG_HEAD, PG_PCP, PageKind, isMovableKind } from './page-flags.js';
import { hex } from '../../hal/bits.js';

/** isol_flags: isolate to offline memory (PageOffline/balloon pages count as movable). */
export const MEMORY_OFFLINE = 0x1;
/** isol_flags: report details of the failure (always done here). */
export const REPORT_FAILURE = 0x2;

export type IsolateResult =
  | { ok: true; pageblocks: number }
  | {
      ok: false;
      pfn: number;
      reason: 'unmovable page' | 'already isolated' | 'pageblock straddles zones';
      detail: string;
    };

export class PageIsolation {
  readonly ctx: MmContext;

  constructor(ctx: MmContext) {
    this.ctx = ctx;
  }

  private checkRange(start: number, end: number, what: string): void {
    const mm = this.ctx.memmap;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start >= end || start < mm.startPfn || end > mm.endPfn) {
      throw new RangeError(
        `${what}: range [${start}, ${end}) is empty or outside DRAM [${hex(mm.startPfn, 1)}, ${hex(mm.endPfn, 1)})`,
      );
    }
  }

  /** First pageblock start of a range and the end of its last pageblock (clamped to DRAM). */
  pageblockSpan(start: number, end: number): [number, number] {
    const pb = this.ctx.pa.pageblockNrPages;
    const s = Math.max(start - (start % pb), this.ctx.memmap.startPfn);
    const e = Math.min(Math.ceil(end / pb) * pb, this.ctx.memmap.endPfn);
    return [s, e];
  }

  /**
   * has_unmovable_pages() for [start, end) inside one pageblock: the first pfn that cannot be
   * migrated or freed, or -1. `migratetype` is what the caller isolates for (CMA may isolate
   * CMA pageblocks).
   */
  hasUnmovablePages(start: number, end: number, migratetype: number, flags: number): number {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const base = mm.startPfn;
    if (mm.getPageblockRawMigratetype(start) === MIGRATE_CMA) return migratetype === MIGRATE_CMA ? -1 : start;
    const movableZone = ctx.pa.zoneIdxOf(start) === ZONE_MOVABLE;
    for (let pfn = start; pfn < end; ) {
      const i = pfn - base;
      const f = mm.flags(i);
      const k = mm.kind(i);
      if (f & (PG_BUDDY | PG_PCP)) {
        pfn = Math.max(pfn + 1, pfn - (pfn & ((1 << mm.order(i)) - 1)) + 2 ** mm.order(i));
        continue;
      }
      if (k === PageKind.FREE) {
        pfn++;
        continue;
      }
      if (k === PageKind.RESERVED) return pfn;
      if (movableZone) {
        pfn++;
        continue;
      }
      if (k === PageKind.OFFLINE && flags & MEMORY_OFFLINE) {
        pfn++;
        continue;
      }
      if (isMovableKind(k)) {
        // Skip the rest of the compound block (its tails are movable with it).
        const h = f & PG_HEAD ? pfn : ctx.headOf(pfn);
        pfn = h >= 0 ? Math.max(pfn + 1, h + 2 ** mm.order(h - base)) : pfn + 1;
        continue;
      }
      return pfn;
    }
    return -1;
  }

  /**
   * start_isolate_page_range(): isolate every pageblock intersecting [start, end). On failure
   * nothing stays isolated and the first offending pfn is reported.
   */
  startIsolatePageRange(start: number, end: number, migratetype: number, flags = 0): IsolateResult {
    this.checkRange(start, end, 'start_isolate_page_range');
    const ctx = this.ctx;
    const pa = ctx.pa;
    const mm = ctx.memmap;
    const pb = pa.pageblockNrPages;
    const [s, e] = this.pageblockSpan(start, end);
    let done = s;
    let failure: IsolateResult | null = null;
    for (let pfn = s; pfn < e; pfn += pb) {
      if (mm.isPageblockIsolated(pfn)) {
        failure = {
          ok: false,
          pfn,
          reason: 'already isolated',
          detail: `pageblock ${hex(pfn, 1)} is already MIGRATE_ISOLATE (another isolation holds it)`,
        };
        break;
      }
      const cs = Math.max(pfn, start);
      const ce = Math.min(pfn + pb, end);
      const bad = this.hasUnmovablePages(cs, ce, migratetype, flags);
      if (bad >= 0) {
        const k = mm.kind(bad - mm.startPfn);
        const what = !mm.pfnPresent(bad)
          ? 'memory hole'
          : mm.getPageblockRawMigratetype(bad) === MIGRATE_CMA && migratetype !== MIGRATE_CMA
            ? 'page in a MIGRATE_CMA pageblock'
            : `${PAGE_KIND_NAMES[k]} page`;
        failure = {
          ok: false,
          pfn: bad,
          reason: 'unmovable page',
          detail: `${what} at pfn ${hex(bad, 1)} (${pa.describePage(bad)})`,
        };
        break;
      }
      if (!pa.moveFreepagesBlockIsolate(pfn, true)) {
        failure = {
          ok: false,
          pfn,
          reason: 'pageblock straddles zones',
          detail: `pageblock ${hex(pfn, 1)} crosses a zone boundary`,
        };
        break;
      }
      done = pfn + pb;
    }
    if (failure) {
      if (done > s) this.undoIsolatePageRange(s, done);
      return failure;
    }
    return { ok: true, pageblocks: (e - s) / pb };
  }

  /** undo_isolate_page_range(): un-isolate every isolated pageblock intersecting [start, end). */
  undoIsolatePageRange(start: number, end: number): void {
    this.checkRange(start, end, 'undo_isolate_page_range');
    const pa = this.ctx.pa;
    const mm = this.ctx.memmap;
    const pb = pa.pageblockNrPages;
    const [s, e] = this.pageblockSpan(start, end);
    for (let pfn = s; pfn < e; pfn += pb) {
      if (!mm.isPageblockIsolated(pfn)) continue;
      this.unsetMigratetypeIsolate(pfn);
    }
  }

  /**
   * unset_migratetype_isolate(): a free block of order >= pageblock_order (< MAX_PAGE_ORDER) at
   * the start of the pageblock whose buddy is free and not isolated is taken off the ISOLATE
   * list and freed again after the isolate bit is cleared, so the two merge; otherwise the free
   * pages are moved back to the pageblock's own lists.
   */
  private unsetMigratetypeIsolate(pfn: number): void {
    const pa = this.ctx.pa;
    const mm = this.ctx.memmap;
    const i = pfn - mm.startPfn;
    if (mm.flags(i) & PG_BUDDY) {
      const order = mm.order(i);
      if (order >= pa.pageblockOrder && order < pa.maxOrder) {
        const buddy = pfn ^ (1 << order);
        const zone = pa.zoneOf(pfn);
        if (zone.spansPfn(buddy) && mm.pfnValid(buddy)) {
          const bi = buddy - mm.startPfn;
          if (mm.flags(bi) & PG_BUDDY && mm.order(bi) === order && !mm.isPageblockIsolated(buddy)) {
            const got = pa.isolateFreePage(pfn, order);
            if (got > 0) {
              mm.clearPageblockIsolate(pfn);
              pa.putbackIsolatedPage(pfn, order);
              return;
            }
          }
        }
      }
    }
    pa.moveFreepagesBlockIsolate(pfn, false);
  }

  /**
   * test_pages_isolated(): -1 when every page of [start, end) is in a free buddy block (and the
   * pageblocks are isolated), else the first pfn that is not.
   */
  testPagesIsolated(start: number, end: number): number {
    this.checkRange(start, end, 'test_pages_isolated');
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const pb = ctx.pa.pageblockNrPages;
    const [s, e] = this.pageblockSpan(start, end);
    for (let pfn = s; pfn < e; pfn += pb) if (!mm.isPageblockIsolated(pfn)) return Math.max(pfn, start);
    return this.firstNotFree(start, end);
  }

  /** The first pfn of [start, end) not inside a buddy free block, or -1. */
  firstNotFree(start: number, end: number): number {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const base = mm.startPfn;
    let pfn = start;
    // A free block may start before the range.
    const h = ctx.freeHeadOf(pfn);
    if (h >= 0 && mm.flags(h - base) & PG_BUDDY) pfn = h + 2 ** mm.order(h - base);
    else if (h >= 0) return pfn;
    while (pfn < end) {
      const i = pfn - base;
      if ((mm.flags(i) & PG_BUDDY) === 0) return pfn;
      pfn += 2 ** mm.order(i);
    }
    return -1;
  }
}
