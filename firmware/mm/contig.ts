/**
 * Contiguous ranges (mm/page_alloc.c: alloc_contig_range(), free_contig_range()).
 *
 * alloc_contig_range(start, end, migratetype):
 *  (a) the range must lie in one zone; every pageblock it touches is isolated
 *      (start_isolate_page_range(), which fails on unmovable pages: nothing stays isolated);
 *  (b) pcp lists are drained; up to 5 passes (Linux's `tries == 5`) over the range collect the
 *      in-use movable blocks, drop the clean page-cache ones (reclaim_clean_pages_from_list(), at
 *      the discard cost, leaving shadow entries) and migrate the rest (MR_CONTIG_RANGE cost);
 *  (c) when every page of [start, end) is free, the free blocks covering it are taken
 *      (isolate_freepages_range()), the parts of them outside the range are given back, and each
 *      page of the range becomes an allocated order-0 page of the caller's kind;
 *  (d) the isolation is undone in every case; failure is an outcome with the pfn that stayed busy.
 * free_contig_range() frees the pages one by one (order 0, through the pcp lists).
 */
import type { Lru } from './lru.js';
import { MIGRATE_CMA, MIGRATE_MOVABLE } from './migratetype.js';
import type { Migrator } from './migrate.js';
import type { MmContext } from './mm-context.js';
import type { PageIsolation } from './isolation.js';
import { PAGE_KIND_NAMES, PG_BUDDY, PG_HEAD, PG_PCP, PG_PINNED, PageKind } from './page-flags.js';
import type { Reclaim } from './reclaim.js';
import { hex } from '../../hal/bits.js';

/** Passes of __alloc_contig_migrate_range() before -EBUSY. */
export const CONTIG_MIGRATE_TRIES = 5;

export type ContigResult =
  | { ok: true; pfn: number; nrPages: number; migrated: number; discarded: number; ns: number }
  | {
      ok: false;
      reason: 'range spans zones' | 'unmovable page' | 'already isolated' | 'pageblock straddles zones' | 'busy';
      /** First pfn that could not be freed or isolated (-1 when not applicable). */
      pfn: number;
      detail: string;
      migrated: number;
      discarded: number;
      ns: number;
    };

export interface ContigOptions {
  /** What the range is isolated for: MIGRATE_MOVABLE (default) or MIGRATE_CMA. */
  migratetype?: number;
  /** Owner kind of the allocated pages (default KERNEL: a driver buffer). */
  kind?: number;
}

export class ContigAllocator {
  readonly ctx: MmContext;
  readonly isolation: PageIsolation;
  readonly migrator: Migrator;
  readonly lru: Lru;
  readonly reclaim: Reclaim;

  constructor(ctx: MmContext, isolation: PageIsolation, migrator: Migrator, lru: Lru, reclaim: Reclaim) {
    this.ctx = ctx;
    this.isolation = isolation;
    this.migrator = migrator;
    this.lru = lru;
    this.reclaim = reclaim;
  }

  allocContigRange(start: number, end: number, opts: ContigOptions = {}): ContigResult {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start >= end || start < mm.startPfn || end > mm.endPfn) {
      throw new RangeError(
        `alloc_contig_range: [${start}, ${end}) is empty or outside DRAM [${hex(mm.startPfn, 1)}, ${hex(mm.endPfn, 1)})`,
      );
    }
    const migratetype = opts.migratetype ?? MIGRATE_MOVABLE;
    if (migratetype !== MIGRATE_MOVABLE && migratetype !== MIGRATE_CMA)
      throw new RangeError(`alloc_contig_range: migratetype ${migratetype} is neither MOVABLE nor CMA`);
    const kind = opts.kind ?? PageKind.KERNEL;
    if (kind === PageKind.FREE) throw new RangeError('alloc_contig_range: kind must be an owner kind');
    const t0 = ctx.ledger.nowNs;
    let migrated = 0;
    let discarded = 0;
    const pa = ctx.pa;
    if (pa.zoneIdxOf(start) !== pa.zoneIdxOf(end - 1)) {
      return {
        ok: false,
        reason: 'range spans zones',
        pfn: start,
        detail: `[${hex(start, 1)}, ${hex(end, 1)}) is not inside one zone`,
        migrated,
        discarded,
        ns: 0,
      };
    }
    return ctx.ledger.run((): ContigResult => {
      const [s, e] = this.isolation.pageblockSpan(start, end);
      ctx.ledger.charge(
        'isolate',
        ctx.costs.get('isolate.pageblockNs') * ((e - s) / pa.pageblockNrPages),
        (e - s) / pa.pageblockNrPages,
      );
      const iso = this.isolation.startIsolatePageRange(start, end, migratetype);
      if (!iso.ok)
        return {
          ok: false,
          reason: iso.reason,
          pfn: iso.pfn,
          detail: iso.detail,
          migrated,
          discarded,
          ns: ctx.ledger.nowNs - t0,
        };
      try {
        pa.drainAllPages();
        for (let tries = 0; tries < CONTIG_MIGRATE_TRIES; tries++) {
          const heads = ctx.scanMovablePages(start, end);
          if (heads.length === 0) break;
          // reclaim_clean_pages_from_list(): clean page cache is dropped, not migrated.
          const toMigrate: number[] = [];
          for (const h of heads) {
            const i = h - mm.startPfn;
            if (mm.kind(i) === PageKind.FILE_CLEAN && (mm.flags(i) & PG_PINNED) === 0) {
              const n = this.reclaim.dropCleanPage(h);
              discarded += n;
              ctx.ledger.charge('contig-discard', ctx.costs.contigDiscardPageNs * n, n);
            } else {
              toMigrate.push(h);
            }
          }
          if (toMigrate.length > 0) {
            const r = this.migrator.migratePages(toMigrate, 'contig-range');
            migrated += r.succeeded;
            if (r.failures.some((f) => f.reason === 'no-target')) break; // -ENOMEM ends the loop
          }
        }
        const busy = this.isolation.firstNotFree(start, end);
        if (busy >= 0) {
          const why = this.migrator.whyUnmovable(busy);
          return {
            ok: false,
            reason: 'busy',
            pfn: busy,
            detail: `pfn ${hex(busy, 1)} could not be freed: ${why ?? 'migration failed (no free target)'} (${pa.describePage(busy)})`,
            migrated,
            discarded,
            ns: ctx.ledger.nowNs - t0,
          };
        }
        this.takeFreeRange(start, end, kind);
        return { ok: true, pfn: start, nrPages: end - start, migrated, discarded, ns: ctx.ledger.nowNs - t0 };
      } finally {
        this.isolation.undoIsolatePageRange(start, end);
      }
    });
  }

  /**
   * isolate_freepages_range() + trimming: take every free block covering [start, end), give the
   * pages outside the range back, and make each page of the range an allocated order-0 page.
   */
  private takeFreeRange(start: number, end: number, kind: number): void {
    const ctx = this.ctx;
    const pa = ctx.pa;
    const mm = ctx.memmap;
    const base = mm.startPfn;
    let pfn = start;
    while (pfn < end) {
      const h = ctx.freeHeadOf(pfn);
      if (h < 0 || (mm.flags(h - base) & PG_BUDDY) === 0)
        throw new Error(
          `alloc_contig_range: pfn ${hex(pfn, 1)} is not in a buddy free block after the range was freed`,
        );
      const order = mm.order(h - base);
      const got = pa.isolateFreePage(h, order);
      if (got === 0)
        throw new Error(`alloc_contig_range: could not take the free block at ${hex(h, 1)} (order ${order})`);
      const blockEnd = h + 2 ** order;
      if (h < start) this.putbackRange(h, start);
      if (blockEnd > end) this.putbackRange(end, blockEnd);
      const s = Math.max(h, start);
      const e = Math.min(blockEnd, end);
      for (let p = s; p < e; p++) pa.markAllocated(p, 0, kind);
      pfn = blockEnd;
    }
  }

  /**
   * take_page_off_buddy() for a block: make [pfn, pfn + 2^order) one allocated block of `order`
   * and `kind` when every page of it is free (the per-cpu lists are drained first if a page sits
   * there), giving the rest of the free blocks it is cut from back to the lists. No isolation, no
   * migration, no cost: a page in use, or the min watermark refusing a block, makes it return
   * false with nothing changed (but the drain).
   */
  takeFreeBlock(pfn: number, order: number, kind: number): boolean {
    const ctx = this.ctx;
    const pa = ctx.pa;
    const mm = ctx.memmap;
    const base = mm.startPfn;
    const end = pfn + 2 ** order;
    if (!Number.isInteger(pfn) || pfn % 2 ** order !== 0 || pfn < base || end > mm.endPfn)
      throw new RangeError(`takeFreeBlock: [${hex(pfn, 1)}, ${hex(end, 1)}) is not an aligned block inside DRAM`);
    if (kind === PageKind.FREE) throw new RangeError('takeFreeBlock: kind must be an owner kind');
    if (pa.zoneIdxOf(pfn) !== pa.zoneIdxOf(end - 1)) return false;
    let drained = false;
    for (let p = pfn; p < end; ) {
      const h = ctx.freeHeadOf(p);
      if (h < 0 || mm.isPageblockIsolated(h)) return false;
      if (mm.flags(h - base) & PG_PCP) {
        if (drained) return false;
        pa.drainAllPages();
        drained = true;
        continue;
      }
      p = h + 2 ** mm.order(h - base);
    }
    const taken: number[] = [];
    for (let p = pfn; p < end; ) {
      const h = ctx.freeHeadOf(p);
      const o = mm.order(h - base);
      if (pa.isolateFreePage(h, o) === 0) {
        for (let k = 0; k < taken.length; k += 2) pa.putbackIsolatedPage(taken[k]!, taken[k + 1]!);
        return false;
      }
      taken.push(h, o);
      p = h + 2 ** o;
    }
    for (let k = 0; k < taken.length; k += 2) {
      const h = taken[k]!;
      const e = h + 2 ** taken[k + 1]!;
      if (h < pfn) this.putbackRange(h, pfn);
      if (e > end) this.putbackRange(end, e);
    }
    pa.markAllocated(pfn, order, kind);
    return true;
  }

  /** Return taken free pages [s, e) to the lists in the largest aligned pieces. */
  private putbackRange(s: number, e: number): void {
    const pa = this.ctx.pa;
    let pfn = s;
    while (pfn < e) {
      let order = 0;
      while (order < pa.maxOrder && pfn % 2 ** (order + 1) === 0 && pfn + 2 ** (order + 1) <= e) order++;
      pa.putbackIsolatedPage(pfn, order);
      pfn += 2 ** order;
    }
  }

  /** free_contig_range(): free nrPages allocated order-0 pages from pfn. */
  freeContigRange(pfn: number, nrPages: number): void {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    if (
      !Number.isInteger(pfn) ||
      !Number.isInteger(nrPages) ||
      nrPages <= 0 ||
      pfn < mm.startPfn ||
      pfn + nrPages > mm.endPfn
    ) {
      throw new RangeError(`free_contig_range: ${nrPages} pages at ${pfn} is not a range inside DRAM`);
    }
    for (let p = pfn; p < pfn + nrPages; p++) {
      const i = p - mm.startPfn;
      if ((mm.flags(i) & PG_HEAD) === 0 || mm.order(i) !== 0 || mm.kind(i) === PageKind.FREE) {
        throw new Error(
          `free_contig_range: pfn ${hex(p, 1)} is not an allocated order-0 page (${ctx.pa.describePage(p)}; kind ${PAGE_KIND_NAMES[mm.kind(i)]})`,
        );
      }
    }
    for (let p = pfn; p < pfn + nrPages; p++) ctx.mm.freePages(p, 0);
  }
}
