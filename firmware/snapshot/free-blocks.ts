import { FrameKind } from './kpageflags.js';
import type { RamLayout } from './ram-layout.js';

/**
 * The free blocks of the buddy allocator, rebuilt from the kinds decoded from kpageflags.
 *
 * Kernels since 4.7 flag every page of a free block BUDDY; older ones flag only its first page
 * (the rest read as pages with no flag). Which one a snapshot comes from is read off the counts:
 * the flagged pages are close to buddyinfo's free pages (sum of 2^order x blocks) on the first,
 * close to its number of blocks on the second.
 *
 *  - every page flagged: each run of free pages inside a zone is cut into the largest aligned
 *    power-of-two blocks that fit, up to the highest order. That is the kernel's own split as long
 *    as every pair of free buddies has merged, which __free_one_page() guarantees (blocks never
 *    cross a zone, so runs are cut at zone boundaries).
 *  - head only: a head's order is not in kpageflags. A head at pfn p can be of order o only if p
 *    is aligned to 2^o and the 2^o - 1 pages after it carry no flag; its largest such o is an upper
 *    bound (pages with no flag after it may be per-cpu free pages or unflagged kernel pages). Per
 *    zone, buddyinfo says how many blocks of each order there are: the heads with the largest
 *    bounds take the largest orders (ties in pfn order), which gives buddyinfo's counts whenever
 *    any assignment can. Heads no order of buddyinfo's is left for (drift during the capture)
 *    count as order 0: only their own page is known to be free. Their block's other pages become
 *    free in `kinds`.
 *
 * Invariants (checkFreeBlocks): blocks are aligned to their order, lie inside one zone and one
 * RAM range, do not overlap; every free page of the RAM lies in exactly one block; the pages of
 * the blocks add up to freePages.
 */
export type BuddyMarking = 'every-page' | 'head-only';

export interface ZoneSpan {
  readonly node: number;
  readonly name: string;
  readonly startPfn: number;
  readonly endPfn: number;
  /** buddyinfo's free blocks per order for this zone, when it has a line for it. */
  readonly buddyBlocks: readonly number[] | null;
}

export interface ZoneFreeBlocks {
  readonly node: number;
  readonly name: string;
  /** Rebuilt free blocks per order. */
  readonly blocks: readonly number[];
  readonly freePages: number;
  /** Pages flagged BUDDY in the zone, before any rebuilding. */
  readonly flaggedPages: number;
}

export interface FreeBlocks {
  readonly marking: BuddyMarking;
  readonly orders: number;
  readonly flaggedPages: number;
  readonly freePages: number;
  readonly zones: readonly ZoneFreeBlocks[];
  /** Head-only: heads for which buddyinfo had no fitting order left (taken as order 0). */
  readonly unmatchedHeads: number;
  /** Blocks, in pfn order within each zone: first pfn and order. */
  readonly starts: Float64Array;
  readonly blockOrders: Uint8Array;
}

/** Zone segments: each zone's span cut to the RAM ranges, plus RAM that no zone spans. */
function zoneSegments(layout: RamLayout, zones: readonly ZoneSpan[]): { zone: number; a: number; b: number }[] {
  const out: { zone: number; a: number; b: number }[] = [];
  zones.forEach((z, zone) => {
    for (const r of layout.ranges) {
      const a = Math.max(z.startPfn, r.startPfn);
      const b = Math.min(z.endPfn, r.endPfn);
      if (a < b) out.push({ zone, a, b });
    }
  });
  return out.sort((x, y) => x.a - y.a);
}

export function chooseMarking(flaggedPages: number, buddyPages: number, buddyBlocks: number): BuddyMarking {
  if (buddyPages === buddyBlocks) return 'every-page';
  return Math.abs(flaggedPages - buddyPages) <= Math.abs(flaggedPages - buddyBlocks) ? 'every-page' : 'head-only';
}

export function rebuildFreeBlocks(
  kinds: Uint8Array,
  layout: RamLayout,
  zones: readonly ZoneSpan[],
  orders: number,
): FreeBlocks {
  const maxOrder = orders - 1;
  const segments = zoneSegments(layout, zones);
  const flaggedPerZone = zones.map(() => 0);
  for (const s of segments) for (let p = s.a; p < s.b; p++) if (kinds[p] === FrameKind.FREE) flaggedPerZone[s.zone]!++;
  const flagged = flaggedPerZone.reduce((x, y) => x + y, 0);
  let buddyPages = 0;
  let buddyBlocks = 0;
  for (const z of zones)
    z.buddyBlocks?.forEach((n, o) => {
      buddyPages += n * 2 ** o;
      buddyBlocks += n;
    });
  const marking = chooseMarking(flagged, buddyPages, buddyBlocks);

  let starts: number[] = [];
  let blockOrders: number[] = [];
  const perZone = zones.map(() => new Array<number>(orders).fill(0));
  const add = (zone: number, pfn: number, o: number) => {
    starts.push(pfn);
    blockOrders.push(o);
    perZone[zone]![o]!++;
  };
  let unmatchedHeads = 0;

  if (marking === 'every-page') {
    for (const s of segments) {
      let p = s.a;
      while (p < s.b) {
        if (kinds[p] !== FrameKind.FREE) {
          p++;
          continue;
        }
        let q = p;
        while (q < s.b && kinds[q] === FrameKind.FREE) q++;
        for (let x = p; x < q; ) {
          let o = maxOrder;
          while (o > 0 && (x % 2 ** o !== 0 || x + 2 ** o > q)) o--;
          add(s.zone, x, o);
          x += 2 ** o;
        }
        p = q;
      }
    }
  } else {
    // Heads and the largest order the pages after each allow, per zone.
    const heads: number[][] = zones.map(() => []);
    const bounds: number[][] = zones.map(() => []);
    for (const s of segments) {
      for (let p = s.a; p < s.b; p++) {
        if (kinds[p] !== FrameKind.FREE) continue;
        let m = 0;
        while (m < maxOrder) {
          const size = 2 ** (m + 1);
          if (p % size !== 0 || p + size > s.b) break;
          let clear = true;
          for (let q = p + 2 ** m; q < p + size; q++)
            if (kinds[q] !== FrameKind.UNKNOWN) {
              clear = false;
              break;
            }
          if (!clear) break;
          m++;
        }
        heads[s.zone]!.push(p);
        bounds[s.zone]!.push(m);
      }
    }
    zones.forEach((z, zone) => {
      const hs = heads[zone]!;
      const ms = bounds[zone]!;
      const order = hs.map((_, i) => i).sort((i, j) => ms[j]! - ms[i]! || hs[i]! - hs[j]!);
      const given = new Array<number>(hs.length).fill(-1);
      let next = 0;
      const counts = z.buddyBlocks ?? [];
      for (let o = maxOrder; o >= 0; o--) {
        for (let n = counts[o] ?? 0; n > 0 && next < order.length && ms[order[next]!]! >= o; n--) {
          given[order[next]!] = o;
          next++;
        }
      }
      hs.forEach((p, i) => {
        let o = given[i]!;
        if (o < 0) {
          unmatchedHeads++;
          o = 0;
        }
        for (let q = p + 1; q < p + 2 ** o; q++) kinds[q] = FrameKind.FREE;
        add(zone, p, o);
      });
    });
    // Blocks in pfn order within each zone, as the every-page walk gives them.
    const idx = starts.map((_, i) => i).sort((i, j) => starts[i]! - starts[j]!);
    const sorted = idx.map((i) => starts[i]!);
    blockOrders = idx.map((i) => blockOrders[i]!);
    starts = sorted;
  }

  const zoneReports = zones.map((z, zone) => {
    const blocks = perZone[zone]!;
    return {
      node: z.node,
      name: z.name,
      blocks,
      freePages: blocks.reduce((s, n, o) => s + n * 2 ** o, 0),
      flaggedPages: flaggedPerZone[zone]!,
    };
  });
  return {
    marking,
    orders,
    flaggedPages: flagged,
    freePages: zoneReports.reduce((s, z) => s + z.freePages, 0),
    zones: zoneReports,
    unmatchedHeads,
    starts: Float64Array.from(starts),
    blockOrders: Uint8Array.from(blockOrders),
  };
}

/** The invariants above; throws with the first violation. */
export function checkFreeBlocks(
  fb: FreeBlocks,
  kinds: Uint8Array,
  layout: RamLayout,
  zones: readonly ZoneSpan[],
): void {
  const covered = new Uint8Array(kinds.length);
  let pages = 0;
  for (let i = 0; i < fb.starts.length; i++) {
    const p = fb.starts[i]!;
    const o = fb.blockOrders[i]!;
    const size = 2 ** o;
    if (p % size !== 0) throw new Error(`free block at pfn ${p} is not aligned to its order ${o}`);
    if (!zones.some((z) => p >= z.startPfn && p + size <= z.endPfn))
      throw new Error(`free block at pfn ${p} (order ${o}) is not inside one zone`);
    if (!layout.ranges.some((r) => p >= r.startPfn && p + size <= r.endPfn))
      throw new Error(`free block at pfn ${p} (order ${o}) is not inside one RAM range`);
    for (let q = p; q < p + size; q++) {
      if (covered[q]) throw new Error(`free blocks overlap at pfn ${q}`);
      if (kinds[q] !== FrameKind.FREE) throw new Error(`free block at pfn ${p} holds pfn ${q}, which is not free`);
      covered[q] = 1;
    }
    pages += size;
  }
  for (const r of layout.ranges)
    for (let p = r.startPfn; p < r.endPfn; p++)
      if (kinds[p] === FrameKind.FREE && !covered[p]) throw new Error(`free pfn ${p} lies in no free block`);
  if (pages !== fb.freePages) throw new Error(`free blocks hold ${pages} pages, the report says ${fb.freePages}`);
}
