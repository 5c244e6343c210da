/**
 * struct zone: the span, page counts, watermarks, free-page counters and pcp sizing of one
 * zone. The free lists themselves live in PageAllocator's typed arrays, indexed by zone.
 *
 * Invariants (checked by checkInvariants()):
 *  (a) zoneStartPfn + spannedPages = endPfn; present = the RAM pages of the span (spanned minus
 *      holes; a zone may span only holes, then it is not populated);
 *  (b) managed = present - reserved pages of RAM in the zone (CMA pages are managed; the frames
 *      of holes are reserved in the memmap but neither present nor managed);
 *  (c) nrFreePages = pages in free blocks on non-ISOLATE buddy lists (NR_FREE_PAGES; pcp pages
 *      are not counted, as in Linux); nrFreeCma and nrFreeHighatomic are the CMA and HIGHATOMIC
 *      shares of it;
 *  (d) nrKind[k] = pages of owner kind k in the zone, for every kind but FREE.
 */
import type { ZoneName } from './layout.js';
import type { KindCensus } from './kind-census.js';

export class Zone {
  declare readonly idx: number;
  declare readonly name: ZoneName;
  zoneStartPfn = 0;
  spannedPages = 0;
  presentPages = 0;
  managedPages = 0;
  /** Pages of CMA areas in the zone (zone_cma_pages()). */
  cmaPages = 0;
  /** _watermark[WMARK_MIN..WMARK_PROMO]. */
  readonly watermark: number[] = [0, 0, 0, 0];
  watermarkBoost = 0;
  /** ZONE_BOOSTED_WATERMARK: set when a fallback boosted the watermark; cleared when kswapd is woken. */
  boostedWatermark = false;
  /** lowmem_reserve[highest_zoneidx]. */
  lowmemReserve: number[] = [];
  /** NR_FREE_PAGES. */
  nrFreePages = 0;
  /** NR_FREE_CMA_PAGES. */
  nrFreeCma = 0;
  /** zone->nr_free_highatomic. */
  nrFreeHighatomic = 0;
  /** zone->nr_reserved_highatomic. */
  nrReservedHighatomic = 0;
  /** Per-cpu pageset sizing (same for every CPU of the zone). */
  pcpBatch = 1;
  pcpHigh = 0;
  pcpHighMin = 0;
  pcpHighMax = 0;
  /** vm stats threshold (per-cpu counter drift) shown in zoneinfo. */
  statThreshold = 0;
  /** The allocator's kind census, which holds the zone's per-kind page counters. */
  declare census: KindCensus;

  /** Pages per owner kind (index PageKind; FREE reads 0), summed from the kind census. */
  get nrKind(): Float64Array {
    return this.census.zoneKinds(this.idx);
  }

  constructor(idx: number, name: ZoneName) {
    this.idx = idx;
    this.name = name;
  }

  get endPfn(): number {
    return this.zoneStartPfn + this.spannedPages;
  }

  /** populated_zone(). */
  get populated(): boolean {
    return this.presentPages > 0;
  }

  spansPfn(pfn: number): boolean {
    return pfn >= this.zoneStartPfn && pfn < this.zoneStartPfn + this.spannedPages;
  }

  /** wmark_pages(): watermark plus boost. */
  wmarkPages(i: number): number {
    return this.watermark[i]! + this.watermarkBoost;
  }

  get minWmark(): number {
    return this.wmarkPages(0);
  }
  get lowWmark(): number {
    return this.wmarkPages(1);
  }
  get highWmark(): number {
    return this.wmarkPages(2);
  }
}
