import { bitOf } from '../bits.js';

/**
 * Sets of bytes and page frames described by a few address bits ("selections").
 *
 * A selection lives inside one address-map region of `regionBits` address bits. It names a
 * few address-bit positions P (the select bits: die-select bits plus bank or segment bits) and
 * a table `sel` with one entry per assignment of those bits: byte offset `a` of the region is
 * selected iff `sel[index(a)] === 1`, where bit i of index(a) is address bit P[i] of a. Every
 * other address bit is free. So a selection never enumerates bytes or pages: membership is a
 * property of a handful of bits, and the page frames it covers are a periodic pattern.
 *
 * Invariants (checked by `checkSelection` / `checkPagePattern`):
 *  (a) P is strictly ascending, every position is in [0, regionBits), sel.length === 2^|P|,
 *      entries are 0 or 1.
 *  (b) after `simplify`, every remaining position is relevant: flipping it changes membership
 *      for at least one assignment (irrelevant bits are free bits).
 *  (c) a page (aligned block of 2^pageShift bytes) is wholly selected iff, for the assignment h
 *      of its select bits >= pageShift, every assignment l of the select bits < pageShift has
 *      sel[l | h] === 1; it is touched iff at least one has.
 *  (d) a page pattern's in-period ranges are sorted, disjoint, not adjacent (merged), and lie in
 *      [0, periodPfns); the pattern repeats every periodPfns pages (a power of two).
 */

export interface Selection {
  /** Address-bit positions, ascending. */
  readonly positions: readonly number[];
  /** 1 = selected, indexed by the assignment of `positions` (bit i = positions[i]). */
  readonly sel: Uint8Array;
}

export type CoverMode = 'whole' | 'touched';

/** A periodic set of page frames relative to a region's first page. */
export interface PagePattern {
  /** Pattern period in pages (a power of two). */
  readonly periodPfns: number;
  /** In-period ranges [starts[i], ends[i]), sorted, merged. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Pages selected per period. */
  readonly perPeriod: number;
}

export function checkSelection(s: Selection, regionBits: number): void {
  const { positions, sel } = s;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= regionBits)
      throw new Error(`selection: position ${p} outside [0, ${regionBits})`);
    if (i > 0 && p <= positions[i - 1]!) throw new Error('selection: positions not strictly ascending');
  }
  if (sel.length !== 2 ** positions.length)
    throw new Error(`selection: table has ${sel.length} entries for ${positions.length} bits`);
  for (const v of sel) if (v !== 0 && v !== 1) throw new Error('selection: table entries must be 0 or 1');
}

export function checkPagePattern(p: PagePattern): void {
  let count = 0;
  for (let i = 0; i < p.starts.length; i++) {
    const s = p.starts[i]!;
    const e = p.ends[i]!;
    if (!(s < e) || s < 0 || e > p.periodPfns)
      throw new Error(`page pattern: range ${i} [${s}, ${e}) outside [0, ${p.periodPfns})`);
    if (i > 0 && s <= p.ends[i - 1]!)
      throw new Error(`page pattern: range ${i} not after (or adjacent to) range ${i - 1}`);
    count += e - s;
  }
  if (count !== p.perPeriod) throw new Error(`page pattern: perPeriod ${p.perPeriod} but ranges hold ${count}`);
}

/** Drops select bits whose value never changes membership (invariant b). */
export function simplify(s: Selection): Selection {
  let positions = [...s.positions];
  let sel = s.sel;
  for (let i = positions.length - 1; i >= 0; i--) {
    const bit = 1 << i;
    let relevant = false;
    for (let x = 0; x < sel.length; x++) {
      if ((x & bit) === 0 && sel[x] !== sel[x | bit]) {
        relevant = true;
        break;
      }
    }
    if (relevant) continue;
    const next = new Uint8Array(sel.length >>> 1);
    const low = bit - 1;
    for (let y = 0; y < next.length; y++) next[y] = sel[(y & low) | ((y & ~low) << 1)]!;
    sel = next;
    positions.splice(i, 1);
  }
  positions = positions.slice();
  return { positions, sel };
}

export function isEmpty(s: Selection): boolean {
  return !s.sel.includes(1);
}

/** Number of selected bytes among offsets [0, size) of the region. */
export function countSelected(s: Selection, size: number, regionBits: number): number {
  const { positions, sel } = s;
  let total = 0;
  let base = 0;
  // Split [0, size) into aligned power-of-two blocks, one per set bit of size (highest first).
  for (let t = regionBits; t >= 0; t--) {
    if (bitOf(size, t) === 0) continue;
    let lowCount = 0;
    for (const p of positions) if (p < t) lowCount++;
    let matches = 0;
    for (let x = 0; x < sel.length; x++) {
      if (sel[x] !== 1) continue;
      let ok = true;
      for (let i = 0; i < positions.length; i++) {
        const p = positions[i]!;
        if (p >= t && ((x >>> i) & 1) !== bitOf(base, p)) {
          ok = false;
          break;
        }
      }
      if (ok) matches++;
    }
    total += matches * 2 ** (t - lowCount);
    base += 2 ** t;
  }
  return total;
}

/**
 * The page frames of a region that a selection covers wholly (`whole`) or in part (`touched`),
 * as a periodic pattern (invariants c, d). `regionBits` >= pageShift.
 */
export function pagePattern(s: Selection, pageShift: number, regionBits: number, mode: CoverMode): PagePattern {
  const { positions, sel } = s;
  const lowIdx: number[] = [];
  const highIdx: number[] = [];
  for (const [i, p] of positions.entries()) (p < pageShift ? lowIdx : highIdx).push(i);
  const q = highIdx.map((i) => positions[i]! - pageShift);
  const nLow = 2 ** lowIdx.length;
  const w = new Uint8Array(2 ** highIdx.length);
  for (let h = 0; h < w.length; h++) {
    let hx = 0;
    for (let j = 0; j < highIdx.length; j++) if ((h >>> j) & 1) hx |= 1 << highIdx[j]!;
    let count = 0;
    for (let l = 0; l < nLow; l++) {
      let x = hx;
      for (let j = 0; j < lowIdx.length; j++) if ((l >>> j) & 1) x |= 1 << lowIdx[j]!;
      count += sel[x]!;
    }
    w[h] = mode === 'whole' ? (count === nLow ? 1 : 0) : count > 0 ? 1 : 0;
  }
  const pfnBits = regionBits - pageShift;
  const periodBits = q.length === 0 ? pfnBits : q[q.length - 1]! + 1;
  const periodPfns = 2 ** periodBits;
  const starts: number[] = [];
  const ends: number[] = [];
  buildRanges(periodBits - 1, q.length, q, w, 0, starts, ends);
  let perPeriod = 0;
  for (let i = 0; i < starts.length; i++) perPeriod += ends[i]! - starts[i]!;
  return { periodPfns, starts, ends, perPeriod };
}

function allEqual(w: Uint8Array, v: number): boolean {
  for (const x of w) if (x !== v) return false;
  return true;
}

function pushRange(starts: number[], ends: number[], s: number, e: number): void {
  const n = ends.length;
  if (n > 0 && ends[n - 1] === s) ends[n - 1] = e;
  else {
    starts.push(s);
    ends.push(e);
  }
}

/**
 * Appends (offset by `base`) the ranges of the block [0, 2^(top+1)) selected by `w`, an
 * assignment table over the lowest `qCount` pattern bits q[0..qCount-1] (all <= top).
 */
function buildRanges(
  top: number,
  qCount: number,
  q: readonly number[],
  w: Uint8Array,
  base: number,
  starts: number[],
  ends: number[],
): void {
  const size = 2 ** (top + 1);
  if (allEqual(w, 0)) return;
  if (allEqual(w, 1)) {
    pushRange(starts, ends, base, base + size);
    return;
  }
  const qh = q[qCount - 1]!;
  if (top > qh) {
    // Free bits qh+1..top: the block of 2^(qh+1) pages repeats unchanged.
    const subStarts: number[] = [];
    const subEnds: number[] = [];
    buildRanges(qh, qCount, q, w, 0, subStarts, subEnds);
    const sub = 2 ** (qh + 1);
    const copies = 2 ** (top - qh);
    for (let c = 0; c < copies; c++) {
      const off = base + c * sub;
      for (let i = 0; i < subStarts.length; i++) pushRange(starts, ends, subStarts[i]! + off, subEnds[i]! + off);
    }
    return;
  }
  const half = w.length >>> 1;
  buildRanges(top - 1, qCount - 1, q, w.subarray(0, half), base, starts, ends);
  buildRanges(top - 1, qCount - 1, q, w.subarray(half), base + 2 ** top, starts, ends);
}

/** Pages of a pattern among the first `limitPfns` pages of the region. */
export function patternCount(p: PagePattern, limitPfns: number): number {
  const full = Math.floor(limitPfns / p.periodPfns);
  const rem = limitPfns - full * p.periodPfns;
  let count = full * p.perPeriod;
  for (let i = 0; i < p.starts.length && p.starts[i]! < rem; i++) count += Math.min(p.ends[i]!, rem) - p.starts[i]!;
  return count;
}

/** Lowest relevant select bit (the selection is a union of aligned 2^k-byte blocks), or -1 when none. */
export function lowestRelevantBit(s: Selection): number {
  return s.positions.length === 0 ? -1 : s.positions[0]!;
}
