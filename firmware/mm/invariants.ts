/**
 * checkInvariants(): a full consistency check of the allocator state, O(pages). Throws an
 * Error naming the first violation precisely (zone, order, migratetype, pfn). Tests call it
 * after every step of random alloc/free sequences.
 *
 * Checked:
 *  (a) every buddy free list is a well-formed circular list; each entry is a page (not a head),
 *      with exactly PG_BUDDY set, order equal to the list's order, aligned to it, inside the
 *      list's zone, all of its pages kind FREE with no flags on tail pages;
 *  (b) each free block is on exactly one list (no page covered twice), and nr_free[zone][order]
 *      equals the lists' total length;
 *  (c) the list's migratetype is the block's pageblock migratetype, for every pageblock the
 *      block covers (freelist hygiene of v6.10+; no exceptions for buddy lists);
 *  (d) NR_FREE_PAGES, NR_FREE_CMA_PAGES and nr_free_highatomic equal the sums over the lists;
 *  (e) every pcp list entry is a free block with PG_PCP of the list's order, aligned, in the
 *      zone, kind FREE; pcp->count matches (pcp lists may hold pages of any pageblock type:
 *      documented exception, see pcp.ts);
 *  (f) every page of kind FREE is covered by a buddy or pcp block and has LRU age 0, and no other
 *      page is (no free page is also owned); PG_BUDDY / PG_PCP appear only on listed heads;
 *  (g) allocated heads (PG_HEAD) have order <= MAX_PAGE_ORDER and their blocks hold no free page;
 *  (h) zone.nrKind matches the kinds of the zone's pages;
 *  (i) pageblocks inside CMA areas are MIGRATE_CMA underneath (isolation allowed), and no
 *      pageblock elsewhere is; raw types are valid;
 *  (j) min <= low <= high <= promo watermarks;
 *  (k) with region-sorted lists: the lists' own invariants (region-sort.ts: regions never
 *      decrease along a list, run ends and bitmaps exact), and no pcp block in a masked region;
 *  (l) holes: every frame between RAM ranges is reserved with no flags, and each zone's present
 *      pages are the RAM pages of its span.
 */
import { MIGRATETYPE_NAMES, MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_ISOLATE, MIGRATE_TYPES } from './migratetype.js';
import type { PageAllocator } from './page-alloc.js';
import { NR_PAGE_KINDS, PAGE_KIND_NAMES, PG_BUDDY, PG_HEAD, PG_PCP, PageKind } from './page-flags.js';
import { NR_PCP_LISTS } from './pcp.js';
import { B_AGE, B_FLAGS, B_KIND, B_ORDER } from './memmap.js';
import { presentPagesIn } from './layout.js';
import { hex } from '../../hal/bits.js';

export function checkInvariants(pa: PageAllocator): void {
  const mm = pa.memmap;
  const base = mm.startPfn;
  const nrPages = mm.nrPages;
  const w = mm.w;
  const b = mm.b;
  // 1 = covered by a buddy block, 2 = covered by a pcp block
  const covered = new Uint8Array(nrPages);
  const fail = (msg: string): never => {
    throw new Error(`mm invariant violated: ${msg}`);
  };

  const walk = (head: number, what: string, visit: (idx: number) => void): number => {
    let n = 0;
    let prevNode = head;
    for (let node = w[3 * head]!; node !== head; node = w[3 * node]!) {
      if (node < 0 || node >= nrPages) fail(`${what}: list links to node ${node}, which is not a page`);
      if (w[3 * node + 1] !== prevNode) fail(`${what}: broken back link at pfn ${hex(node + base, 1)}`);
      if (++n > nrPages) fail(`${what}: list does not return to its head (cycle)`);
      visit(node);
      prevNode = node;
    }
    if (w[3 * head + 1] !== prevNode) fail(`${what}: head's prev does not point at the last entry`);
    return n;
  };

  const coverBlock = (idx: number, order: number, mark: number, what: string): void => {
    const n = 2 ** order;
    for (let i = idx; i < idx + n; i++) {
      if (i >= nrPages) fail(`${what}: block at pfn ${hex(idx + base, 1)} runs past the end of DRAM`);
      if (covered[i]) fail(`${what}: pfn ${hex(i + base, 1)} is in two free blocks (or on two lists)`);
      covered[i] = mark;
      if (b[12 * i + B_KIND] !== PageKind.FREE)
        fail(
          `${what}: pfn ${hex(i + base, 1)} of the free block at ${hex(idx + base, 1)} has kind ${PAGE_KIND_NAMES[b[12 * i + B_KIND]!]}`,
        );
      if (i !== idx && b[12 * i + B_FLAGS] !== 0)
        fail(
          `${what}: tail pfn ${hex(i + base, 1)} of the free block at ${hex(idx + base, 1)} has flags 0x${b[12 * i + B_FLAGS]!.toString(16)}`,
        );
    }
  };

  // (a)-(d) buddy lists
  for (const zone of pa.zones) {
    let free = 0;
    let freeCma = 0;
    let freeHighatomic = 0;
    for (let o = 0; o < pa.nrOrders; o++) {
      let total = 0;
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        const what = `zone ${zone.name} free_area[${o}].free_list[${MIGRATETYPE_NAMES[mt]}]`;
        total += walk(pa.freeListHead(zone.idx, o, mt), what, (idx) => {
          const pfn = idx + base;
          if (b[12 * idx + B_FLAGS] !== PG_BUDDY)
            fail(
              `${what}: pfn ${hex(pfn, 1)} has flags 0x${b[12 * idx + B_FLAGS]!.toString(16)}, expected PG_BUDDY only`,
            );
          if (b[12 * idx + B_ORDER] !== o) fail(`${what}: pfn ${hex(pfn, 1)} has buddy order ${b[12 * idx + B_ORDER]}`);
          if (pfn % 2 ** o !== 0) fail(`${what}: pfn ${hex(pfn, 1)} is not aligned to order ${o}`);
          if (pfn < zone.zoneStartPfn || pfn + 2 ** o > zone.endPfn)
            fail(
              `${what}: block [${hex(pfn, 1)}, ${hex(pfn + 2 ** o, 1)}) is not inside the zone [${hex(zone.zoneStartPfn, 1)}, ${hex(zone.endPfn, 1)})`,
            );
          coverBlock(idx, o, 1, what);
          const step = Math.min(2 ** o, pa.pageblockNrPages);
          for (let p = pfn; p < pfn + 2 ** o; p += step) {
            const bmt = mm.getPageblockMigratetype(p);
            if (bmt !== mt)
              fail(
                `${what}: block at ${hex(pfn, 1)} covers pageblock ${hex(p, 1)} of type ${MIGRATETYPE_NAMES[bmt] ?? bmt}`,
              );
          }
          if (mt !== MIGRATE_ISOLATE) free += 2 ** o;
          if (mt === MIGRATE_CMA) freeCma += 2 ** o;
          if (mt === MIGRATE_HIGHATOMIC) freeHighatomic += 2 ** o;
        });
      }
      const nf = pa.nrFree[zone.idx * pa.nrOrders + o]!;
      if (nf !== total) fail(`zone ${zone.name} free_area[${o}].nr_free is ${nf} but its lists hold ${total} blocks`);
    }
    if (zone.nrFreePages !== free)
      fail(`zone ${zone.name} NR_FREE_PAGES is ${zone.nrFreePages} but the non-isolated lists hold ${free} pages`);
    if (zone.nrFreeCma !== freeCma)
      fail(`zone ${zone.name} NR_FREE_CMA_PAGES is ${zone.nrFreeCma} but the CMA lists hold ${freeCma} pages`);
    if (zone.nrFreeHighatomic !== freeHighatomic)
      fail(
        `zone ${zone.name} nr_free_highatomic is ${zone.nrFreeHighatomic} but the HIGHATOMIC lists hold ${freeHighatomic} pages`,
      );
    const w = zone.watermark;
    if (!(w[0]! <= w[1]! && w[1]! <= w[2]! && w[2]! <= w[3]!))
      fail(`zone ${zone.name} watermarks are not ordered: min ${w[0]} low ${w[1]} high ${w[2]} promo ${w[3]}`);
  }

  // (k) region-sorted lists
  const sorted = pa.regionSort;
  if (sorted !== null) {
    sorted.checkInvariants((l) => {
      const zo = Math.floor(l / MIGRATE_TYPES);
      return `zone ${pa.zones[Math.floor(zo / pa.nrOrders)]!.name} free_area[${zo % pa.nrOrders}].free_list[${MIGRATETYPE_NAMES[l % MIGRATE_TYPES]}]`;
    });
  }

  // (e) pcp lists
  if (pa.pcp) {
    for (const zone of pa.zones) {
      for (let cpu = 0; cpu < pa.nrCpus; cpu++) {
        let count = 0;
        for (let pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
          const o = Math.floor(pindex / 3);
          const what = `zone ${zone.name} cpu ${cpu} pcp list ${pindex} (order ${o}, ${MIGRATETYPE_NAMES[pindex % 3]})`;
          count +=
            walk(pa.pcp.head(zone.idx, cpu, pindex), what, (idx) => {
              const pfn = idx + base;
              if (b[12 * idx + B_FLAGS] !== PG_PCP)
                fail(
                  `${what}: pfn ${hex(pfn, 1)} has flags 0x${b[12 * idx + B_FLAGS]!.toString(16)}, expected PG_PCP only`,
                );
              if (b[12 * idx + B_ORDER] !== o) fail(`${what}: pfn ${hex(pfn, 1)} has order ${b[12 * idx + B_ORDER]}`);
              if (pfn % 2 ** o !== 0) fail(`${what}: pfn ${hex(pfn, 1)} is not aligned to order ${o}`);
              if (!zone.spansPfn(pfn) || !zone.spansPfn(pfn + 2 ** o - 1))
                fail(`${what}: pfn ${hex(pfn, 1)} is outside the zone`);
              if (sorted?.anyMasked(idx, 2 ** o))
                fail(`${what}: pfn ${hex(pfn, 1)} lies in a masked region (the pcp fast path would hand it out)`);
              coverBlock(idx, o, 2, what);
            }) *
            2 ** o;
        }
        const c = pa.pcp.count[zone.idx * pa.nrCpus + cpu]!;
        if (c !== count) fail(`zone ${zone.name} cpu ${cpu} pcp count is ${c} but its lists hold ${count} pages`);
      }
    }
  }

  // (f)-(h) every page
  const nrKind = pa.zones.map(() => new Float64Array(NR_PAGE_KINDS));
  let zi = 0;
  for (let i = 0; i < nrPages; i++) {
    const pfn = i + base;
    while (zi < pa.zones.length && (pfn >= pa.zones[zi]!.endPfn || !pa.zones[zi]!.populated)) zi++;
    // Frames in no populated zone lie in a zone that spans only holes: checked by (l).
    if (zi === pa.zones.length || pfn < pa.zones[zi]!.zoneStartPfn) continue;
    const k = b[12 * i + B_KIND]!;
    const f = b[12 * i + B_FLAGS]!;
    if (k === PageKind.FREE) {
      if (!covered[i]) fail(`pfn ${hex(pfn, 1)} has kind free but is in no free block (lost page)`);
      if (b[12 * i + B_AGE] !== 0)
        fail(`free pfn ${hex(pfn, 1)} has LRU age ${b[12 * i + B_AGE]} (free pages have age 0)`);
      continue;
    }
    nrKind[zi]![k]!++;
    if (covered[i]) fail(`pfn ${hex(pfn, 1)} is in a free block but has kind ${PAGE_KIND_NAMES[k]}`);
    if (f & (PG_BUDDY | PG_PCP))
      fail(`pfn ${hex(pfn, 1)} (kind ${PAGE_KIND_NAMES[k]}) has PG_BUDDY/PG_PCP but is on no free list`);
    if (f & PG_HEAD) {
      const o = b[12 * i + B_ORDER]!;
      if (o > pa.maxOrder) fail(`allocated block at ${hex(pfn, 1)} has order ${o} > MAX_PAGE_ORDER`);
      if (i + 2 ** o > nrPages) fail(`allocated block at ${hex(pfn, 1)} of order ${o} runs past the end of DRAM`);
      for (let j = i + 1; j < i + 2 ** o; j++)
        if (b[12 * j + B_KIND] === PageKind.FREE)
          fail(`allocated order-${o} block at ${hex(pfn, 1)} contains free pfn ${hex(j + base, 1)}`);
    }
  }
  pa.zones.forEach((zone, z) => {
    for (let k = 1; k < NR_PAGE_KINDS; k++) {
      if (zone.nrKind[k] !== nrKind[z]![k])
        fail(
          `zone ${zone.name} counts ${zone.nrKind[k]} pages of kind ${PAGE_KIND_NAMES[k]} but holds ${nrKind[z]![k]}`,
        );
    }
  });

  // (l) holes
  for (const h of pa.holes()) {
    for (let pfn = h.startPfn; pfn < h.endPfn; pfn++) {
      const i = pfn - base;
      if (b[12 * i + B_KIND] !== PageKind.RESERVED || b[12 * i + B_FLAGS] !== 0)
        fail(
          `pfn ${hex(pfn, 1)} lies in a memory hole but has kind ${PAGE_KIND_NAMES[b[12 * i + B_KIND]!]} and flags 0x${b[12 * i + B_FLAGS]!.toString(16)}`,
        );
    }
  }
  for (const zone of pa.zones) {
    if (zone.spannedPages === 0) continue;
    const present = presentPagesIn(mm.ranges, zone.zoneStartPfn, zone.endPfn);
    if (zone.presentPages !== present)
      fail(`zone ${zone.name} has ${zone.presentPages} present pages but its span holds ${present} pages of RAM`);
  }

  // (i) pageblock types
  const pbNr = pa.pageblockNrPages;
  for (let pfn = base - (base % pbNr); pfn < mm.endPfn; pfn += pbNr) {
    const raw = mm.getPageblockRawMigratetype(pfn);
    if (raw >= MIGRATE_ISOLATE) fail(`pageblock ${hex(pfn, 1)} has invalid raw migratetype ${raw}`);
    const inCma = pa.cmaAreas.some((c) => pfn >= c.startPfn && pfn < c.endPfn);
    if (inCma && raw !== MIGRATE_CMA)
      fail(`pageblock ${hex(pfn, 1)} is in a CMA area but has type ${MIGRATETYPE_NAMES[raw]}`);
    if (!inCma && raw === MIGRATE_CMA) fail(`pageblock ${hex(pfn, 1)} is MIGRATE_CMA outside every CMA area`);
  }
}
