/**
 * Logical pages, shadow entries and refaults (mm/workingset.c, the page cache and the swap
 * cache reduced to what reclaim needs): a workload names its pages by a logical id (a file
 * page or an anon page) and touches them; the address space knows where each one lives.
 *
 * State per logical id (typed arrays of the configured capacity, no object per page):
 *  - RESIDENT: in a page frame (pfnOf[id]);
 *  - SHADOW: a file page reclaim dropped; stamp[id] holds the workingset clock at eviction (the
 *    shadow entry), so a later touch is a refault: workingset_refault_file, a read from storage,
 *    and activation when the refault distance fits in the workingset (workingset_test_recent());
 *  - SWAPPED: an anon page reclaim swapped out (one swap slot, plus a shadow for the refault
 *    test); a touch is a swap-in (pswpin, workingset_refault_anon);
 *  - NONE: never touched or released.
 * Per page frame: idOf[pfn] = the logical id it holds or -1 (page->mapping/index), 4 bytes per
 * page — the last 4 bytes of the 16-byte budget.
 *
 * Invariants (checkInvariants()):
 *  (a) state RESIDENT <=> pfnOf[id] >= 0, and then idOf[pfnOf[id]] === id, the frame is an
 *      allocated order-0 head of kind ANON (anon ids) or FILE_* (file ids);
 *  (b) every frame with idOf >= 0 is the pfnOf of that id;
 *  (c) swapUsed = number of SWAPPED ids <= swapPages;
 *  (d) SHADOW only for file ids, SWAPPED only for anon ids.
 */
import type { AllocFailure } from './page-alloc.js';
import { GFP_HIGHUSER_MOVABLE } from './gfp.js';
import type { Lru } from './lru.js';
import { isFileKind } from './lru.js';
import type { MmContext } from './mm-context.js';
import { PAGE_KIND_NAMES, PG_HEAD, PageKind } from './page-flags.js';
import { hex } from '../../hal/bits.js';

export const PAGE_NONE = 0;
export const PAGE_RESIDENT = 1;
export const PAGE_SHADOW = 2;
export const PAGE_SWAPPED = 3;
const STATE_NAMES = ['none', 'resident', 'shadow', 'swapped'] as const;

export const TYPE_UNSET = 0;
export const TYPE_FILE = 1;
export const TYPE_ANON = 2;

export type PageType = 'file' | 'anon';

/** What a touch did. */
export interface TouchOk {
  ok: true;
  pfn: number;
  /** hit: resident; first: first touch (anon zero-fill or cold file read); refault: a dropped file page read back; swapin: read back from swap. */
  event: 'hit' | 'first' | 'refault' | 'swapin';
  /** The page went straight to the active list (refault of a working-set page) or was promoted. */
  activated: boolean;
}
export type TouchResult = TouchOk | AllocFailure;

export class AddressSpace {
  readonly ctx: MmContext;
  readonly lru: Lru;
  readonly capacity: number;
  readonly pfnOf: Int32Array;
  readonly state: Uint8Array;
  readonly type: Uint8Array;
  /** Workingset clock (lru.nonresidentAge) at eviction, for SHADOW and SWAPPED ids. */
  readonly stamp: Float64Array;
  /** Logical id held by each page frame, or -1 (allocated at the first touch: 4 bytes per page). */
  private idOfArr: Int32Array | null = null;
  readonly swapPages: number;
  swapUsed = 0;
  /** Shadow entries currently held (SHADOW + SWAPPED). */
  nrShadows = 0;

  constructor(ctx: MmContext, lru: Lru, capacity: number, swapPages: number) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 0x7fffffff)
      throw new RangeError(`address space: capacity ${capacity} is not a non-negative 31-bit integer`);
    if (!Number.isInteger(swapPages) || swapPages < 0)
      throw new RangeError(`address space: swap pages ${swapPages} is not a non-negative integer`);
    this.ctx = ctx;
    this.lru = lru;
    this.capacity = capacity;
    this.pfnOf = new Int32Array(capacity).fill(-1);
    this.state = new Uint8Array(capacity);
    this.type = new Uint8Array(capacity);
    this.stamp = new Float64Array(capacity);
    this.swapPages = swapPages;
  }

  private checkId(id: number, what: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.capacity)
      throw new RangeError(`${what}: logical page ${id} is not in [0, ${this.capacity})`);
  }

  /** Per-frame logical ids, allocated on first use. */
  get idOf(): Int32Array {
    if (this.idOfArr === null) this.idOfArr = new Int32Array(this.ctx.memmap.nrPages).fill(-1);
    return this.idOfArr;
  }

  /** Bytes of per-frame state this address space adds (0 until the first touch). */
  get bytesPerPage(): number {
    return this.idOfArr === null ? 0 : this.idOfArr.BYTES_PER_ELEMENT;
  }

  /** Logical id held by a frame, or -1. */
  idAt(pfn: number): number {
    return this.idOfArr === null ? -1 : this.idOfArr[pfn - this.ctx.memmap.startPfn]!;
  }

  /** Whether an anon page can be swapped out now (a free swap slot). */
  canSwap(nrPages = 1): boolean {
    return this.swapUsed + nrPages <= this.swapPages;
  }

  /**
   * Touch a logical page (read, or write when `write`). A resident page is marked accessed (a
   * write to a clean file page dirties it); otherwise a page is allocated (GFP_HIGHUSER_MOVABLE,
   * which may wake kswapd or enter direct reclaim) and the miss is accounted and charged: cold
   * file read, refault or swap-in. Allocation failure is returned, not thrown.
   */
  touch(id: number, type: PageType, write = false): TouchResult {
    this.checkId(id, 'touch');
    const t = type === 'file' ? TYPE_FILE : TYPE_ANON;
    const recorded = this.type[id]!;
    const st = this.state[id]!;
    if (recorded !== TYPE_UNSET && recorded !== t && st !== PAGE_NONE) {
      throw new Error(
        `touch: logical page ${id} is a ${recorded === TYPE_FILE ? 'file' : 'anon'} page, touched as ${type}`,
      );
    }
    const ctx = this.ctx;
    const ev = ctx.events;
    if (st === PAGE_RESIDENT) {
      const pfn = this.pfnOf[id]!;
      const wasActive = this.isActive(pfn);
      this.lru.markAccessed(pfn);
      if (write && t === TYPE_FILE && ctx.memmap.kind(pfn - ctx.memmap.startPfn) === PageKind.FILE_CLEAN) {
        ctx.pa.setPageKind(pfn, 1, PageKind.FILE_DIRTY);
        ev.nr_dirtied++;
      }
      return { ok: true, pfn, event: 'hit', activated: !wasActive && this.isActive(pfn) };
    }
    const kind = t === TYPE_FILE ? (write ? PageKind.FILE_DIRTY : PageKind.FILE_CLEAN) : PageKind.ANON;
    const r = ctx.mm.allocPages(0, GFP_HIGHUSER_MOVABLE, kind);
    if (typeof r !== 'number') return r;
    const pfn = r;
    const kib = ctx.pageBytes / 1024;
    // Account the miss and install the page first; then charge its cost (which advances the
    // clock, so daemons woken by the allocation see a consistent state).
    let event: TouchOk['event'];
    let activate = false;
    let costItem = '';
    let costName = '';
    if (st === PAGE_SHADOW) {
      event = 'refault';
      ev.workingset_refault_file++;
      ev.pgmajfault++;
      ev.pgpgin += kib;
      activate = this.testRecent(id, true);
      if (activate) ev.workingset_activate_file++;
      this.nrShadows--;
      costItem = 'refault';
      costName = 'refault.pageNs';
    } else if (st === PAGE_SWAPPED) {
      event = 'swapin';
      ev.pswpin++;
      ev.pgmajfault++;
      ev.workingset_refault_anon++;
      activate = this.testRecent(id, false);
      if (activate) ev.workingset_activate_anon++;
      this.swapUsed--;
      this.nrShadows--;
      costItem = 'swap-in';
      costName = 'swap.inPageNs';
    } else {
      event = 'first';
      ev.pgfault++;
      if (t === TYPE_FILE) {
        ev.pgmajfault++;
        ev.pgpgin += kib;
        costItem = 'file-read';
        costName = 'refault.pageNs';
      }
    }
    if (write && t === TYPE_FILE) ev.nr_dirtied++;
    this.type[id] = t;
    this.state[id] = PAGE_RESIDENT;
    this.pfnOf[id] = pfn;
    this.idOf[pfn - ctx.memmap.startPfn] = id;
    this.stamp[id] = 0;
    this.lru.add(pfn, activate);
    if (costItem) ctx.ledger.charge(costItem, ctx.costs.perPage(costName));
    return { ok: true, pfn, event, activated: activate };
  }

  /**
   * Install a logical page in a frame its owner allocated itself (an allocated order-0 page of
   * kind ANON for an anon page, FILE_CLEAN or FILE_DIRTY for a file page): a workload that places
   * its own pages, as a recorded trace does. The page goes to the head of the inactive list, as a
   * new page does; nothing is charged (the workload did that work).
   */
  adopt(id: number, type: PageType, pfn: number): void {
    this.checkId(id, 'adopt');
    const mm = this.ctx.memmap;
    if (this.state[id] !== PAGE_NONE)
      throw new Error(`adopt: logical page ${id} is ${STATE_NAMES[this.state[id]!]}, not free to name a new page`);
    if (!mm.pfnValid(pfn)) throw new RangeError(`adopt: pfn ${pfn} is outside DRAM`);
    const i = pfn - mm.startPfn;
    const k = mm.kind(i);
    const t = type === 'file' ? TYPE_FILE : TYPE_ANON;
    if ((mm.flags(i) & PG_HEAD) === 0 || mm.order(i) !== 0 || (t === TYPE_FILE ? !isFileKind(k) : k !== PageKind.ANON))
      throw new Error(
        `adopt: pfn ${hex(pfn, 1)} is not an allocated order-0 ${type} page (${this.ctx.pa.describePage(pfn)})`,
      );
    if (this.idOf[i] !== -1) throw new Error(`adopt: pfn ${hex(pfn, 1)} already holds logical page ${this.idOf[i]}`);
    this.type[id] = t;
    this.state[id] = PAGE_RESIDENT;
    this.pfnOf[id] = pfn;
    this.idOf[i] = id;
    this.stamp[id] = 0;
    this.lru.add(pfn, false);
  }

  private isActive(pfn: number): boolean {
    return this.lru.lruOf(pfn) % 2 === 1 && this.lru.isOnLru(pfn);
  }

  /**
   * workingset_test_recent(): the refault distance (workingset clock now minus at eviction)
   * against the workingset size: active file, plus inactive file for anon, plus anon when swap
   * is available.
   */
  private testRecent(id: number, file: boolean): boolean {
    const distance = this.lru.nonresidentAge - this.stamp[id]!;
    let ws = this.lru.lruSize(3);
    if (!file) ws += this.lru.lruSize(2);
    if (this.swapPages - this.swapUsed > 0) {
      ws += this.lru.lruSize(1);
      if (file) ws += this.lru.lruSize(0);
    }
    return distance <= ws;
  }

  /**
   * Release a logical page (truncate / munmap): free its frame (off the LRU) or its swap slot,
   * drop its shadow. Returns the freed pfn or -1.
   */
  release(id: number): number {
    this.checkId(id, 'release');
    const st = this.state[id]!;
    let pfn = -1;
    if (st === PAGE_RESIDENT) {
      pfn = this.pfnOf[id]!;
      this.lru.del(pfn);
      this.idOf[pfn - this.ctx.memmap.startPfn] = -1;
      this.pfnOf[id] = -1;
      this.ctx.mm.freePages(pfn, 0);
    } else if (st === PAGE_SWAPPED) {
      this.swapUsed--;
      this.nrShadows--;
    } else if (st === PAGE_SHADOW) {
      this.nrShadows--;
    }
    this.state[id] = PAGE_NONE;
    this.stamp[id] = 0;
    return pfn;
  }

  /** The frame of a resident logical page, or -1. */
  pfnOfId(id: number): number {
    this.checkId(id, 'pfnOfId');
    return this.pfnOf[id]!;
  }

  /**
   * workingset_eviction(): reclaim dropped (file) or swapped out (anon) the page at pfn. Leaves
   * a shadow entry stamped with the workingset clock (reclaim then advances the clock).
   * Returns the id, or -1 if the frame held no logical page.
   */
  evict(pfn: number, swapped: boolean): number {
    if (this.idOfArr === null) return -1;
    const i = pfn - this.ctx.memmap.startPfn;
    const id = this.idOf[i]!;
    if (id < 0) return -1;
    this.idOf[i] = -1;
    this.pfnOf[id] = -1;
    this.state[id] = swapped ? PAGE_SWAPPED : PAGE_SHADOW;
    this.stamp[id] = this.lru.nonresidentAge;
    if (swapped) this.swapUsed++;
    this.nrShadows++;
    return id;
  }

  /** A page moved (migration): the id follows it. */
  moved(src: number, dst: number): void {
    if (this.idOfArr === null) return;
    const base = this.ctx.memmap.startPfn;
    const id = this.idOf[src - base]!;
    if (id < 0) return;
    this.idOf[dst - base] = id;
    this.idOf[src - base] = -1;
    this.pfnOf[id] = dst;
  }

  /** Pages per state: [none, resident, shadow, swapped]. */
  counts(): number[] {
    const c = [0, 0, 0, 0];
    for (let id = 0; id < this.capacity; id++) c[this.state[id]!]!++;
    return c;
  }

  checkInvariants(): void {
    const mm = this.ctx.memmap;
    const fail = (msg: string): never => {
      throw new Error(`address space invariant violated: ${msg}`);
    };
    let swapped = 0;
    let shadows = 0;
    for (let id = 0; id < this.capacity; id++) {
      const st = this.state[id]!;
      const pfn = this.pfnOf[id]!;
      if (st > PAGE_SWAPPED) fail(`logical page ${id} has state ${st}`);
      if ((st === PAGE_RESIDENT) !== pfn >= 0) fail(`logical page ${id} is ${STATE_NAMES[st]} but pfnOf is ${pfn}`);
      if (st === PAGE_SWAPPED) {
        swapped++;
        if (this.type[id] !== TYPE_ANON) fail(`logical page ${id} is swapped but not anon`);
      }
      if (st === PAGE_SHADOW && this.type[id] !== TYPE_FILE)
        fail(`logical page ${id} has a file shadow but is not a file page`);
      if (st === PAGE_SWAPPED || st === PAGE_SHADOW) shadows++;
      if (st === PAGE_RESIDENT) {
        if (!mm.pfnValid(pfn)) fail(`logical page ${id} maps to pfn ${pfn} outside DRAM`);
        const i = pfn - mm.startPfn;
        if (this.idOf[i] !== id) fail(`logical page ${id} maps to pfn ${hex(pfn, 1)}, which holds id ${this.idOf[i]}`);
        if ((mm.flags(i) & PG_HEAD) === 0 || mm.order(i) !== 0)
          fail(`logical page ${id} at pfn ${hex(pfn, 1)} is not an allocated order-0 page`);
        const k = mm.kind(i);
        const ok = this.type[id] === TYPE_FILE ? isFileKind(k) : k === PageKind.ANON;
        if (!ok)
          fail(
            `logical page ${id} (${this.type[id] === TYPE_FILE ? 'file' : 'anon'}) at pfn ${hex(pfn, 1)} has kind ${PAGE_KIND_NAMES[k]}`,
          );
      }
    }
    if (swapped !== this.swapUsed) fail(`swapUsed is ${this.swapUsed} but ${swapped} pages are swapped`);
    if (this.swapUsed > this.swapPages) fail(`swapUsed ${this.swapUsed} exceeds swapPages ${this.swapPages}`);
    if (shadows !== this.nrShadows) fail(`nrShadows is ${this.nrShadows} but ${shadows} shadow entries exist`);
    for (let i = 0; this.idOfArr !== null && i < this.idOfArr.length; i++) {
      const id = this.idOf[i]!;
      if (id >= 0 && this.pfnOf[id] !== i + mm.startPfn)
        fail(`pfn ${hex(i + mm.startPfn, 1)} holds id ${id}, whose pfnOf is ${this.pfnOf[id]}`);
    }
  }
}
