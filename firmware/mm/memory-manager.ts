/**
 * MemoryManager: the mm core booted on a memory layout. It owns the page allocator (buddy
 * lists, pcp lists, zones, memmap), runs the boot path (memblock reservations, freeing all
 * other memory, watermarks) and offers the /proc views and the invariant check.
 *
 * Allocation and freeing cost no simulated time here (Linux spends ~50 ns on them); the clock
 * is kept for the mechanisms built on top (reclaim, migration, hotplug), which advance it.
 */
import type { Clock } from '../../hal/clock.js';
import { checkInvariants } from './invariants.js';
import { assertValidLayout, type MemoryLayout } from './layout.js';
import type { MemMap } from './memmap.js';
import { initPerZoneWmarkMin, memblockFreeAll } from './mm-init.js';
import { PageAllocator, type AllocResult, type MmHooks, type PageAllocOptions } from './page-alloc.js';
import { renderBuddyinfo, renderPagetypeinfo, renderVmstat, renderZoneinfo } from './proc.js';
import { buddyinfoView, pagetypeinfoView, vmstatView, zoneinfoView } from './proc-views.js';
import type { VmEvents } from './vmstat.js';
import { DEFAULT_LOWMEM_RESERVE_RATIO, DEFAULT_WATERMARK_SCALE_FACTOR } from './watermarks.js';
import type { Zone } from './zone.js';

export type MmOptions = PageAllocOptions;

export class MemoryManager {
  readonly layout: MemoryLayout;
  readonly clock: Clock;
  /** The page allocator: buddy and pcp lists, zones, free-list primitives. */
  readonly pa: PageAllocator;
  readonly memmap: MemMap;
  readonly zones: readonly Zone[];
  readonly events: VmEvents;
  /** vm.min_free_kbytes in effect (given by the layout or calculated). */
  minFreeKbytes: number;
  /** nr_free[zone][order] right after boot (the state freeing everything returns to). */
  readonly bootNrFree: Int32Array;
  private readonly lowmemReserveRatio: number[];

  constructor(layout: MemoryLayout, clock: Clock, options: MmOptions = {}) {
    assertValidLayout(layout);
    this.layout = layout;
    this.clock = clock;
    this.pa = new PageAllocator(layout, options);
    this.memmap = this.pa.memmap;
    this.zones = this.pa.zones;
    this.events = this.pa.events;
    this.lowmemReserveRatio = options.lowmemReserveRatio ?? [...DEFAULT_LOWMEM_RESERVE_RATIO];
    memblockFreeAll(this.pa, layout);
    this.minFreeKbytes = this.recalculateWatermarks();
    this.bootNrFree = this.pa.nrFree.slice();
  }

  /** __alloc_pages(): a pfn, or an AllocFailure outcome. kind is a PageKind (not FREE). */
  allocPages(order: number, gfp: number, kind: number, cpu = 0): AllocResult {
    return this.pa.allocPages(order, gfp, kind, cpu);
  }

  /** __free_pages(): free a block allocated with allocPages() (same order). */
  freePages(pfn: number, order: number, cpu = 0): void {
    this.pa.freePages(pfn, order, cpu);
  }

  /** drain_all_pages(). */
  drainAllPages(): void {
    this.pa.drainAllPages();
  }

  set hooks(h: MmHooks) {
    this.pa.hooks = h;
  }
  get hooks(): MmHooks {
    return this.pa.hooks;
  }

  /**
   * init_per_zone_wmark_min(): recompute watermarks, lowmem reserves and pcp sizes from the
   * zones' managed pages (call after managed pages change, e.g. memory hotplug). A layout
   * min_free_kbytes is kept; otherwise it is recalculated from lowmem. Returns it.
   */
  recalculateWatermarks(): number {
    this.minFreeKbytes = initPerZoneWmarkMin(this.pa, {
      minFreeKbytes: this.layout.minFreeKbytes,
      watermarkScaleFactor: this.layout.watermarkScaleFactor ?? DEFAULT_WATERMARK_SCALE_FACTOR,
      lowmemReserveRatio: this.lowmemReserveRatio,
    });
    return this.minFreeKbytes;
  }

  /** Full consistency check (O(pages)); throws naming the first violation. */
  checkInvariants(): void {
    checkInvariants(this.pa);
  }

  /** NR_FREE_PAGES over all zones (pcp pages excluded, as in Linux). */
  nrFreePages(): number {
    return this.zones.reduce((s, z) => s + z.nrFreePages, 0);
  }

  /** Bytes of per-page state (memmap arrays, links, pageblock flags) per page frame. */
  bytesPerPage(): number {
    return this.memmap.bytesPerPage();
  }

  buddyinfo(): string {
    return renderBuddyinfo(buddyinfoView(this.pa));
  }
  pagetypeinfo(): string {
    return renderPagetypeinfo(pagetypeinfoView(this.pa));
  }
  zoneinfo(): string {
    return renderZoneinfo(zoneinfoView(this.pa));
  }
  vmstat(): string {
    return renderVmstat(vmstatView(this.pa));
  }
}
