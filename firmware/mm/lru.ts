/**
 * The page LRU (struct lruvec of one node, mm/swap.c and the list parts of mm/vmscan.c): four
 * evictable lists, inactive/active × anon/file, threaded through the memmap's page links, with
 * the page state in the memmap's flag bits (PG_LRU, PG_ACTIVE, PG_REFERENCED, PG_ISOLATED) and
 * the memmap's per-page age byte. No object per page.
 *
 * Entries are block heads (a folio of any order; its size counts in pages). New pages enter at
 * the head of a list; reclaim takes from the tail (lru_to_folio()).
 *
 * Model of references (a documented simplification of folio_check_references() and
 * mark_page_accessed()): one referenced bit stands for both PG_referenced and the young bits
 * of the page tables. An access sets it (inactive+referenced -> active, as
 * folio_mark_accessed()); reclaim clears it, giving a referenced inactive page a second chance
 * (activation) and deactivating active pages. `age` counts reclaim scans a page survived without
 * being referenced (saturating at 255; 0 after an access): the idle age PASR policies can read.
 *
 * Invariants (checkInvariants()):
 *  (a) every list is well formed; every entry is an allocated block head (PG_HEAD) with PG_LRU,
 *      without PG_ISOLATED, with PG_ACTIVE exactly on the active lists, of kind ANON on the anon
 *      lists and FILE_CLEAN/FILE_DIRTY on the file lists;
 *  (b) size[zone][lru] = pages of the list's entries in that zone;
 *  (c) no page outside the lists has PG_LRU; pages with PG_ISOLATED number nrIsolated[anon|file];
 *  (d) nonresidentAge only grows.
 */
import { MAX_NR_ZONES } from './layout.js';
import type { MemMap } from './memmap.js';
import type { MmContext } from './mm-context.js';
import {
  PAGE_KIND_NAMES,
  PG_ACTIVE,
  PG_HEAD,
  PG_ISOLATED,
  PG_LRU,
  PG_REFERENCED,
  PageKind,
  isLruKind,
} from './page-flags.js';
import { hex } from '../../hal/bits.js';

/** enum lru_list. */
export const LRU_INACTIVE_ANON = 0;
export const LRU_ACTIVE_ANON = 1;
export const LRU_INACTIVE_FILE = 2;
export const LRU_ACTIVE_FILE = 3;
export const NR_LRU_LISTS = 4;
export const LRU_NAMES = ['inactive_anon', 'active_anon', 'inactive_file', 'active_file'] as const;

export function isFileKind(kind: number): boolean {
  return kind === PageKind.FILE_CLEAN || kind === PageKind.FILE_DIRTY;
}

export function isActiveLru(lru: number): boolean {
  return (lru & 1) === 1;
}

export function isFileLru(lru: number): boolean {
  return lru >= LRU_INACTIVE_FILE;
}

const AGE_MAX = 255;

export class Lru {
  readonly ctx: MmContext;
  /** Node index of the head of list 0; list l is headBase + l. */
  readonly headBase: number;
  /** Pages per (zone, lru): index zone * NR_LRU_LISTS + lru. */
  readonly size = new Float64Array(MAX_NR_ZONES * NR_LRU_LISTS);
  /** NR_ISOLATED_ANON / NR_ISOLATED_FILE in pages. */
  readonly nrIsolated = new Float64Array(2);
  /** lruvec->nonresident_age: advances on every eviction and activation (workingset clock). */
  nonresidentAge = 0;

  private readonly mm: MemMap;
  private readonly base: number;

  constructor(ctx: MmContext) {
    this.ctx = ctx;
    const mm = ctx.memmap;
    this.headBase = mm.allocListHeads(NR_LRU_LISTS);
    this.mm = mm;
    this.base = mm.startPfn;
  }

  /** The list a page belongs on, from its kind and PG_ACTIVE. */
  lruOf(pfn: number): number {
    const i = pfn - this.base;
    return (
      (isFileKind(this.mm.kind(i)) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON) + (this.mm.flags(i) & PG_ACTIVE ? 1 : 0)
    );
  }

  /** Pages on one list, over zones 0..maxZoneIdx (lruvec_lru_size()). */
  lruSize(lru: number, maxZoneIdx = MAX_NR_ZONES - 1): number {
    let s = 0;
    for (let z = 0; z <= maxZoneIdx; z++) s += this.size[z * NR_LRU_LISTS + lru]!;
    return s;
  }

  /** Pages on the LRU lists of one zone (all lists, or one). */
  zoneSize(zoneIdx: number, lru = -1): number {
    if (lru >= 0) return this.size[zoneIdx * NR_LRU_LISTS + lru]!;
    let s = 0;
    for (let l = 0; l < NR_LRU_LISTS; l++) s += this.size[zoneIdx * NR_LRU_LISTS + l]!;
    return s;
  }

  isOnLru(pfn: number): boolean {
    return (this.mm.flags(pfn - this.base) & PG_LRU) !== 0;
  }

  nrPagesOf(pfn: number): number {
    return 2 ** this.mm.order(pfn - this.base);
  }

  private checkHead(pfn: number, what: string): number {
    if (!this.ctx.memmap.pfnValid(pfn)) throw new RangeError(`${what}: pfn ${pfn} is outside DRAM`);
    const i = pfn - this.base;
    if ((this.mm.flags(i) & PG_HEAD) === 0)
      throw new Error(
        `${what}: pfn ${hex(pfn, 1)} is not the head of an allocated block (${this.ctx.pa.describePage(pfn)})`,
      );
    if (!isLruKind(this.mm.kind(i)))
      throw new Error(`${what}: pfn ${hex(pfn, 1)} has kind ${PAGE_KIND_NAMES[this.mm.kind(i)]}, not anon or file`);
    return i;
  }

  // ---- list primitives (lruvec_add_folio / lruvec_del_folio) --------------------------------

  /** Put a head (not on any list) at the head of its list, set PG_LRU, account its pages. */
  addToList(pfn: number, tail = false): void {
    const i = pfn - this.base;
    const lru = this.lruOf(pfn);
    if (tail) this.ctx.memmap.listAddTail(i, this.headBase + lru);
    else this.ctx.memmap.listAdd(i, this.headBase + lru);
    this.mm.setFlags(i, this.mm.flags(i) | PG_LRU);
    this.size[this.ctx.pa.zoneIdxOf(pfn) * NR_LRU_LISTS + lru] += 2 ** this.mm.order(i);
  }

  /** Take a head off its list and clear PG_LRU. */
  delFromList(pfn: number): void {
    const i = pfn - this.base;
    const lru = this.lruOf(pfn);
    this.ctx.memmap.listDel(i);
    this.mm.setFlags(i, this.mm.flags(i) & ~PG_LRU);
    this.size[this.ctx.pa.zoneIdxOf(pfn) * NR_LRU_LISTS + lru] -= 2 ** this.mm.order(i);
  }

  /** Tail entry (coldest) of a list, or -1. */
  tail(lru: number): number {
    const n = this.ctx.memmap.listLast(this.headBase + lru);
    return n < 0 ? -1 : n + this.base;
  }

  /** The entry before pfn on its list (towards the head), or -1 at the head. */
  prevOnList(pfn: number): number {
    const p = this.ctx.memmap.prev(pfn - this.base);
    return p >= this.ctx.memmap.nrPages ? -1 : p + this.base;
  }

  // ---- the public LRU API (mm/swap.c) -------------------------------------------------------

  /**
   * folio_add_lru(): put a freshly allocated anon or file block on the inactive list (or the
   * active list when `active`, as a refault of a working-set page does).
   */
  add(pfn: number, active = false): void {
    const i = this.checkHead(pfn, 'lru add');
    if (this.mm.flags(i) & (PG_LRU | PG_ISOLATED))
      throw new Error(`lru add: pfn ${hex(pfn, 1)} is already on an LRU list or isolated`);
    this.mm.setFlags(i, (this.mm.flags(i) & ~(PG_ACTIVE | PG_REFERENCED)) | (active ? PG_ACTIVE : 0));
    this.mm.setAge(i, 0);
    this.addToList(pfn);
    if (active) this.nonresidentAge += 2 ** this.mm.order(i);
  }

  /** lruvec_del_folio() for a page leaving the LRU for good (it is being freed). */
  del(pfn: number): void {
    const i = this.checkHead(pfn, 'lru del');
    if (this.mm.flags(i) & PG_LRU) this.delFromList(pfn);
    else if (this.mm.flags(i) & PG_ISOLATED) this.unaccountIsolated(pfn);
    this.mm.setFlags(i, this.mm.flags(i) & ~(PG_ACTIVE | PG_REFERENCED | PG_ISOLATED));
  }

  /**
   * folio_mark_accessed(): inactive+unreferenced -> referenced; inactive+referenced ->
   * active (pgactivate); active -> referenced. Resets the idle age. Pages not on an LRU list
   * (isolated) only get the referenced bit.
   */
  markAccessed(pfn: number): void {
    const i = this.checkHead(pfn, 'lru markAccessed');
    const f = this.mm.flags(i);
    this.mm.setAge(i, 0);
    if ((f & PG_LRU) !== 0 && (f & PG_ACTIVE) === 0 && (f & PG_REFERENCED) !== 0) {
      this.activate(pfn);
      this.mm.setFlags(i, this.mm.flags(i) & ~PG_REFERENCED);
    } else {
      this.mm.setFlags(i, f | PG_REFERENCED);
    }
  }

  /** folio_activate(): move an inactive LRU page to the head of its active list. */
  activate(pfn: number): void {
    const i = pfn - this.base;
    if ((this.mm.flags(i) & (PG_LRU | PG_ACTIVE)) !== PG_LRU) return;
    this.delFromList(pfn);
    this.mm.setFlags(i, this.mm.flags(i) | PG_ACTIVE);
    this.addToList(pfn);
    const n = 2 ** this.mm.order(i);
    this.ctx.events.pgactivate += n;
    this.nonresidentAge += n;
  }

  /** folio_deactivate(): move an active LRU page to the head of its inactive list. */
  deactivate(pfn: number): void {
    const i = pfn - this.base;
    if ((this.mm.flags(i) & (PG_LRU | PG_ACTIVE)) !== (PG_LRU | PG_ACTIVE)) return;
    this.delFromList(pfn);
    this.mm.setFlags(i, this.mm.flags(i) & ~PG_ACTIVE);
    this.addToList(pfn);
    this.ctx.events.pgdeactivate += 2 ** this.mm.order(i);
  }

  /** Bump the idle age of a page that reclaim found unreferenced. */
  ageOnce(pfn: number): void {
    const i = pfn - this.base;
    if (this.mm.age(i) < AGE_MAX) this.mm.setAge(i, this.mm.age(i) + 1);
  }

  // ---- isolation for migration and reclaim (folio_isolate_lru / folio_putback_lru) ----------

  /** folio_isolate_lru(): take a page off its list for migration or reclaim. False if it was not on one. */
  isolate(pfn: number): boolean {
    const i = pfn - this.base;
    if ((this.mm.flags(i) & PG_LRU) === 0) return false;
    this.delFromList(pfn);
    this.mm.setFlags(i, this.mm.flags(i) | PG_ISOLATED);
    this.nrIsolated[isFileKind(this.mm.kind(i)) ? 1 : 0] += 2 ** this.mm.order(i);
    return true;
  }

  /** folio_putback_lru(): return an isolated page to the head of its list. */
  putback(pfn: number): void {
    const i = pfn - this.base;
    if ((this.mm.flags(i) & PG_ISOLATED) === 0) throw new Error(`lru putback: pfn ${hex(pfn, 1)} is not isolated`);
    this.unaccountIsolated(pfn);
    this.mm.setFlags(i, this.mm.flags(i) & ~PG_ISOLATED);
    this.addToList(pfn);
    if (this.mm.flags(i) & PG_ACTIVE) this.nonresidentAge += 2 ** this.mm.order(i);
  }

  /** Forget the isolated accounting of a page (it is freed or its state moves to another frame). */
  unaccountIsolated(pfn: number): void {
    const i = pfn - this.base;
    if ((this.mm.flags(i) & PG_ISOLATED) === 0) return;
    this.nrIsolated[isFileKind(this.mm.kind(i)) ? 1 : 0] -= 2 ** this.mm.order(i);
    this.mm.setFlags(i, this.mm.flags(i) & ~PG_ISOLATED);
  }

  /**
   * Migration of an isolated page: dst (same order) takes src's LRU bits and age and is put
   * back on its list; src loses them. folio_migrate_flags() + putback of the new folio.
   */
  migrateIsolated(src: number, dst: number): void {
    const si = src - this.base;
    const di = dst - this.base;
    const bits = this.mm.flags(si) & (PG_ACTIVE | PG_REFERENCED);
    this.unaccountIsolated(src);
    this.mm.setFlags(si, this.mm.flags(si) & ~(PG_ACTIVE | PG_REFERENCED));
    this.mm.setFlags(di, (this.mm.flags(di) & ~(PG_ACTIVE | PG_REFERENCED | PG_LRU | PG_ISOLATED)) | bits);
    this.mm.setAge(di, this.mm.age(si));
    this.addToList(dst);
  }

  // ---- invariants ---------------------------------------------------------------------------

  checkInvariants(): void {
    const mm = this.ctx.memmap;
    const pa = this.ctx.pa;
    const fail = (msg: string): never => {
      throw new Error(`lru invariant violated: ${msg}`);
    };
    const size = new Float64Array(MAX_NR_ZONES * NR_LRU_LISTS);
    let onLists = 0;
    for (let lru = 0; lru < NR_LRU_LISTS; lru++) {
      const head = this.headBase + lru;
      let prevNode = head;
      let n = 0;
      for (let node = mm.next(head); node !== head; node = mm.next(node)) {
        if (node < 0 || node >= mm.nrPages) fail(`${LRU_NAMES[lru]}: links to node ${node}, which is not a page`);
        if (mm.prev(node) !== prevNode) fail(`${LRU_NAMES[lru]}: broken back link at pfn ${hex(node + this.base, 1)}`);
        if (++n > mm.nrPages) fail(`${LRU_NAMES[lru]}: list does not return to its head`);
        const pfn = node + this.base;
        const f = mm.flags(node);
        const k = mm.kind(node);
        if ((f & PG_HEAD) === 0)
          fail(`${LRU_NAMES[lru]}: pfn ${hex(pfn, 1)} is not an allocated head (${pa.describePage(pfn)})`);
        if ((f & PG_LRU) === 0) fail(`${LRU_NAMES[lru]}: pfn ${hex(pfn, 1)} lacks PG_LRU`);
        if (f & PG_ISOLATED) fail(`${LRU_NAMES[lru]}: pfn ${hex(pfn, 1)} is on a list and isolated`);
        if (((f & PG_ACTIVE) !== 0) !== isActiveLru(lru))
          fail(`${LRU_NAMES[lru]}: pfn ${hex(pfn, 1)} has PG_ACTIVE ${(f & PG_ACTIVE) !== 0}`);
        if (isFileKind(k) !== isFileLru(lru) || !isLruKind(k))
          fail(`${LRU_NAMES[lru]}: pfn ${hex(pfn, 1)} has kind ${PAGE_KIND_NAMES[k]}`);
        size[pa.zoneIdxOf(pfn) * NR_LRU_LISTS + lru] += 2 ** mm.order(node);
        onLists++;
        prevNode = node;
      }
      if (mm.prev(head) !== prevNode) fail(`${LRU_NAMES[lru]}: head's prev does not point at the last entry`);
    }
    for (let j = 0; j < size.length; j++) {
      if (size[j] !== this.size[j])
        fail(
          `zone ${Math.floor(j / NR_LRU_LISTS)} ${LRU_NAMES[j % NR_LRU_LISTS]} size is ${this.size[j]} but the list holds ${size[j]} pages`,
        );
    }
    let withLru = 0;
    const isolated = [0, 0];
    for (let i = 0; i < mm.nrPages; i++) {
      const f = mm.flags(i);
      if (f & PG_LRU) withLru++;
      if (f & PG_ISOLATED) isolated[isFileKind(mm.kind(i)) ? 1 : 0] += 2 ** mm.order(i);
    }
    if (withLru !== onLists) fail(`${withLru} pages have PG_LRU but the lists hold ${onLists} entries`);
    if (isolated[0] !== this.nrIsolated[0] || isolated[1] !== this.nrIsolated[1]) {
      fail(
        `isolated pages anon/file are ${isolated[0]}/${isolated[1]} but NR_ISOLATED says ${this.nrIsolated[0]}/${this.nrIsolated[1]}`,
      );
    }
  }
}
