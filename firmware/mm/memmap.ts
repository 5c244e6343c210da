/**
 * The memmap: per-page state (Linux's array of struct page), per-pageblock flags (Linux's
 * pageblock_flags bitmap), and intrusive doubly linked lists threaded through the pages
 * (Linux's page->lru / buddy_list / pcp_list, which share one list_head).
 *
 * Layout: one 12-byte slot per node in a single ArrayBuffer (array of structs), so that all of
 * a page's state shares a cache line and touching a block head faults in one memory page:
 *
 *   word  3n + 0   next   (Int32, node index; W_NEXT)
 *   word  3n + 1   prev   (Int32, node index; W_PREV)
 *   byte 12n + 8   kind   (PageKind; B_KIND)
 *   byte 12n + 9   age    (LRU age, for reclaim code; B_AGE)
 *   byte 12n + 10  flags  (PG_* bits; B_FLAGS)
 *   byte 12n + 11  order  (block order on heads; B_ORDER)
 *
 * flags and order share the half-word h[6n + 5] = flags | order << 8 (little-endian views), so
 * the buddy test "PageBuddy with this order" is one load and one compare (headState()). The
 * allocator's hot paths read and write the whole state word w[3n + W_STATE] = kind | age << 8 |
 * flags << 16 | order << 24 (stateWord()): one typed array in their loops instead of three
 * (each array costs V8 a map check and three loads per loop iteration), and no narrow store
 * followed by a wider load of the same bytes (a store-forwarding stall).
 *
 * After the nodes come counter words (allocCounters()): Int32 counters that the hot paths
 * update through w (free_area nr_free, pcp counts), exposed to everyone else as Int32Array
 * views of the same memory (counterView()).
 *
 * A page is node idx = pfn - startPfn. List heads are extra nodes with indices >= nrPages,
 * handed out by allocListHeads(); lists are circular with the head as sentinel, exactly like
 * struct list_head.
 *
 * Invariants:
 *  (a) a page is on at most one list at a time (buddy free list, pcp list, or a list of the
 *      code that owns the page, such as an LRU); its next/prev are meaningful only then;
 *  (b) for every node n on a list, next(prev(n)) === n and prev(next(n)) === n;
 *  (c) kind === PageKind.FREE and age === 0 for every page of a free block (buddy or pcp);
 *  (d) order is meaningful only on a block head: PG_BUDDY / PG_PCP (free block order) or
 *      PG_HEAD (allocation order);
 *  (e) a pageblock's flags hold its migratetype in bits 0..2 and PB_migrate_isolate in bit 3;
 *      an isolated pageblock reads as MIGRATE_ISOLATE and keeps its underlying type.
 *
 * Holes: the memmap is dense over the node's span, holes included (Linux's memmap covers the
 * holes inside a memory section too; here it also covers whole sections without RAM, so pfn
 * arithmetic stays pfn - startPfn on every path). setRanges() records the RAM ranges and which
 * sections hold RAM: pfnValid() is false in a section without RAM (SPARSEMEM has no struct page
 * there), pfnPresent() is false in every hole. Frames of holes are never free (the boot code
 * marks them reserved, as init_unavailable_range() marks them PageReserved).
 *
 * Bytes per page: 12, plus one byte per pageblock (plus the few list-head slots). The rest of
 * the 16-byte budget (just under 4 bytes) is left for code built on top.
 */
import { MIGRATE_ISOLATE } from './migratetype.js';

export const PB_MIGRATETYPE_MASK = 0x07;
export const PB_MIGRATE_ISOLATE = 0x08;

/** Int32 words per node and the word offsets of the links. */
export const WORDS_PER_NODE = 3;
export const W_NEXT = 0;
export const W_PREV = 1;
/** Word offset of the state word kind | age << 8 | flags << 16 | order << 24. */
export const W_STATE = 2;
/** Bytes per node and the byte offsets of the byte fields. */
export const BYTES_PER_NODE = 12;
export const B_KIND = 8;
export const B_AGE = 9;
export const B_FLAGS = 10;
export const B_ORDER = 11;
/** Half-word index (within a node's 6) of flags | order << 8. */
export const H_STATE = 5;

/** The half-word h[6n + H_STATE] of a block head with these flags and order. */
export function headState(flags: number, order: number): number {
  return flags | (order << 8);
}

/** The state word w[3n + W_STATE] of a page with this kind, age, flags and order. */
export function stateWord(kind: number, age: number, flags: number, order: number): number {
  return kind | (age << 8) | (flags << 16) | (order << 24);
}

export class MemMap {
  declare readonly startPfn: number;
  declare readonly nrPages: number;
  declare readonly endPfn: number;
  declare readonly pageblockOrder: number;
  /** Word view of the slots: w[3n] = next, w[3n + 1] = prev. */
  declare readonly w: Int32Array;
  /** Byte view of the same slots: b[12n + B_KIND | B_ORDER | B_FLAGS | B_AGE]. */
  declare readonly b: Uint8Array;
  /** Half-word view of the same slots: h[6n + H_STATE] = flags | order << 8. */
  declare readonly h: Uint16Array;
  /** Per-pageblock migratetype and isolate bit, indexed by (pfn >> pageblockOrder) - pbBase. */
  declare readonly pageblockFlags: Uint8Array;
  declare readonly pbBase: number;
  /** Index of the first list-head node. */
  declare readonly headBase: number;
  declare private nextFreeHead: number;
  declare private readonly headEnd: number;
  /** Word index (in w) of the first counter word, and of the next one allocCounters() gives. */
  declare readonly counterBase: number;
  declare private nextCounter: number;
  declare private readonly counterEnd: number;
  /** RAM ranges (memblock.memory), sorted; the whole span unless setRanges() says otherwise. */
  ranges: readonly { readonly startPfn: number; readonly endPfn: number }[];
  /** log2 of the pages per memory section. */
  sectionShift = 30;
  /** Per section from the one holding startPfn: 1 when it holds RAM; null when every section does. */
  sectionPresent: Uint8Array | null = null;
  /** Page frames of the span that are holes. */
  absentPages = 0;

  constructor(startPfn: number, nrPages: number, pageblockOrder: number, nrListHeads: number, nrCounters = 0) {
    if (!Number.isInteger(nrListHeads) || nrListHeads < 0)
      throw new RangeError(`memmap: bad list head count ${nrListHeads}`);
    if (!Number.isInteger(nrCounters) || nrCounters < 0)
      throw new RangeError(`memmap: bad counter count ${nrCounters}`);
    this.startPfn = startPfn;
    this.nrPages = nrPages;
    this.endPfn = startPfn + nrPages;
    this.pageblockOrder = pageblockOrder;
    const nodes = nrPages + nrListHeads;
    const buf = new ArrayBuffer(nodes * BYTES_PER_NODE + nrCounters * 4);
    this.w = new Int32Array(buf);
    this.b = new Uint8Array(buf);
    this.h = new Uint16Array(buf);
    this.pbBase = Math.floor(startPfn / 2 ** pageblockOrder);
    const pbLast = Math.floor((this.endPfn - 1) / 2 ** pageblockOrder);
    this.pageblockFlags = new Uint8Array(pbLast - this.pbBase + 1);
    this.headBase = nrPages;
    this.nextFreeHead = nrPages;
    this.headEnd = nodes;
    this.counterBase = nodes * WORDS_PER_NODE;
    this.nextCounter = this.counterBase;
    this.counterEnd = this.counterBase + nrCounters;
    this.ranges = [{ startPfn, endPfn: this.endPfn }];
  }

  /**
   * Record the RAM ranges (sorted, inside the span) and the section size (2^sectionShift
   * pages): sections with no RAM become invalid for pfnValid().
   */
  setRanges(ranges: readonly { readonly startPfn: number; readonly endPfn: number }[], sectionShift: number): void {
    this.ranges = ranges.map((r) => ({ startPfn: r.startPfn, endPfn: r.endPfn }));
    this.sectionShift = sectionShift;
    const present = this.ranges.reduce((n, r) => n + r.endPfn - r.startPfn, 0);
    this.absentPages = this.nrPages - present;
    const first = this.startPfn >> sectionShift;
    const last = (this.endPfn - 1) >> sectionShift;
    const sec = new Uint8Array(last - first + 1);
    for (const r of this.ranges)
      sec.fill(1, (r.startPfn >> sectionShift) - first, ((r.endPfn - 1) >> sectionShift) - first + 1);
    this.sectionPresent = sec.every((x) => x === 1) ? null : sec;
  }

  /** Bytes of state per page frame, including list-head slots and pageblock flags. */
  bytesPerPage(): number {
    return (this.b.byteLength + this.pageblockFlags.byteLength) / this.nrPages;
  }

  /** Reserve n list heads (initialised empty); returns the node index of the first. */
  allocListHeads(n: number): number {
    if (this.nextFreeHead + n > this.headEnd) {
      throw new RangeError(`memmap: out of list heads (asked ${n}, ${this.headEnd - this.nextFreeHead} left)`);
    }
    const first = this.nextFreeHead;
    this.nextFreeHead += n;
    for (let h = first; h < first + n; h++) {
      this.w[3 * h] = h;
      this.w[3 * h + 1] = h;
    }
    return first;
  }

  /** Reserve n counter words (zeroed); returns the word index (in w) of the first. */
  allocCounters(n: number): number {
    if (this.nextCounter + n > this.counterEnd) {
      throw new RangeError(`memmap: out of counter words (asked ${n}, ${this.counterEnd - this.nextCounter} left)`);
    }
    const first = this.nextCounter;
    this.nextCounter += n;
    return first;
  }

  /** An Int32Array view of n counter words starting at word index first (from allocCounters()). */
  counterView(first: number, n: number): Int32Array {
    return new Int32Array(this.w.buffer, first * 4, n);
  }

  /** Number of list heads still available to allocListHeads(). */
  get listHeadsLeft(): number {
    return this.headEnd - this.nextFreeHead;
  }

  pfnToIdx(pfn: number): number {
    return pfn - this.startPfn;
  }

  idxToPfn(idx: number): number {
    return idx + this.startPfn;
  }

  /**
   * pfn_valid(): the pfn has a struct page, i.e. lies in the span and in a memory section that
   * holds RAM (a hole inside such a section is valid: its frames are reserved).
   */
  pfnValid(pfn: number): boolean {
    if (!(pfn >= this.startPfn && pfn < this.endPfn && Number.isInteger(pfn))) return false;
    const sec = this.sectionPresent;
    return sec === null || sec[(pfn >> this.sectionShift) - (this.startPfn >> this.sectionShift)] === 1;
  }

  /** The pfn is RAM (in a memblock.memory range), not a hole. */
  pfnPresent(pfn: number): boolean {
    const r = this.ranges;
    let lo = 0;
    let hi = r.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (pfn < r[mid]!.startPfn) hi = mid - 1;
      else if (pfn >= r[mid]!.endPfn) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** The first pfn >= pfn that pfnValid() accepts (the start of the next section with RAM), or endPfn. */
  nextValidPfn(pfn: number): number {
    const sec = this.sectionPresent;
    if (sec === null || pfn >= this.endPfn) return Math.min(Math.max(pfn, this.startPfn), this.endPfn);
    const shift = this.sectionShift;
    const first = this.startPfn >> shift;
    let p = Math.max(pfn, this.startPfn);
    while (p < this.endPfn && sec[(p >> shift) - first] !== 1) p = ((p >> shift) + 1) * 2 ** shift;
    return Math.min(p, this.endPfn);
  }

  // ---- per-page fields (node index) ----------------------------------------------------------

  kind(idx: number): number {
    return this.b[12 * idx + B_KIND]!;
  }
  order(idx: number): number {
    return this.b[12 * idx + B_ORDER]!;
  }
  flags(idx: number): number {
    return this.b[12 * idx + B_FLAGS]!;
  }
  age(idx: number): number {
    return this.b[12 * idx + B_AGE]!;
  }
  /** Raw kind store: callers that change kinds of allocated pages use PageAllocator.setPageKind(). */
  setKindRaw(idx: number, kind: number): void {
    this.b[12 * idx + B_KIND] = kind;
  }
  setOrderRaw(idx: number, order: number): void {
    this.b[12 * idx + B_ORDER] = order;
  }
  setFlags(idx: number, flags: number): void {
    this.b[12 * idx + B_FLAGS] = flags;
  }
  setAge(idx: number, age: number): void {
    this.b[12 * idx + B_AGE] = age;
  }
  /** Set (on=true) or clear flag bits. */
  changeFlags(idx: number, bits: number, on: boolean): void {
    const i = 12 * idx + B_FLAGS;
    this.b[i] = on ? this.b[i]! | bits : this.b[i]! & ~bits;
  }
  next(node: number): number {
    return this.w[3 * node]!;
  }
  prev(node: number): number {
    return this.w[3 * node + 1]!;
  }

  // ---- struct list_head operations on node indices -------------------------------------------

  listEmpty(head: number): boolean {
    return this.w[3 * head] === head;
  }

  /** First node after head, or -1 if the list is empty (list_first_entry_or_null). */
  listFirst(head: number): number {
    const n = this.w[3 * head]!;
    return n === head ? -1 : n;
  }

  /** Last node before head, or -1 if the list is empty. */
  listLast(head: number): number {
    const p = this.w[3 * head + 1]!;
    return p === head ? -1 : p;
  }

  /** list_add: insert node right after head. */
  listAdd(node: number, head: number): void {
    const w = this.w;
    const n = w[3 * head]!;
    w[3 * node] = n;
    w[3 * node + 1] = head;
    w[3 * n + 1] = node;
    w[3 * head] = node;
  }

  /** list_add_tail: insert node right before head. */
  listAddTail(node: number, head: number): void {
    const w = this.w;
    const p = w[3 * head + 1]!;
    w[3 * node] = head;
    w[3 * node + 1] = p;
    w[3 * p] = node;
    w[3 * head + 1] = node;
  }

  /** list_del: unlink node; its links are poisoned to -1. */
  listDel(node: number): void {
    const w = this.w;
    const n = w[3 * node]!;
    const p = w[3 * node + 1]!;
    w[3 * p] = n;
    w[3 * n + 1] = p;
    w[3 * node] = -1;
    w[3 * node + 1] = -1;
  }

  /** list_move_tail: unlink node and insert it before head. */
  listMoveTail(node: number, head: number): void {
    this.listDel(node);
    this.listAddTail(node, head);
  }

  /** list_count_nodes, capped (returns cap when the list has at least cap nodes). */
  listCount(head: number, cap = Infinity): number {
    let c = 0;
    for (let n = this.w[3 * head]!; n !== head && c < cap; n = this.w[3 * n]!) c++;
    return c;
  }

  // ---- pageblock flags -----------------------------------------------------------------------

  pageblockIndex(pfn: number): number {
    return (pfn >> this.pageblockOrder) - this.pbBase;
  }

  /** get_pfnblock_migratetype(): MIGRATE_ISOLATE when the isolate bit is set. */
  getPageblockMigratetype(pfn: number): number {
    const f = this.pageblockFlags[(pfn >> this.pageblockOrder) - this.pbBase]!;
    return f & PB_MIGRATE_ISOLATE ? MIGRATE_ISOLATE : f & PB_MIGRATETYPE_MASK;
  }

  /** The migratetype under an isolation (what undo_isolate_page_range() restores). */
  getPageblockRawMigratetype(pfn: number): number {
    return this.pageblockFlags[(pfn >> this.pageblockOrder) - this.pbBase]! & PB_MIGRATETYPE_MASK;
  }

  isPageblockIsolated(pfn: number): boolean {
    return (this.pageblockFlags[(pfn >> this.pageblockOrder) - this.pbBase]! & PB_MIGRATE_ISOLATE) !== 0;
  }

  /**
   * set_pageblock_migratetype(). MIGRATE_ISOLATE sets the isolate bit and keeps the underlying
   * type (set_pageblock_isolate()); any other type replaces it and clears the isolate bit.
   */
  setPageblockMigratetype(pfn: number, mt: number): void {
    const i = (pfn >> this.pageblockOrder) - this.pbBase;
    if (mt === MIGRATE_ISOLATE) this.pageblockFlags[i] = this.pageblockFlags[i]! | PB_MIGRATE_ISOLATE;
    else this.pageblockFlags[i] = mt & PB_MIGRATETYPE_MASK;
  }

  /** clear_pageblock_isolate(): back to the underlying migratetype. */
  clearPageblockIsolate(pfn: number): void {
    const i = (pfn >> this.pageblockOrder) - this.pbBase;
    this.pageblockFlags[i] = this.pageblockFlags[i]! & PB_MIGRATETYPE_MASK;
  }
}
