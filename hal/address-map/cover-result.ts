import type { PagePattern } from './bit-pattern.js';

/**
 * The page frames a (dies, bank | segment) selection covers, and the shape of that set.
 *
 * Ranges are held as per-region periodic patterns (bit-pattern.ts) and expanded only on demand,
 * so a bank on a 64 GiB board (millions of short ranges) costs nothing until someone walks it.
 *
 * Invariants (checked by `checkInvariants`):
 *  (a) `forEachRange` yields absolute page-frame ranges [startPfn, endPfn) (end exclusive),
 *      sorted, disjoint and never adjacent (adjacent ranges are merged, also across pattern
 *      periods and across regions).
 *  (b) the pages yielded add up to `pfnCount`, and there are `rangeCount` ranges.
 *  (c) shape: `empty` iff bytes === 0; `sub-page` iff bytes > 0 and pfnCount === 0; `contiguous`
 *      iff one range; `strided` iff more than one range, all of the same length, with a constant
 *      start-to-start stride (then `runPfns` and `stridePfns` are set); `irregular` otherwise.
 */

export type CoverShape = 'contiguous' | 'strided' | 'sub-page' | 'empty' | 'irregular';

/** A range of page frames; `endPfn` is exclusive (Linux `end_pfn` convention). */
export interface PfnRange {
  readonly startPfn: number;
  readonly endPfn: number;
}

/** The pattern of one region: pages [basePfn, basePfn + limitPfns) in which `pattern` repeats. */
export interface RegionPages {
  readonly basePfn: number;
  readonly limitPfns: number;
  readonly pattern: PagePattern;
}

/** Walks the union of region patterns as merged absolute ranges (invariant a). */
export function forEachPfnRange(parts: readonly RegionPages[], cb: (startPfn: number, endPfn: number) => void): void {
  let ps = -1;
  let pe = -1;
  for (const { basePfn, limitPfns, pattern } of parts) {
    const { periodPfns, starts, ends } = pattern;
    if (starts.length === 0) continue;
    for (let off = 0; off < limitPfns; off += periodPfns) {
      for (let i = 0; i < starts.length; i++) {
        const s0 = off + starts[i]!;
        if (s0 >= limitPfns) break;
        const s = basePfn + s0;
        const e = basePfn + Math.min(off + ends[i]!, limitPfns);
        if (s === pe) pe = e;
        else {
          if (pe >= 0) cb(ps, pe);
          ps = s;
          pe = e;
        }
      }
    }
  }
  if (pe >= 0) cb(ps, pe);
}

export class CoverResult {
  readonly shape: CoverShape;
  /** Bytes of the selected dies' arrays in the selected segment/bank (also when no page is whole). */
  readonly bytes: number;
  readonly pfnCount: number;
  readonly rangeCount: number;
  /**
   * Size of the aligned blocks the byte set is made of: 2^(lowest address bit the selection
   * depends on). 128 for one PandaBoard EMIF (bit 7), the segment size when all dies are taken.
   * 0 when empty.
   */
  readonly granuleBytes: number;
  /** For `strided`: pages per range and pages from one range start to the next. */
  readonly runPfns?: number;
  readonly stridePfns?: number;
  readonly mode: 'whole' | 'touched';
  readonly pageSize: number;
  private readonly parts: readonly RegionPages[];
  private cached: PfnRange[] | undefined;

  constructor(
    parts: readonly RegionPages[],
    bytes: number,
    granuleBytes: number,
    mode: 'whole' | 'touched',
    pageSize: number,
  ) {
    this.parts = parts;
    this.bytes = bytes;
    this.granuleBytes = granuleBytes;
    this.mode = mode;
    this.pageSize = pageSize;
    let count = 0;
    let pages = 0;
    let firstStart = 0;
    let run = -1;
    let stride = -1;
    let prevStart = 0;
    let regular = true;
    forEachPfnRange(parts, (s, e) => {
      if (count === 0) {
        firstStart = s;
        run = e - s;
      } else {
        if (e - s !== run) regular = false;
        if (count === 1) stride = s - firstStart;
        else if (s - prevStart !== stride) regular = false;
      }
      prevStart = s;
      pages += e - s;
      count++;
    });
    this.rangeCount = count;
    this.pfnCount = pages;
    if (bytes === 0) this.shape = 'empty';
    else if (count === 0) this.shape = 'sub-page';
    else if (count === 1) this.shape = 'contiguous';
    else if (regular) {
      this.shape = 'strided';
      this.runPfns = run;
      this.stridePfns = stride;
    } else this.shape = 'irregular';
  }

  forEachRange(cb: (startPfn: number, endPfn: number) => void): void {
    forEachPfnRange(this.parts, cb);
  }

  /** All ranges (materialized on first use; a bank on a large board can have millions). */
  get ranges(): readonly PfnRange[] {
    if (this.cached === undefined) {
      const out: PfnRange[] = [];
      forEachPfnRange(this.parts, (startPfn, endPfn) => out.push({ startPfn, endPfn }));
      this.cached = out;
    }
    return this.cached;
  }

  /** Whether page frame `pfn` is in the set (binary search over the region pattern). */
  has(pfn: number): boolean {
    for (const { basePfn, limitPfns, pattern } of this.parts) {
      const rel = pfn - basePfn;
      if (rel < 0 || rel >= limitPfns) continue;
      const r = rel % pattern.periodPfns;
      const { starts, ends } = pattern;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (starts[mid]! > r) hi = mid - 1;
        else if (ends[mid]! <= r) lo = mid + 1;
        else return true;
      }
    }
    return false;
  }

  checkInvariants(): void {
    let pages = 0;
    let count = 0;
    let prevEnd = -1;
    this.forEachRange((s, e) => {
      if (!(s < e)) throw new Error(`cover: empty or reversed range [${s}, ${e})`);
      if (s <= prevEnd)
        throw new Error(`cover: range [${s}, ${e}) overlaps or touches the previous one (ends ${prevEnd})`);
      prevEnd = e;
      pages += e - s;
      count++;
    });
    if (pages !== this.pfnCount) throw new Error(`cover: pfnCount ${this.pfnCount} but ranges hold ${pages}`);
    if (count !== this.rangeCount) throw new Error(`cover: rangeCount ${this.rangeCount} but ${count} ranges`);
    const expect: CoverShape =
      this.bytes === 0
        ? 'empty'
        : count === 0
          ? 'sub-page'
          : count === 1
            ? 'contiguous'
            : this.shape === 'strided'
              ? 'strided'
              : 'irregular';
    if (expect !== this.shape) throw new Error(`cover: shape ${this.shape} but expected ${expect}`);
    if (this.mode === 'touched' && this.bytes > 0 && count === 0)
      throw new Error('cover: touched set empty although bytes are selected');
    if (this.pfnCount * this.pageSize > this.bytes && this.mode === 'whole') {
      throw new Error(`cover: ${this.pfnCount} whole pages hold more than the ${this.bytes} selected bytes`);
    }
  }

  toJSON(): { shape: CoverShape; bytes: number; pfnCount: number; granuleBytes: number; ranges: readonly PfnRange[] } {
    return {
      shape: this.shape,
      bytes: this.bytes,
      pfnCount: this.pfnCount,
      granuleBytes: this.granuleBytes,
      ranges: this.ranges,
    };
  }
}
