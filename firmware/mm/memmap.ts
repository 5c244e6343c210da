/**
 * The memmap: per-page state in typed arrays (Linux's array of struct page), per-pageblock
 * flags (Linux's pageblock_flags bitmap), and intrusive doubly linked lists threaded through
 * the pages (Linux's page->lru / buddy_list / pcp_list, which share one list_head).
 *
 * A page is addressed by its node index, idx = pfn - startPfn. List heads are extra nodes
 * with indices >= nrPages, allocated with allocListHeads(); lists are circular with the head
 * as sentinel, exactly like struct list_head.
 *
 * Invariants:
 *  (a) a page is on at most one list at a time (buddy free list, pcp list, or a list of the
 *      code that owns the page, such as an LRU); its next/prev are meaningful only then;
 *  (b) for every node n on a list, next[prev[n]] === n and prev[next[n]] === n;
 *  (c) kind[idx] === PageKind.FREE for every page of a free block (buddy or pcp);
 *  (d) order[idx] is meaningful only on a block head: PG_BUDDY / PG_PCP (free block order) or
 *      PG_HEAD (allocation order);
 *  (e) a pageblock's flags hold its migratetype in bits 0..2 and PB_migrate_isolate in bit 3;
 *      an isolated pageblock reads as MIGRATE_ISOLATE and keeps its underlying type.
 *
 * Bytes per page: next 4 + prev 4 + kind 1 + order 1 + flags 1 + age 1 = 12, plus one byte per
 * pageblock. 4 bytes of the 16-byte budget remain for code built on top.
 */
import { MIGRATE_ISOLATE } from './migratetype.js';

const PB_MIGRATETYPE_MASK = 0x07;
const PB_MIGRATE_ISOLATE = 0x08;

export class MemMap {
  readonly startPfn: number;
  readonly nrPages: number;
  readonly endPfn: number;
  readonly pageblockOrder: number;
  /** Intrusive list links (node indices); length nrPages + list heads. */
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Owner kind (PageKind). */
  readonly kind: Uint8Array;
  /** Block order on heads (see invariant d). */
  readonly order: Uint8Array;
  /** PG_* bits (page-flags.ts). */
  readonly flags: Uint8Array;
  /** LRU age, maintained by reclaim code (0 = young). */
  readonly age: Uint8Array;
  /** Per-pageblock migratetype and isolate bit, indexed by (pfn >> pageblockOrder) - pbBase. */
  readonly pageblockFlags: Uint8Array;
  readonly pbBase: number;
  /** Index of the first list-head node. */
  readonly headBase: number;
  private nextFreeHead: number;
  private readonly headEnd: number;

  constructor(startPfn: number, nrPages: number, pageblockOrder: number, nrListHeads: number) {
    if (!Number.isInteger(nrListHeads) || nrListHeads < 0) throw new RangeError(`memmap: bad list head count ${nrListHeads}`);
    this.startPfn = startPfn;
    this.nrPages = nrPages;
    this.endPfn = startPfn + nrPages;
    this.pageblockOrder = pageblockOrder;
    const nodes = nrPages + nrListHeads;
    this.next = new Int32Array(nodes);
    this.prev = new Int32Array(nodes);
    this.kind = new Uint8Array(nrPages);
    this.order = new Uint8Array(nrPages);
    this.flags = new Uint8Array(nrPages);
    this.age = new Uint8Array(nrPages);
    this.pbBase = Math.floor(startPfn / 2 ** pageblockOrder);
    const pbLast = Math.floor((this.endPfn - 1) / 2 ** pageblockOrder);
    this.pageblockFlags = new Uint8Array(pbLast - this.pbBase + 1);
    this.headBase = nrPages;
    this.nextFreeHead = nrPages;
    this.headEnd = nodes;
  }

  /** Bytes of state per page frame, including the per-pageblock byte. */
  bytesPerPage(): number {
    const perPage =
      this.kind.BYTES_PER_ELEMENT + this.order.BYTES_PER_ELEMENT + this.flags.BYTES_PER_ELEMENT + this.age.BYTES_PER_ELEMENT;
    const links = (this.next.byteLength + this.prev.byteLength) / this.nrPages;
    return perPage + links + this.pageblockFlags.byteLength / this.nrPages;
  }

  /** Reserve n list heads (initialised empty); returns the node index of the first. */
  allocListHeads(n: number): number {
    if (this.nextFreeHead + n > this.headEnd) {
      throw new RangeError(`memmap: out of list heads (asked ${n}, ${this.headEnd - this.nextFreeHead} left)`);
    }
    const first = this.nextFreeHead;
    this.nextFreeHead += n;
    for (let h = first; h < first + n; h++) {
      this.next[h] = h;
      this.prev[h] = h;
    }
    return first;
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

  pfnValid(pfn: number): boolean {
    return pfn >= this.startPfn && pfn < this.endPfn && Number.isInteger(pfn);
  }

  // ---- struct list_head operations on node indices -------------------------------------------

  listEmpty(head: number): boolean {
    return this.next[head] === head;
  }

  /** First node after head, or -1 if the list is empty (list_first_entry_or_null). */
  listFirst(head: number): number {
    const n = this.next[head]!;
    return n === head ? -1 : n;
  }

  /** Last node before head, or -1 if the list is empty. */
  listLast(head: number): number {
    const p = this.prev[head]!;
    return p === head ? -1 : p;
  }

  /** list_add: insert node right after head. */
  listAdd(node: number, head: number): void {
    const next = this.next;
    const prev = this.prev;
    const n = next[head]!;
    next[node] = n;
    prev[node] = head;
    prev[n] = node;
    next[head] = node;
  }

  /** list_add_tail: insert node right before head. */
  listAddTail(node: number, head: number): void {
    const next = this.next;
    const prev = this.prev;
    const p = prev[head]!;
    next[node] = head;
    prev[node] = p;
    next[p] = node;
    prev[head] = node;
  }

  /** list_del: unlink node; its links are poisoned to -1. */
  listDel(node: number): void {
    const next = this.next;
    const prev = this.prev;
    const n = next[node]!;
    const p = prev[node]!;
    next[p] = n;
    prev[n] = p;
    next[node] = -1;
    prev[node] = -1;
  }

  /** list_move_tail: unlink node and insert it before head. */
  listMoveTail(node: number, head: number): void {
    this.listDel(node);
    this.listAddTail(node, head);
  }

  /** list_count_nodes, capped (returns cap when the list has at least cap nodes). */
  listCount(head: number, cap = Infinity): number {
    let c = 0;
    for (let n = this.next[head]!; n !== head && c < cap; n = this.next[n]!) c++;
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
