/**
 * MemoryManager: the mm core booted on a memory layout. It is the page allocator (buddy and
 * pcp lists, zones, memmap; inherited from PageAllocator so that allocPages()/freePages() are
 * called without an extra layer), plus the boot path (memblock reservations, freeing all other
 * memory, watermarks), the /proc views and the invariant check.
 *
 * Allocation and freeing cost no simulated time here (Linux spends ~50 ns on them); the clock
 * is kept for the mechanisms built on top (reclaim, migration, hotplug), which advance it.
 */
import type { Clock } from '../../hal/clock.js';
import { checkInvariants } from './invariants.js';
import { assertValidLayout, type MemoryLayout } from './layout.js';
import { initPerZoneWmarkMin, memblockFreeAll } from './mm-init.js';
import { PageAllocator, type PageAllocOptions } from './page-alloc.js';
import { renderBuddyinfo, renderPagetypeinfo, renderVmstat, renderZoneinfo } from './proc.js';
import { buddyinfoView, pagetypeinfoView, vmstatView, zoneinfoView } from './proc-views.js';
import { DEFAULT_LOWMEM_RESERVE_RATIO, DEFAULT_WATERMARK_SCALE_FACTOR } from './watermarks.js';

export type MmOptions = PageAllocOptions;

function validated(layout: MemoryLayout): MemoryLayout {
  assertValidLayout(layout);
  return layout;
}

export class MemoryManager extends PageAllocator {
  declare readonly layout: MemoryLayout;
  declare readonly clock: Clock;
  /** vm.min_free_kbytes in effect (given by the layout or calculated). */
  minFreeKbytes = 0;
  /** nr_free[zone][order] right after boot (the state freeing everything returns to). */
  declare readonly bootNrFree: Int32Array;
  declare private readonly lowmemReserveRatio: number[];

  constructor(layout: MemoryLayout, clock: Clock, options: MmOptions = {}) {
    super(validated(layout), options);
    this.layout = layout;
    this.clock = clock;
    this.lowmemReserveRatio = options.lowmemReserveRatio ?? [...DEFAULT_LOWMEM_RESERVE_RATIO];
    memblockFreeAll(this, layout);
    this.recalculateWatermarks();
    this.bootNrFree = this.nrFree.slice();
  }

  /** The page allocator (this object; kept so callers can name the allocator explicitly). */
  get pa(): PageAllocator {
    return this;
  }

  /**
   * init_per_zone_wmark_min(): recompute watermarks, lowmem reserves and pcp sizes from the
   * zones' managed pages (call after managed pages change, e.g. memory hotplug). A layout
   * min_free_kbytes is kept; otherwise it is recalculated from lowmem and, with THP, raised to
   * khugepaged's recommendation. Returns it.
   */
  recalculateWatermarks(): number {
    this.minFreeKbytes = initPerZoneWmarkMin(this, {
      minFreeKbytes: this.layout.minFreeKbytes,
      watermarkScaleFactor: this.layout.watermarkScaleFactor ?? DEFAULT_WATERMARK_SCALE_FACTOR,
      lowmemReserveRatio: this.lowmemReserveRatio,
      thp: this.layout.thp ?? false,
    });
    return this.minFreeKbytes;
  }

  /** Full consistency check (O(pages)); throws naming the first violation. */
  checkInvariants(): void {
    checkInvariants(this);
    this.census.checkInvariants();
  }

  /** NR_FREE_PAGES over all zones (pcp pages excluded, as in Linux). */
  nrFreePages(): number {
    return this.zones.reduce((s, z) => s + z.nrFreePages, 0);
  }

  /** Bytes of per-page state (memmap slots, list heads, pageblock flags) per page frame. */
  bytesPerPage(): number {
    return this.memmap.bytesPerPage() + this.census.bytesPerPage;
  }

  buddyinfo(): string {
    return renderBuddyinfo(buddyinfoView(this));
  }
  pagetypeinfo(): string {
    return renderPagetypeinfo(pagetypeinfoView(this));
  }
  zoneinfo(): string {
    return renderZoneinfo(zoneinfoView(this));
  }
  vmstat(): string {
    return renderVmstat(vmstatView(this));
  }
}
