/**
 * Boot: memblock reservations, freeing memory to the buddy allocator, and the core_initcall
 * sizing of watermarks, lowmem reserves and per-cpu pagesets (mm/mm_init.c, mm/memblock.c,
 * init_per_zone_wmark_min() in mm/page_alloc.c, set_recommended_min_free_kbytes() in
 * mm/khugepaged.c).
 *
 * Invariants after memblockFreeAll():
 *  (a) every page of a reserved range or of a hole has kind RESERVED and is in no free block;
 *  (b) every other page is in exactly one free block on a buddy list (FPI_TO_TAIL order);
 *  (c) zone.managedPages = present - reserved pages of RAM in the zone (holes are not present
 *      and not managed: spanned - present of the zone's RESERVED frames are holes).
 */
import type { MemoryLayout, PfnRange } from './layout.js';
import type { PageAllocator } from './page-alloc.js';
import { PageKind } from './page-flags.js';
import type { Zone } from './zone.js';
import {
  DEFAULT_LOWMEM_RESERVE_RATIO,
  DEFAULT_WATERMARK_SCALE_FACTOR,
  MIN_PERCPU_PAGELIST_HIGH_FRACTION,
  calculateMinFreeKbytes,
  calculateNormalThreshold,
  recommendedMinFreeKbytes,
  setupPerZoneLowmemReserve,
  setupPerZoneWmarks,
  zoneBatchsize,
  zoneHighsize,
} from './watermarks.js';
import { ZONE_MOVABLE, ZONE_NORMAL } from './layout.js';

/** Sorted, merged union of ranges. */
function mergeRanges(ranges: readonly PfnRange[]): PfnRange[] {
  const sorted = [...ranges].sort((a, b) => a.startPfn - b.startPfn);
  const out: PfnRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.startPfn <= last.endPfn) last.endPfn = Math.max(last.endPfn, r.endPfn);
    else out.push({ startPfn: r.startPfn, endPfn: r.endPfn });
  }
  return out;
}

/** Reserved frames of a zone that are holes (spanned - present): reserved in the memmap, not present. */
export function zoneAbsentPages(zone: Zone): number {
  return zone.spannedPages - zone.presentPages;
}

/**
 * reserve_bootmem_region() + init_unavailable_range() + memblock_free_all(): mark reserved pages
 * and the frames of holes reserved, then free every other range in the largest aligned blocks
 * (__free_pages_memory()). Linear in the number of reserved and hole pages plus the number of
 * blocks, not in the size of memory.
 */
export function memblockFreeAll(pa: PageAllocator, layout: MemoryLayout): void {
  const mm = pa.memmap;
  const taken = mergeRanges([
    ...layout.reserved.map((r) => ({
      startPfn: Math.max(r.startPfn, mm.startPfn),
      endPfn: Math.min(r.endPfn, mm.endPfn),
    })),
    ...pa.holes(),
  ]).filter((r) => r.endPfn > r.startPfn);
  for (const r of taken) {
    for (let i = r.startPfn - mm.startPfn; i < r.endPfn - mm.startPfn; i++) mm.setKindRaw(i, PageKind.RESERVED);
    pa.census.addRange(r.startPfn - mm.startPfn, r.endPfn - r.startPfn, PageKind.RESERVED, 1);
  }
  for (const zone of pa.zones)
    zone.managedPages = zone.populated ? zone.spannedPages - zone.nrKind[PageKind.RESERVED]! : 0;
  let pfn = mm.startPfn;
  for (const r of taken) {
    if (r.startPfn > pfn) pa.freePagesCore(pfn, r.startPfn, false);
    pfn = Math.max(pfn, r.endPfn);
  }
  if (pfn < mm.endPfn) pa.freePagesCore(pfn, mm.endPfn, false);
}

export interface WatermarkParams {
  /** vm.min_free_kbytes; undefined = calculate_min_free_kbytes() (raised by khugepaged with thp). */
  minFreeKbytes?: number;
  watermarkScaleFactor?: number;
  lowmemReserveRatio?: readonly number[];
  /** Transparent huge pages on: set_recommended_min_free_kbytes() may raise min_free_kbytes. */
  thp?: boolean;
}

/**
 * init_per_zone_wmark_min(): min_free_kbytes (given, or from lowmem and then raised by
 * khugepaged_min_free_kbytes_update() when THP is on), the watermarks, the lowmem reserves, the
 * vmstat thresholds and the pcp batch/high of every zone. Call again when managed pages change
 * (memory hotplug does in Linux). Returns min_free_kbytes used.
 */
export function initPerZoneWmarkMin(pa: PageAllocator, params: WatermarkParams): number {
  const managed = pa.zones.map((z) => z.managedPages);
  const lowmem = managed.reduce((s, m, i) => (i === ZONE_MOVABLE ? s : s + m), 0);
  const scale = params.watermarkScaleFactor ?? DEFAULT_WATERMARK_SCALE_FACTOR;
  let minFreeKbytes = params.minFreeKbytes ?? calculateMinFreeKbytes(lowmem, pa.pageShift);
  let wm = setupPerZoneWmarks(managed, minFreeKbytes, scale, pa.pageShift);
  if (params.minFreeKbytes === undefined && params.thp) {
    // set_recommended_min_free_kbytes() runs after the watermarks above are in place: its 5 %
    // cap reads nr_free_buffer_pages(), managed minus high watermark of the zones up to Normal.
    const upToNormal = pa.zones.filter((z) => z.idx <= ZONE_NORMAL);
    const recommended = recommendedMinFreeKbytes(
      upToNormal.filter((z) => z.populated).length,
      upToNormal.reduce((s, z) => s + Math.max(0, z.managedPages - wm[z.idx]!.high), 0),
      pa.pageblockNrPages,
      pa.pageShift,
    );
    if (recommended > minFreeKbytes) {
      minFreeKbytes = recommended;
      wm = setupPerZoneWmarks(managed, minFreeKbytes, scale, pa.pageShift);
    }
  }
  const reserve = setupPerZoneLowmemReserve(managed, params.lowmemReserveRatio ?? DEFAULT_LOWMEM_RESERVE_RATIO);
  pa.zones.forEach((zone, i) => {
    const w = wm[i]!;
    zone.watermark[0] = w.min;
    zone.watermark[1] = w.low;
    zone.watermark[2] = w.high;
    zone.watermark[3] = w.promo;
    zone.watermarkBoost = 0;
    zone.lowmemReserve = reserve[i]!;
    zone.statThreshold = calculateNormalThreshold(zone.managedPages, pa.nrCpus, pa.pageShift);
    // zone_set_pageset_high_and_batch(); pcp->high starts at high_min and stays there (pcp.ts).
    const batch = zoneBatchsize(zone.managedPages, pa.pageShift);
    zone.pcpBatch = batch;
    zone.pcpHighMin = zoneHighsize(w.low, zone.managedPages, batch, pa.nrCpus, 0);
    zone.pcpHighMax = zoneHighsize(w.low, zone.managedPages, batch, pa.nrCpus, MIN_PERCPU_PAGELIST_HIGH_FRACTION);
    zone.pcpHigh = zone.pcpHighMin;
  });
  return minFreeKbytes;
}
