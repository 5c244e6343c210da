/**
 * Region-sorted buddy free lists: the "sorted-buddy" design of S. S. Bhat's memory power
 * management series (2012-13, linux-mm.md §2.2). Memory is cut into regions (for PASR, the units
 * the kernel can stop refreshing, numbered from the lowest address); every free list keeps its
 * blocks grouped by the region of the block's head, in ascending region order, so the first
 * block of a list belongs to its lowest populated region and allocation fills regions in order.
 *
 * Per (list, region): `first` and `last`, the two ends of the region's run of blocks in the list
 * (Bhat kept one end, mr_list[region].page_block, patch "Demarcate and maintain pageblocks in
 * region-order in the zones' freelists"), and one bit in the list's region bitmap (his v2 patch 9:
 * the previous populated region found with a find-last-bit instead of a walk). So:
 *  - adding to a populated region is O(1): before its first block (Linux's list_add) or after
 *    its last (list_add_tail), keeping Linux's head/tail placement inside the region's run;
 *  - adding the first block of a region is O(words): after the last block of the nearest lower
 *    populated region, or at the list head;
 *  - deleting is O(1): an end that leaves moves to its neighbour if that is in the same region.
 *
 * Masked regions: a region whose memory is not refreshed (masked through the PASR core) keeps
 * its free blocks on the lists, counted as free; take() is called wherever a block leaves the
 * lists to be handed out (allocation, fallback, __isolate_free_page()) and, before the block
 * goes, clears the mask flag and calls onTakeMasked so the owner unmasks the region first.
 * The callback must not allocate or free pages (the allocator checks that the block it chose is
 * still there). The allocator never puts a masked region's free page on a pcp list (refills go
 * through take()); the owner drains the pcp lists before masking.
 *
 * Invariants (checkInvariants(); the allocator's check adds "no pcp block in a masked region"):
 *  (a) along every free list the region of each block (of its head page) never decreases;
 *  (b) first/last of (list, region) are the first and last blocks of the region in the list,
 *      both -1 when it has none; its bitmap bit is set exactly when it has one;
 *  (c) chunkRegion maps every chunk to a region below nrRegions; nrMasked counts masked flags.
 */
import { ctz } from './kind-census.js';

/** The regions of memory: ids 0 .. nrRegions - 1, lower ids allocated first. */
export interface RegionMap {
  readonly nrRegions: number;
  /** Pfns where the region may change (any order); the region is constant between two of them. */
  readonly boundaries: readonly number[];
  regionOf(pfn: number): number;
}

/** Why a block left the free lists (the unmask counters' keys). */
export type TakeReason = 'alloc' | 'isolate';

/** Regions a map may have (Bhat's MAX_NR_REGIONS was 256; one byte per chunk here). */
export const MAX_NR_REGIONS = 256;

export class RegionSortedLists {
  declare readonly nrRegions: number;
  /** log2 of the pages per chunk: every chunk lies in one region. */
  declare readonly shift: number;
  /** Region of each chunk of 2^shift page frames (index (pfn - startPfn) >>> shift). */
  declare readonly chunkRegion: Uint8Array;
  /** First / last block (node index) of (list, region), at list * nrRegions + region; -1 if none. */
  declare readonly first: Int32Array;
  declare readonly last: Int32Array;
  /** Populated-region bitmap of each list: `words` Int32 words per list. */
  declare readonly bits: Int32Array;
  declare readonly words: number;
  declare readonly nrLists: number;
  /** Node index of the head of list 0 (list l's head is headBase + l). */
  declare readonly headBase: number;
  /** 1 for every masked region. */
  declare readonly masked: Uint8Array;
  nrMasked = 0;
  /**
   * __rmqueue_smallest() looks at every order for the lowest region (Bhat's v3/v4 "aggressive
   * bias") rather than taking the smallest order that has a block (v2).
   */
  aggressiveBias = true;
  /** Called (mask flag already cleared) before a block of a masked region leaves the lists. */
  onTakeMasked: ((region: number, why: TakeReason) => void) | null = null;
  /** Regions unmasked by take(), by reason. */
  readonly unmasked: Record<TakeReason, number> = { alloc: 0, isolate: 0 };
  declare private readonly w: Int32Array;
  declare private readonly nrPages: number;

  constructor(w: Int32Array, startPfn: number, nrPages: number, headBase: number, nrLists: number, map: RegionMap) {
    const n = map.nrRegions;
    if (!Number.isInteger(n) || n < 1 || n > MAX_NR_REGIONS)
      throw new RangeError(`region map: ${n} regions (1 to ${MAX_NR_REGIONS} allowed)`);
    this.w = w;
    this.nrPages = nrPages;
    this.nrRegions = n;
    this.headBase = headBase;
    this.nrLists = nrLists;
    let shift = 30;
    for (const b of map.boundaries) {
      const off = b - startPfn;
      if (off > 0 && off < nrPages) shift = Math.min(shift, ctz(off));
    }
    this.shift = shift;
    const nrChunks = Math.ceil(nrPages / 2 ** shift);
    this.chunkRegion = new Uint8Array(nrChunks);
    for (let c = 0; c < nrChunks; c++) {
      const pfn = startPfn + c * 2 ** shift;
      const r = map.regionOf(pfn);
      if (!Number.isInteger(r) || r < 0 || r >= n)
        throw new RangeError(`region map: pfn 0x${pfn.toString(16)} has region ${r}, not in [0, ${n})`);
      this.chunkRegion[c] = r;
    }
    this.first = new Int32Array(nrLists * n).fill(-1);
    this.last = new Int32Array(nrLists * n).fill(-1);
    this.words = (n + 31) >>> 5;
    this.bits = new Int32Array(nrLists * this.words);
    this.masked = new Uint8Array(n);
  }

  /** Region of a page frame index (pfn - startPfn). */
  regionOfIdx(idx: number): number {
    return this.chunkRegion[idx >>> this.shift]!;
  }

  /** The first block (node index) of region r on list l, or -1. */
  firstOf(l: number, r: number): number {
    return this.first[l * this.nrRegions + r]!;
  }

  /** Put a block (node idx, unlinked) on list l: at the head or the tail of its region's run. */
  add(l: number, idx: number, tail: boolean): void {
    const w = this.w;
    const r = this.chunkRegion[idx >>> this.shift]!;
    const k = l * this.nrRegions + r;
    if (tail) {
      const p = this.last[k]!;
      if (p >= 0) {
        const n = w[3 * p]!;
        w[3 * idx] = n;
        w[3 * idx + 1] = p;
        w[3 * n + 1] = idx;
        w[3 * p] = idx;
        this.last[k] = idx;
        return;
      }
    } else {
      const n = this.first[k]!;
      if (n >= 0) {
        const p = w[3 * n + 1]!;
        w[3 * idx] = n;
        w[3 * idx + 1] = p;
        w[3 * p] = idx;
        w[3 * n + 1] = idx;
        this.first[k] = idx;
        return;
      }
    }
    this.addFirstOfRegion(l, idx, r, k);
  }

  /** The region's first block: after the last block of the nearest lower populated region. */
  private addFirstOfRegion(l: number, idx: number, r: number, k: number): void {
    const w = this.w;
    const q = this.prevRegion(l, r);
    const p = q < 0 ? this.headBase + l : this.last[l * this.nrRegions + q]!;
    const n = w[3 * p]!;
    w[3 * idx] = n;
    w[3 * idx + 1] = p;
    w[3 * n + 1] = idx;
    w[3 * p] = idx;
    this.first[k] = idx;
    this.last[k] = idx;
    this.bits[l * this.words + (r >>> 5)] |= 1 << (r & 31);
  }

  /** The highest populated region of list l below r, or -1 (find-last-bit on the bitmap). */
  private prevRegion(l: number, r: number): number {
    const base = l * this.words;
    let wi = r >>> 5;
    let m = this.bits[base + wi]! & ((1 << (r & 31)) - 1);
    while (m === 0) {
      if (--wi < 0) return -1;
      m = this.bits[base + wi]!;
    }
    return (wi << 5) + 31 - Math.clz32(m);
  }

  /** Take a block (node idx) off list l, keeping the region ends; its links are poisoned. */
  del(l: number, idx: number): void {
    const w = this.w;
    const r = this.chunkRegion[idx >>> this.shift]!;
    const k = l * this.nrRegions + r;
    const n = w[3 * idx]!;
    const p = w[3 * idx + 1]!;
    if (this.first[k] === idx) this.first[k] = n < this.nrPages && this.chunkRegion[n >>> this.shift] === r ? n : -1;
    if (this.last[k] === idx) {
      const np = p < this.nrPages && this.chunkRegion[p >>> this.shift] === r ? p : -1;
      this.last[k] = np;
      if (np < 0) this.bits[l * this.words + (r >>> 5)] &= ~(1 << (r & 31));
    }
    w[3 * p] = n;
    w[3 * n + 1] = p;
    w[3 * idx] = -1;
    w[3 * idx + 1] = -1;
  }

  /**
   * Re-link list l in region order (stable inside a region) and rebuild its ends and bitmap:
   * how sorting is turned on for lists filled while it was off.
   */
  sortList(l: number): void {
    const w = this.w;
    const h = this.headBase + l;
    const nodes: number[] = [];
    for (let node = w[3 * h]!; node !== h; node = w[3 * node]!) nodes.push(node);
    const R = this.nrRegions;
    const count = new Int32Array(R + 1);
    for (const node of nodes) count[this.regionOfIdx(node) + 1]!++;
    for (let r = 0; r < R; r++) count[r + 1]! += count[r]!;
    const sorted = new Int32Array(nodes.length);
    for (const node of nodes) sorted[count[this.regionOfIdx(node)]!++] = node;
    for (let r = 0; r < R; r++) {
      this.first[l * R + r] = -1;
      this.last[l * R + r] = -1;
    }
    for (let i = 0; i < this.words; i++) this.bits[l * this.words + i] = 0;
    w[3 * h] = h;
    w[3 * h + 1] = h;
    for (const node of sorted) {
      const p = w[3 * h + 1]!;
      w[3 * node] = h;
      w[3 * node + 1] = p;
      w[3 * p] = node;
      w[3 * h + 1] = node;
      const r = this.regionOfIdx(node);
      if (this.first[l * R + r]! < 0) this.first[l * R + r] = node;
      this.last[l * R + r] = node;
      this.bits[l * this.words + (r >>> 5)] |= 1 << (r & 31);
    }
  }

  /** Mark a region masked (its memory will not be refreshed) or not. */
  setMasked(region: number, on: boolean): void {
    if (!(Number.isInteger(region) && region >= 0 && region < this.nrRegions))
      throw new RangeError(`setMasked: region ${region} is not in [0, ${this.nrRegions})`);
    if ((this.masked[region] === 1) === on) return;
    this.masked[region] = on ? 1 : 0;
    this.nrMasked += on ? 1 : -1;
  }

  /** Whether any page frame of [idx, idx + n) lies in a masked region. */
  anyMasked(idx: number, n: number): boolean {
    if (this.nrMasked === 0) return false;
    for (let c = idx >>> this.shift, e = (idx + n - 1) >>> this.shift; c <= e; c++)
      if (this.masked[this.chunkRegion[c]!]) return true;
    return false;
  }

  /**
   * The pages [idx, idx + n) are about to leave the free lists for `why`: every masked region
   * they touch is unmasked first (flag cleared, then onTakeMasked).
   */
  take(idx: number, n: number, why: TakeReason): void {
    if (this.nrMasked === 0) return;
    for (let c = idx >>> this.shift, e = (idx + n - 1) >>> this.shift; c <= e; c++) {
      const r = this.chunkRegion[c]!;
      if (this.masked[r] === 0) continue;
      this.masked[r] = 0;
      this.nrMasked--;
      this.unmasked[why]++;
      this.onTakeMasked?.(r, why);
    }
  }

  /** Invariants (a)-(c); `what(l)` names a list for the messages. */
  checkInvariants(what: (l: number) => string): void {
    const w = this.w;
    const R = this.nrRegions;
    const fail = (msg: string): never => {
      throw new Error(`sorted free lists invariant violated: ${msg}`);
    };
    for (let c = 0; c < this.chunkRegion.length; c++)
      if (this.chunkRegion[c]! >= R) fail(`chunk ${c} has region ${this.chunkRegion[c]} of ${R}`);
    let masked = 0;
    for (let r = 0; r < R; r++) masked += this.masked[r]!;
    if (masked !== this.nrMasked) fail(`nrMasked is ${this.nrMasked} but ${masked} regions are masked`);
    const firstSeen = new Int32Array(R);
    const lastSeen = new Int32Array(R);
    for (let l = 0; l < this.nrLists; l++) {
      const h = this.headBase + l;
      firstSeen.fill(-1);
      lastSeen.fill(-1);
      let prev = -1;
      for (let node = w[3 * h]!; node !== h; node = w[3 * node]!) {
        const r = this.regionOfIdx(node);
        if (r < prev) fail(`${what(l)}: block at node ${node} of region ${r} comes after a block of region ${prev}`);
        prev = r;
        if (firstSeen[r]! < 0) firstSeen[r] = node;
        lastSeen[r] = node;
      }
      for (let r = 0; r < R; r++) {
        const k = l * R + r;
        if (this.first[k] !== firstSeen[r] || this.last[k] !== lastSeen[r])
          fail(
            `${what(l)}: region ${r} ends recorded as ${this.first[k]}..${this.last[k]}, the list has ${firstSeen[r]}..${lastSeen[r]}`,
          );
        const bit = (this.bits[l * this.words + (r >>> 5)]! >>> (r & 31)) & 1;
        if (bit !== (firstSeen[r]! >= 0 ? 1 : 0))
          fail(
            `${what(l)}: region ${r} bitmap bit is ${bit} but the region has ${firstSeen[r]! >= 0 ? 'blocks' : 'none'}`,
          );
      }
    }
  }
}
