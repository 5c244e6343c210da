/**
 * Boot: memblock reservations, freeing memory to the buddy allocator, and the core_initcall
 * sizing of watermarks, lowmem reserves and per-cpu pagesets (mm/mm_init.c, mm/memblock.c,
 * init_per_zone_wmark_min() in mm/page_alloc.c).
 *
 * Invariants after memblockFreeAll():
 *  (a) every page of a reserved range has kind RESERVED and is in no free block;
 *  (b) every other page is in exactly one free block on a buddy list (FPI_TO_TAIL order);
 *  (c) zone.managedPages = present - reserved pages in the zone.
 */
import type { MemoryLayout } from './layout.js';
import type { PageAllocator } from './page-alloc.js';
import { PageKind } from './page-flags.js';
import {
  DEFAULT_LOWMEM_RESERVE_RATIO,
  DEFAULT_WATERMARK_SCALE_FACTOR,
  MIN_PERCPU_PAGELIST_HIGH_FRACTION,
  calculateMinFreeKbytes,
  calculateNormalThreshold,
  setupPerZoneLowmemReserve,
  setupPerZoneWmarks,
  zoneBatchsize,
  zoneHighsize,
} from './watermarks.js';
import { ZONE_MOVABLE } from './layout.js';

/**
 * reserve_bootmem_region() + memblock_free_all(): mark reserved pages, then free every other
 * range in the largest aligned blocks (__free_pages_memory()). Linear in the number of
 * reserved pages plus the number of blocks, not in the size of memory.
 */
export function memblockFreeAll(pa: PageAllocator, layout: MemoryLayout): void {
  const mm = pa.memmap;
  const reserved = [...layout.reserved].sort((a, b) => a.startPfn - b.startPfn);
  for (const r of reserved) {
    for (let i = r.startPfn - mm.startPfn; i < r.endPfn - mm.startPfn; i++) {
      if (mm.kind(i) === PageKind.RESERVED) continue; // overlapping reservations count once
      mm.setKindRaw(i, PageKind.RESERVED);
      pa.census.addRange(i, 1, PageKind.RESERVED, 1);
    }
  }
  for (const zone of pa.zones) zone.managedPages = zone.presentPages - zone.nrKind[PageKind.RESERVED]!;
  let pfn = mm.startPfn;
  for (const r of reserved) {
    if (r.startPfn > pfn) pa.freePagesCore(pfn, r.startPfn, false);
    pfn = Math.max(pfn, r.endPfn);
  }
  if (pfn < mm.endPfn) pa.freePagesCore(pfn, mm.endPfn, false);
}

export interface WatermarkParams {
  /** vm.min_free_kbytes; undefined = calculate_min_free_kbytes(). */
  minFreeKbytes?: number;
  watermarkScaleFactor?: number;
  lowmemReserveRatio?: readonly number[];
}

/**
 * init_per_zone_wmark_min(): min_free_kbytes (given or from lowmem), the watermarks, the
 * lowmem reserves, the vmstat thresholds and the pcp batch/high of every zone. Call again
 * when managed pages change (memory hotplug does in Linux). Returns min_free_kbytes used.
 */
export function initPerZoneWmarkMin(pa: PageAllocator, params: WatermarkParams): number {
  const managed = pa.zones.map((z) => z.managedPages);
  const lowmem = managed.reduce((s, m, i) => (i === ZONE_MOVABLE ? s : s + m), 0);
  const minFreeKbytes = params.minFreeKbytes ?? calculateMinFreeKbytes(lowmem, pa.pageShift);
  const wm = setupPerZoneWmarks(
    managed,
    minFreeKbytes,
    params.watermarkScaleFactor ?? DEFAULT_WATERMARK_SCALE_FACTOR,
    pa.pageShift,
  );
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
