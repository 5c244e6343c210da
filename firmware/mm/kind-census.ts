/**
 * Pages per owner kind, counted per census cell: the zone's NR_* page-kind counters of the model,
 * kept at a finer grain so that code above the allocator (the PASR census) can read the state of
 * any range made of whole cells in O(cells) instead of scanning page by page.
 *
 * Memory is cut into aligned chunks of 2^shift page frames; every chunk belongs to one cell
 * (cellOf[chunk]), every cell to one zone. The default partition has one cell per zone; a caller
 * that needs finer counts (PASR units) repartitions with the boundaries it cares about, which
 * sets the chunk size to the largest power of two that keeps every boundary on a chunk edge.
 * The allocator updates the counters where it used to update per-zone counters, so the census
 * costs one extra typed-array load on its fast paths.
 *
 * Invariants (checkInvariants(), against a scan of the memmap):
 *  (a) every chunk lies in exactly one cell and every cell in exactly one zone;
 *  (b) count[cell * NR_PAGE_KINDS + k] = pages of owner kind k in the cell, for every k but FREE
 *      (count of FREE is always 0; free pages are cellPages minus the rest);
 *  (c) pinned[cell] = pages of long-term pinned blocks (PG_PINNED on the head) in the cell;
 *  (d) cellPages[cell] = page frames of the cell.
 */
import type { MemMap } from './memmap.js';
import { NR_PAGE_KINDS, PAGE_KIND_NAMES, PG_BUDDY, PG_HEAD, PG_PCP, PG_PINNED, PageKind } from './page-flags.js';

/** A populated zone's span, for the partition. */
export interface ZoneSpan {
  readonly idx: number;
  readonly startPfn: number;
  readonly endPfn: number;
}

export class KindCensus {
  /** log2 of the pages per chunk. */
  shift = 0;
  /** Cell of each chunk. */
  cellOf: Uint16Array = new Uint16Array(0);
  /** Pages per kind per cell (NR_PAGE_KINDS per cell). */
  count: Int32Array = new Int32Array(0);
  /** Pages of pinned blocks per cell. */
  pinned: Int32Array = new Int32Array(0);
  /** Page frames per cell. */
  cellPages: Float64Array = new Float64Array(0);
  /** Zone index of each cell. */
  cellZone: Int8Array = new Int8Array(0);
  /** Caller's label of each cell (e.g. a PASR unit), -1 for none. */
  cellLabel: Int32Array = new Int32Array(0);

  constructor(
    private readonly memmap: MemMap,
    private readonly zoneSpans: () => readonly ZoneSpan[],
  ) {}

  private zoneIdxOf(pfn: number): number {
    for (const z of this.zoneSpans()) if (pfn >= z.startPfn && pfn < z.endPfn) return z.idx;
    return -1;
  }

  get nrCells(): number {
    return this.cellPages.length;
  }

  /** Bytes of per-page state (the chunk -> cell map). */
  get bytesPerPage(): number {
    return (this.cellOf.length * 2) / Math.max(1, this.memmap.nrPages);
  }

  /** The cell of a page frame index (pfn - startPfn). */
  cellOfIdx(idx: number): number {
    return this.cellOf[idx >>> this.shift]!;
  }

  /**
   * Repartition: cells are the maximal runs of chunks with the same zone and the same label,
   * where `labelOf(pfn)` is constant between consecutive `boundaries` (pfns, any order). The
   * counters are rebuilt from the memmap, so this may run at any time.
   */
  partition(boundaries: readonly number[], labelOf: (pfn: number) => number, rescan = true): void {
    const mm = this.memmap;
    const start = mm.startPfn;
    const edges = new Set<number>([start, mm.endPfn]);
    for (const b of boundaries) if (b > start && b < mm.endPfn) edges.add(b);
    for (const z of this.zoneSpans()) {
      if (z.startPfn > start && z.startPfn < mm.endPfn) edges.add(z.startPfn);
      if (z.endPfn > start && z.endPfn < mm.endPfn) edges.add(z.endPfn);
    }
    let shift = 30;
    for (const e of edges) {
      const off = e - start;
      if (off === 0) continue;
      shift = Math.min(shift, ctz(off));
    }
    const nrChunks = Math.ceil(mm.nrPages / 2 ** shift);
    const cellOf = new Uint16Array(nrChunks);
    const zones: number[] = [];
    const labels: number[] = [];
    const pages: number[] = [];
    const key = new Map<string, number>();
    for (let c = 0; c < nrChunks; c++) {
      const pfn = start + c * 2 ** shift;
      const z = this.zoneIdxOf(pfn);
      const label = labelOf(pfn);
      const k = `${z}:${label}`;
      let cell = key.get(k);
      if (cell === undefined) {
        cell = zones.length;
        if (cell > 0xffff) throw new RangeError(`kind census: more than 65536 cells (${nrChunks} chunks)`);
        key.set(k, cell);
        zones.push(z);
        labels.push(label);
        pages.push(0);
      }
      cellOf[c] = cell;
      pages[cell]! += Math.min(2 ** shift, mm.endPfn - pfn);
    }
    this.shift = shift;
    this.cellOf = cellOf;
    this.cellZone = Int8Array.from(zones);
    this.cellLabel = Int32Array.from(labels);
    this.cellPages = Float64Array.from(pages);
    if (rescan) {
      const { count, pinned } = this.scan();
      this.count = count;
      this.pinned = pinned;
    } else {
      this.count = new Int32Array(this.nrCells * NR_PAGE_KINDS);
      this.pinned = new Int32Array(this.nrCells);
    }
  }

  /** Pages of kind k in the cells of zone z (the zone's NR_* counter). */
  zoneKind(z: number, k: number): number {
    let n = 0;
    const cz = this.cellZone;
    for (let c = 0; c < cz.length; c++) if (cz[c] === z) n += this.count[c * NR_PAGE_KINDS + k]!;
    return n;
  }

  /** The per-kind counters of a zone as an array indexed by kind. */
  zoneKinds(z: number): Float64Array {
    const out = new Float64Array(NR_PAGE_KINDS);
    for (let k = 1; k < NR_PAGE_KINDS; k++) out[k] = this.zoneKind(z, k);
    return out;
  }

  /** Add `delta` pages of kind k for the block of 2^order pages at index idx (any size). */
  addBlock(idx: number, nrPages: number, k: number, delta: number): void {
    const shift = this.shift;
    if (nrPages <= 2 ** shift) {
      this.count[this.cellOf[idx >>> shift]! * NR_PAGE_KINDS + k]! += delta * nrPages;
      return;
    }
    const chunk = 2 ** shift;
    for (let i = idx; i < idx + nrPages; i += chunk)
      this.count[this.cellOf[i >>> shift]! * NR_PAGE_KINDS + k]! += delta * chunk;
  }

  /** Add `delta` pages of kind k for every page of [idx, idx + nrPages) (any alignment). */
  addRange(idx: number, nrPages: number, k: number, delta: number): void {
    const chunk = 2 ** this.shift;
    const end = idx + nrPages;
    for (let i = idx; i < end; ) {
      const stop = Math.min(end, (Math.floor(i / chunk) + 1) * chunk);
      this.count[this.cellOf[i >>> this.shift]! * NR_PAGE_KINDS + k]! += delta * (stop - i);
      i = stop;
    }
  }

  /** Add `delta` pinned pages for a pinned block of nrPages at idx. */
  addPinned(idx: number, nrPages: number, delta: number): void {
    const shift = this.shift;
    const chunk = 2 ** shift;
    if (nrPages <= chunk) {
      this.pinned[this.cellOf[idx >>> shift]!]! += delta * nrPages;
      return;
    }
    for (let i = idx; i < idx + nrPages; i += chunk) this.pinned[this.cellOf[i >>> shift]!]! += delta * chunk;
  }

  /** Counters rebuilt from the memmap (the reference the invariants compare with). */
  scan(): { count: Int32Array; pinned: Int32Array } {
    const mm = this.memmap;
    const n = this.cellPages.length;
    const count = new Int32Array(n * NR_PAGE_KINDS);
    const pinned = new Int32Array(n);
    const shift = this.shift;
    for (let i = 0; i < mm.nrPages; ) {
      const f = mm.flags(i);
      // A free block (buddy or pcp head): its pages are all free.
      if (f & (PG_BUDDY | PG_PCP)) {
        i += 2 ** mm.order(i);
        continue;
      }
      const k = mm.kind(i);
      if (k !== PageKind.FREE) count[this.cellOf[i >>> shift]! * NR_PAGE_KINDS + k]!++;
      if (f & PG_HEAD && f & PG_PINNED) {
        const pages = 2 ** mm.order(i);
        for (let j = i; j < i + pages; j++) pinned[this.cellOf[j >>> shift]!]!++;
      }
      i++;
    }
    return { count, pinned };
  }

  checkInvariants(): void {
    const fail = (msg: string): never => {
      throw new Error(`kind census invariant violated: ${msg}`);
    };
    const mm = this.memmap;
    const pages = new Float64Array(this.nrCells);
    for (let c = 0; c < this.cellOf.length; c++) {
      const cell = this.cellOf[c]!;
      if (cell >= this.nrCells) fail(`chunk ${c} maps to cell ${cell} of ${this.nrCells}`);
      const pfn = mm.startPfn + c * 2 ** this.shift;
      const last = Math.min(mm.endPfn, pfn + 2 ** this.shift) - 1;
      const z = this.cellZone[cell]!;
      if (this.zoneIdxOf(pfn) !== z || this.zoneIdxOf(last) !== z)
        fail(`chunk ${c} (pfn 0x${pfn.toString(16)}) is not wholly in zone ${z} of its cell ${cell}`);
      pages[cell]! += last + 1 - pfn;
    }
    for (let cell = 0; cell < this.nrCells; cell++) {
      if (pages[cell] !== this.cellPages[cell])
        fail(`cell ${cell} has ${pages[cell]} pages, counted ${this.cellPages[cell]}`);
    }
    const { count, pinned } = this.scan();
    for (let cell = 0; cell < this.nrCells; cell++) {
      for (let k = 0; k < NR_PAGE_KINDS; k++) {
        const want = count[cell * NR_PAGE_KINDS + k]!;
        const got = this.count[cell * NR_PAGE_KINDS + k]!;
        if (want !== got) fail(`cell ${cell} counts ${got} ${PAGE_KIND_NAMES[k]} pages but holds ${want}`);
      }
      if (pinned[cell] !== this.pinned[cell])
        fail(`cell ${cell} counts ${this.pinned[cell]} pinned pages but holds ${pinned[cell]}`);
    }
  }
}

/** Count of trailing zero bits of a positive integer below 2^53. */
export function ctz(n: number): number {
  let z = 0;
  while (n % 2 === 0 && z < 53) {
    n /= 2;
    z++;
  }
  return z;
}
