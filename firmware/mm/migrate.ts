/**
 * Page migration (mm/migrate.c: migrate_pages(), alloc_migration_target()): move in-use
 * movable blocks to new frames. For each block of the list:
 *  (a) a block that is no longer allocated (freed meanwhile, also while its target was being
 *      allocated) counts as done, nothing to copy (a target already taken is freed);
 *  (b) a block of an unmovable kind fails with 'unmovable' (Linux could not have isolated it);
 *  (c) a long-term pinned block (PG_PINNED: FOLL_LONGTERM / GUP pin) fails with 'pinned' (the
 *      extra reference makes folio_migrate_mapping() fail with -EAGAIN until the retries run out);
 *  (d) otherwise a target of the same order is asked of the caller's allocator; if none, the
 *      block and all later ones fail with 'no-target' (-ENOMEM ends migrate_pages());
 *  (e) the copy moves the owner kind of every page, the LRU bits and age, the logical page
 *      (listeners' moved()), and charges the per-page cost of the caller's reason to the ledger;
 *      then the source is freed.
 * LRU pages are isolated from their lists first (so nothing else touches them while the list is
 * worked on) and the new frames are put back on the LRU; failed ones go back where they were.
 * pgmigrate_success / pgmigrate_fail count pages (balloon pages are held, never moved: balloon_migrate stays 0).
 */
import type { MigrateReason } from './costs.js';
import { GFP_USER, __GFP_HIGHMEM, __GFP_MOVABLE, __GFP_RETRY_MAYFAIL } from './gfp.js';
import { ZONE_MOVABLE } from './layout.js';
import type { Lru } from './lru.js';
import type { MmContext } from './mm-context.js';
import { PAGE_KIND_NAMES, PG_HEAD, PG_ISOLATED, PG_LRU, PG_PINNED, PageKind, isMovableKind } from './page-flags.js';
import { hex } from '../../hal/bits.js';

export type MigrateFailReason = 'pinned' | 'unmovable' | 'no-target';

export interface MigrateFailure {
  pfn: number;
  order: number;
  reason: MigrateFailReason;
}

/** migrate_pages() modes (enum migrate_mode); the model's cost does not depend on it. */
export type MigrateMode = 'async' | 'sync-light' | 'sync';

export interface MigrateResult {
  /** Pages moved (nr_succeeded). */
  succeeded: number;
  /** Pages that could not be moved. */
  failed: number;
  /** Blocks that were already free when their turn came. */
  gone: number;
  /** The failing blocks (up to MAX_REPORTED), first first. */
  failures: MigrateFailure[];
  /** Simulated time charged. */
  ns: number;
}

/** Failing blocks listed in a MigrateResult (the counts are always complete). */
export const MAX_REPORTED_FAILURES = 64;

/**
 * new_folio_t: give the frame for a copy of the block at src (order, owner kind) as an
 * allocated block of that order and kind, or -1.
 */
export type NewPageFn = (src: number, order: number, kind: number) => number;

export class Migrator {
  readonly ctx: MmContext;
  readonly lru: Lru;

  constructor(ctx: MmContext, lru: Lru) {
    this.ctx = ctx;
    this.lru = lru;
  }

  /** Mark a block long-term pinned (pin_user_pages(FOLL_LONGTERM)): migration of it fails. */
  pin(pfn: number): void {
    const i = this.headIndex(pfn, 'pin');
    this.ctx.pa.setPinned(i + this.ctx.memmap.startPfn, true);
  }

  /** unpin_user_pages(). */
  unpin(pfn: number): void {
    const i = this.headIndex(pfn, 'unpin');
    this.ctx.pa.setPinned(i + this.ctx.memmap.startPfn, false);
  }

  isPinned(pfn: number): boolean {
    const h = this.ctx.headOf(pfn);
    return h >= 0 && (this.ctx.memmap.flags(h - this.ctx.memmap.startPfn) & PG_PINNED) !== 0;
  }

  private headIndex(pfn: number, what: string): number {
    const mm = this.ctx.memmap;
    if (!mm.pfnValid(pfn)) throw new RangeError(`${what}: pfn ${pfn} is outside DRAM`);
    const i = pfn - mm.startPfn;
    if ((mm.flags(i) & PG_HEAD) === 0 || mm.kind(i) === PageKind.FREE)
      throw new Error(
        `${what}: pfn ${hex(pfn, 1)} is not the head of an allocated block (${this.ctx.pa.describePage(pfn)})`,
      );
    return i;
  }

  /**
   * alloc_migration_target(): a new frame from the buddy allocator with GFP_USER | __GFP_MOVABLE
   * | __GFP_RETRY_MAYFAIL, plus __GFP_HIGHMEM when the source is in ZONE_MOVABLE: a ZONE_MOVABLE
   * page may land in any zone up to ZONE_MOVABLE, a kernel-zone page never enters ZONE_MOVABLE.
   * The allocation may reclaim.
   */
  allocMigrationTarget(src: number, order: number, kind: number): number {
    let gfp = GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL;
    if (this.ctx.pa.zoneIdxOf(src) === ZONE_MOVABLE) gfp |= __GFP_HIGHMEM;
    const r = this.ctx.mm.allocPages(order, gfp, kind);
    return typeof r === 'number' ? r : -1;
  }

  /**
   * migrate_pages(): move the blocks whose heads are listed. `newPage` gives targets (default
   * alloc_migration_target()); `reason` picks the per-page cost. Never throws for a block that
   * cannot move: it is reported.
   */
  migratePages(
    heads: ArrayLike<number>,
    reason: MigrateReason,
    newPage?: NewPageFn,
    _mode: MigrateMode = 'sync',
  ): MigrateResult {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const base = mm.startPfn;
    const alloc = newPage ?? ((s: number, o: number, k: number) => this.allocMigrationTarget(s, o, k));
    const res: MigrateResult = { succeeded: 0, failed: 0, gone: 0, failures: [], ns: 0 };
    const perPage = ctx.costs.migratePageNsFor(reason);
    const n = heads.length;
    const fail = (pfn: number, order: number, why: MigrateFailReason): void => {
      res.failed += 2 ** order;
      if (res.failures.length < MAX_REPORTED_FAILURES) res.failures.push({ pfn, order, reason: why });
    };
    ctx.ledger.run(() => {
      // isolate_lru_folio() / isolate_movable_page() for the whole list first.
      const weIsolated = new Uint8Array(n);
      for (let j = 0; j < n; j++) {
        const pfn = heads[j]!;
        const i = pfn - base;
        if (!mm.pfnValid(pfn) || (mm.flags(i) & PG_HEAD) === 0 || mm.kind(i) === PageKind.FREE) continue;
        if (mm.flags(i) & PG_LRU) {
          this.lru.isolate(pfn);
          weIsolated[j] = 1;
        }
      }
      let noTarget = false;
      for (let j = 0; j < n; j++) {
        const src = heads[j]!;
        const i = src - base;
        if (!mm.pfnValid(src) || (mm.flags(i) & PG_HEAD) === 0 || mm.kind(i) === PageKind.FREE) {
          res.gone++;
          continue;
        }
        const order = mm.order(i);
        const kind = mm.kind(i);
        const putback = (): void => {
          if (weIsolated[j]) this.lru.putback(src);
        };
        if (!isMovableKind(kind)) {
          putback();
          fail(src, order, 'unmovable');
          continue;
        }
        if (mm.flags(i) & PG_PINNED) {
          putback();
          fail(src, order, 'pinned');
          continue;
        }
        const dst = noTarget ? -1 : alloc(src, order, kind);
        // The allocation may have reclaimed, compacted or killed (the OOM killer frees a
        // victim's pages, isolated or not): a source freed meanwhile is done, as (a).
        if (
          (mm.flags(i) & PG_HEAD) === 0 ||
          mm.kind(i) === PageKind.FREE ||
          mm.order(i) !== order ||
          (weIsolated[j] === 1 && (mm.flags(i) & PG_ISOLATED) === 0)
        ) {
          if (dst >= 0) ctx.mm.freePages(dst, order);
          res.gone++;
          continue;
        }
        if (dst < 0) {
          noTarget = true;
          putback();
          fail(src, order, 'no-target');
          continue;
        }
        this.moveBlock(src, dst, order);
        const pages = 2 ** order;
        res.succeeded += pages;
        ctx.events.pgmigrate_success += pages;
        const ns = perPage * pages;
        ctx.ledger.charge(`migrate:${reason}`, ns, pages);
        res.ns += ns;
      }
    });
    ctx.events.pgmigrate_fail += res.failed;
    return res;
  }

  /**
   * The copy: dst (an allocated block of the same order) takes the kinds of src's pages, its LRU
   * state and age, and its logical identity; src is freed.
   */
  private moveBlock(src: number, dst: number, order: number): void {
    const ctx = this.ctx;
    const mm = ctx.memmap;
    const base = mm.startPfn;
    const si = src - base;
    const di = dst - base;
    if ((mm.flags(di) & PG_HEAD) === 0 || mm.order(di) !== order || mm.kind(di) === PageKind.FREE) {
      throw new Error(
        `migrate: target pfn ${hex(dst, 1)} is not an allocated order-${order} block (${ctx.pa.describePage(dst)})`,
      );
    }
    const pages = 2 ** order;
    // Per-page kinds (a block normally has one kind; copy page by page anyway).
    for (let k = 0; k < pages; k++) {
      const want = mm.kind(si + k);
      if (mm.kind(di + k) !== want) ctx.pa.setPageKind(dst + k, 1, want);
    }
    if (mm.flags(si) & PG_ISOLATED) {
      this.lru.migrateIsolated(src, dst);
    } else {
      mm.setAge(di, mm.age(si));
    }
    ctx.notifyMoved(src, dst, order);
    mm.setFlags(si, mm.flags(si) & ~(PG_LRU | PG_ISOLATED | PG_PINNED));
    ctx.mm.freePages(src, order);
  }

  /** Why a block cannot migrate now, or null if it can (for reports). */
  whyUnmovable(pfn: number): string | null {
    const h = this.ctx.headOf(pfn);
    if (h < 0) return null;
    const i = h - this.ctx.memmap.startPfn;
    const kind = this.ctx.memmap.kind(i);
    if (!isMovableKind(kind)) return `unmovable ${PAGE_KIND_NAMES[kind]} page`;
    if (this.ctx.memmap.flags(i) & PG_PINNED) return `pinned ${PAGE_KIND_NAMES[kind]} page`;
    return null;
  }
}
