/**
 * The PASR census: what every PASR unit holds, kept incrementally.
 *
 * The allocator's kind census (mm/kind-census.ts) is partitioned at the page-frame boundaries of
 * the usable units, each cell labelled with its unit, so that every allocation, free, kind change
 * (clean -> dirty page cache, LRU page -> balloon page) and pin lands in the counters of the right
 * unit without a hook on the allocator's paths. A unit's counts are the sum of its cells (a
 * handful); the pfn -> unit lookup is one typed-array load (unitOf()).
 *
 * Categories (pages):
 *   free        not allocated (buddy or per-cpu lists, or isolated free pages)
 *   fileClean   clean page cache: dropped rather than moved when the unit is emptied
 *   fileDirty   dirty page cache: written back or moved
 *   anon        anonymous memory: moved (or swapped)
 *   slab        reclaimable slab: freed by shrinkers, never moved
 *   unmovable   kernel, page tables, unreclaimable slab, reserved memory
 *   pinned      long-term pinned pages (a subset of the above, counted apart: they cannot move)
 *   held        balloon and offline pages a policy holds (no data)
 * live = all pages but free and held. Page frames outside every usable unit are not counted.
 *
 * Invariants (checkInvariants(), against a full scan of the memmap):
 *  (a) unitOf(pfn) is the usable unit whose ranges hold pfn, or -1;
 *  (b) every category of every unit equals what a scan of the unit's frames finds.
 */
import type { MemoryManager } from '../mm/memory-manager.js';
import { NR_PAGE_KINDS, PG_BUDDY, PG_HEAD, PG_PCP, PG_PINNED, PageKind } from '../mm/page-flags.js';
import type { PasrMap } from './pasr-map.js';

export interface UnitCensus {
  readonly unit: number;
  readonly pages: number;
  readonly free: number;
  readonly fileClean: number;
  readonly fileDirty: number;
  readonly anon: number;
  readonly slab: number;
  readonly unmovable: number;
  readonly pinned: number;
  readonly held: number;
  /** Pages holding data: pages - free - held. */
  readonly live: number;
}

export class PasrCensus {
  /** Cells of each usable unit. */
  private readonly cellsOf: Int32Array[];
  private readonly unitPages: Float64Array;

  constructor(
    readonly mm: MemoryManager,
    readonly map: PasrMap,
  ) {
    const boundaries: number[] = [];
    const usable = map.units.filter((u) => u.usable);
    for (const u of usable) for (const r of u.ranges) boundaries.push(r.startPfn, r.endPfn);
    // Ranges sorted by start, to label a chunk with the unit whose range holds it.
    const ranges = usable.flatMap((u) => u.ranges.map((r) => ({ ...r, unit: u.index })));
    ranges.sort((a, b) => a.startPfn - b.startPfn);
    const labelOf = (pfn: number): number => {
      let lo = 0;
      let hi = ranges.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const r = ranges[mid]!;
        if (pfn < r.startPfn) hi = mid - 1;
        else if (pfn >= r.endPfn) lo = mid + 1;
        else return r.unit;
      }
      return -1;
    };
    mm.partitionCensus(boundaries, labelOf);
    const census = mm.census;
    const cells: number[][] = map.units.map(() => []);
    for (let c = 0; c < census.nrCells; c++) {
      const u = census.cellLabel[c]!;
      if (u >= 0) cells[u]!.push(c);
    }
    this.cellsOf = cells.map((c) => Int32Array.from(c));
    this.unitPages = Float64Array.from(map.units.map((u) => (u.usable ? u.pfnCount : 0)));
  }

  /** The usable unit holding a page frame, or -1. O(1). */
  unitOf(pfn: number): number {
    const mm = this.mm.memmap;
    if (pfn < mm.startPfn || pfn >= mm.endPfn) return -1;
    const census = this.mm.census;
    return census.cellLabel[census.cellOfIdx(pfn - mm.startPfn)]!;
  }

  /** Pages of owner kind k in a unit. */
  kindPages(unit: number, k: number): number {
    const census = this.mm.census;
    let n = 0;
    for (const c of this.cellsOf[unit] ?? []) n += census.count[c * NR_PAGE_KINDS + k]!;
    return n;
  }

  /** Live pages in a unit (the figure the PASR core needs to be 0 before masking). */
  livePages(unit: number): number {
    const census = this.mm.census;
    let used = 0;
    for (const c of this.cellsOf[unit] ?? []) {
      const base = c * NR_PAGE_KINDS;
      for (let k = 1; k < NR_PAGE_KINDS; k++) used += census.count[base + k]!;
    }
    return used - this.kindPages(unit, PageKind.BALLOON) - this.kindPages(unit, PageKind.OFFLINE);
  }

  unit(unit: number): UnitCensus {
    const census = this.mm.census;
    const k = new Float64Array(NR_PAGE_KINDS);
    let pinned = 0;
    for (const c of this.cellsOf[unit] ?? []) {
      for (let i = 1; i < NR_PAGE_KINDS; i++) k[i]! += census.count[c * NR_PAGE_KINDS + i]!;
      pinned += census.pinned[c]!;
    }
    return fromKinds(unit, this.unitPages[unit] ?? 0, k, pinned);
  }

  /** Every unit (unusable ones count 0 pages). */
  units(): UnitCensus[] {
    return this.map.units.map((u) => this.unit(u.index));
  }

  /** A unit's counts by a scan of its frames (the reference of the invariants). */
  scanUnit(unit: number): UnitCensus {
    const u = this.map.units[unit]!;
    const mm = this.mm.memmap;
    const k = new Float64Array(NR_PAGE_KINDS);
    let pinned = 0;
    if (u.usable) {
      for (const r of u.ranges) {
        for (let pfn = r.startPfn; pfn < r.endPfn; pfn++) {
          const i = pfn - mm.startPfn;
          k[mm.kind(i)]!++;
          const f = mm.flags(i);
          if (f & PG_HEAD && f & PG_PINNED) pinned += Math.min(2 ** mm.order(i), r.endPfn - pfn);
          // Pinned blocks never straddle a unit (units are larger and aligned), except when a
          // block started before this range: count its pages here from its head.
          if (pfn === r.startPfn && !(f & (PG_HEAD | PG_BUDDY | PG_PCP))) pinned += this.pinnedTailAt(pfn, r.endPfn);
        }
      }
    }
    return fromKinds(unit, this.unitPages[unit] ?? 0, k, pinned);
  }

  /** Pinned pages in [pfn, end) of a pinned block that starts before pfn. */
  private pinnedTailAt(pfn: number, end: number): number {
    const mm = this.mm.memmap;
    for (let o = 1; o <= this.mm.pa.maxOrder; o++) {
      const h = pfn - (pfn % 2 ** o);
      if (h < mm.startPfn) return 0;
      const f = mm.flags(h - mm.startPfn);
      if (f & PG_HEAD && mm.order(h - mm.startPfn) >= o) {
        return f & PG_PINNED ? Math.min(end, h + 2 ** mm.order(h - mm.startPfn)) - pfn : 0;
      }
    }
    return 0;
  }

  checkInvariants(): void {
    for (const u of this.map.units) {
      const want = this.scanUnit(u.index);
      const got = this.unit(u.index);
      for (const key of Object.keys(want) as (keyof UnitCensus)[]) {
        if (want[key] !== got[key])
          throw new Error(
            `PASR census invariant violated: unit ${u.index} counts ${got[key]} ${key} pages, holds ${want[key]}`,
          );
      }
      if (u.usable) {
        for (const r of u.ranges) {
          for (const pfn of [r.startPfn, r.endPfn - 1]) {
            if (this.unitOf(pfn) !== u.index)
              throw new Error(
                `PASR census invariant violated: pfn 0x${pfn.toString(16)} maps to unit ${this.unitOf(pfn)}, not ${u.index}`,
              );
          }
        }
      }
    }
  }
}

function fromKinds(unit: number, pages: number, k: Float64Array, pinned: number): UnitCensus {
  const held = k[PageKind.BALLOON]! + k[PageKind.OFFLINE]!;
  let used = 0;
  for (let i = 1; i < NR_PAGE_KINDS; i++) used += k[i]!;
  return {
    unit,
    pages,
    free: pages - used,
    fileClean: k[PageKind.FILE_CLEAN]!,
    fileDirty: k[PageKind.FILE_DIRTY]!,
    anon: k[PageKind.ANON]!,
    slab: k[PageKind.SLAB_RECLAIMABLE]!,
    unmovable: k[PageKind.KERNEL]! + k[PageKind.PAGE_TABLE]! + k[PageKind.SLAB_UNRECLAIMABLE]! + k[PageKind.RESERVED]!,
    pinned,
    held,
    live: used - held,
  };
}
