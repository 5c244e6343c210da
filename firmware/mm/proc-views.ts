/**
 * Build the /proc views (proc.ts) from the allocator's state, the way mm/vmstat.c reads
 * struct zone: buddyinfo from nr_free, pagetypeinfo by walking the free lists (capped at
 * 100000 per list) and counting pageblocks, zoneinfo and vmstat from zone and node counters.
 *
 * Node-level LRU detail (active vs inactive, mapped, isolated) is not known to the allocator
 * core; code that knows it sets PageAllocator.statSource to supply those items. Without it,
 * anon and file pages count as inactive.
 */
import { MIGRATETYPE_NAMES, MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_TYPES } from './migratetype.js';
import type { PageAllocator } from './page-alloc.js';
import { PageKind } from './page-flags.js';
import { PAGETYPEINFO_FREE_CAP, type BuddyinfoRow, type PagetypeinfoView, type ZoneinfoZone } from './proc.js';
import {
  MEMMAP_STAT_ITEMS,
  NODE_STAT_ITEMS,
  NUMA_STAT_ITEMS,
  VMSTAT_TRAILER_ITEMS,
  WRITEBACK_STAT_ITEMS,
  ZONE_STAT_ITEMS,
  expandEventNames,
} from './vmstat.js';
import type { Zone } from './zone.js';

/** vm_dirty_ratio and dirty_background_ratio defaults (mm/page-writeback.c). */
export const VM_DIRTY_RATIO = 20;
export const DIRTY_BACKGROUND_RATIO = 10;
/** sizeof(struct page) on 64-bit Linux, for nr_memmap_boot_pages. */
export const STRUCT_PAGE_BYTES = 64;

export function buddyinfoView(pa: PageAllocator): BuddyinfoRow[] {
  return pa.zones
    .filter((z) => z.populated)
    .map((z) => ({
      node: 0,
      zone: z.name,
      nrFree: Array.from(pa.nrFree.subarray(z.idx * pa.nrOrders, (z.idx + 1) * pa.nrOrders)),
    }));
}

/** The migratetypes shown: all, or all but CMA without CONFIG_CMA. */
function shownMigratetypes(pa: PageAllocator): number[] {
  const out: number[] = [];
  for (let mt = 0; mt < MIGRATE_TYPES; mt++) if (mt !== MIGRATE_CMA || pa.configCma) out.push(mt);
  return out;
}

export function pagetypeinfoView(pa: PageAllocator): PagetypeinfoView {
  const mts = shownMigratetypes(pa);
  const zones = pa.zones
    .filter((z) => z.populated)
    .map((z) => {
      const free = mts.map((mt) => {
        const row: number[] = [];
        for (let o = 0; o < pa.nrOrders; o++)
          row.push(pa.memmap.listCount(pa.freeListHead(z.idx, o, mt), PAGETYPEINFO_FREE_CAP));
        return row;
      });
      const count = new Array<number>(MIGRATE_TYPES).fill(0);
      // pagetypeinfo_showblockcount_print(): pageblocks without a struct page (pfn_to_online_page()
      // is NULL in a memory section without RAM) are not counted.
      for (let pfn = z.zoneStartPfn; pfn < z.endPfn; pfn += pa.pageblockNrPages)
        if (pa.memmap.pfnValid(pfn)) count[pa.memmap.getPageblockMigratetype(pfn)]!++;
      return { node: 0, zone: z.name, free, blocks: mts.map((mt) => count[mt]!) };
    });
  return {
    pageblockOrder: pa.pageblockOrder,
    nrOrders: pa.nrOrders,
    migratetypeNames: mts.map((mt) => MIGRATETYPE_NAMES[mt]!),
    zones,
  };
}

/** NR_FREE_PAGES_BLOCKS: free pages in blocks of at least pageblock order, outside ISOLATE lists. */
function freePagesBlocks(pa: PageAllocator, z: Zone): number {
  let s = 0;
  for (let o = pa.pageblockOrder; o < pa.nrOrders; o++) {
    const isolated = pa.memmap.listCount(pa.freeListHead(z.idx, o, MIGRATE_ISOLATE));
    s += (pa.nrFree[z.idx * pa.nrOrders + o]! - isolated) * 2 ** o;
  }
  return s;
}

/** Value of a zone stat item (zone given) or node stat item (zone null). */
export function statValue(pa: PageAllocator, name: string, zone: Zone | null): number {
  const override = pa.statSource?.(name, zone ? zone.idx : -1);
  if (override !== undefined) return override;
  const zs = zone ? [zone] : pa.zones;
  const kinds = (...ks: number[]): number => zs.reduce((s, z) => s + ks.reduce((a, k) => a + z.nrKind[k]!, 0), 0);
  switch (name) {
    case 'nr_free_pages':
      return zs.reduce((s, z) => s + z.nrFreePages, 0);
    case 'nr_free_pages_blocks':
      return zs.reduce((s, z) => s + (z.populated ? freePagesBlocks(pa, z) : 0), 0);
    case 'nr_free_cma':
      return zs.reduce((s, z) => s + z.nrFreeCma, 0);
    case 'nr_zone_inactive_anon':
    case 'nr_inactive_anon':
    case 'nr_anon_pages':
      return kinds(PageKind.ANON);
    case 'nr_zone_inactive_file':
    case 'nr_inactive_file':
    case 'nr_file_pages':
      return kinds(PageKind.FILE_CLEAN, PageKind.FILE_DIRTY);
    case 'nr_zone_write_pending':
    case 'nr_dirty':
      return kinds(PageKind.FILE_DIRTY);
    case 'nr_slab_reclaimable':
      return kinds(PageKind.SLAB_RECLAIMABLE);
    case 'nr_slab_unreclaimable':
      return kinds(PageKind.SLAB_UNRECLAIMABLE);
    case 'nr_page_table_pages':
      return kinds(PageKind.PAGE_TABLE);
    case 'nr_balloon_pages':
      return kinds(PageKind.BALLOON);
    case 'numa_hit':
    case 'numa_local':
      // One node, every allocation local; counted in pages (Linux counts allocation calls).
      return zs.reduce((s, z) => s + pa.events.pgalloc[z.idx]!, 0);
    default:
      return pa.events.get(name) ?? 0;
  }
}

/** calculate_totalreserve_pages(): per zone, max lowmem_reserve + high watermark, capped at managed. */
export function totalreservePages(pa: PageAllocator): number {
  let total = 0;
  for (const z of pa.zones) {
    let max = Math.max(0, ...z.lowmemReserve);
    max += z.highWmark;
    if (max > z.managedPages) max = z.managedPages;
    total += max;
  }
  return total;
}

/** global_dirty_limits() with the default ratios: [threshold, background threshold]. */
export function dirtyThresholds(pa: PageAllocator): [number, number] {
  const free = statValue(pa, 'nr_free_pages', null);
  const reserve = totalreservePages(pa);
  const file = statValue(pa, 'nr_inactive_file', null) + statValue(pa, 'nr_active_file', null);
  const available = Math.max(0, free - Math.min(free, reserve) + file);
  const thresh = Math.floor((VM_DIRTY_RATIO * available) / 100);
  let bg = Math.floor((DIRTY_BACKGROUND_RATIO * available) / 100);
  if (bg >= thresh) bg = Math.floor(thresh / 2);
  return [thresh, bg];
}

export function zoneinfoView(pa: PageAllocator): ZoneinfoZone[] {
  const firstPopulated = pa.zones.find((z) => z.populated);
  return pa.zones.map((z) => {
    const v: ZoneinfoZone = {
      node: 0,
      zone: z.name,
      free: z.nrFreePages,
      boost: z.watermarkBoost,
      min: z.watermark[0]!,
      low: z.watermark[1]!,
      high: z.watermark[2]!,
      promo: z.watermark[3]!,
      spanned: z.spannedPages,
      present: z.presentPages,
      managed: z.managedPages,
      cma: z.cmaPages,
      protection: [...z.lowmemReserve],
    };
    if (z === firstPopulated) v.nodeStats = NODE_STAT_ITEMS.map((n) => [n, statValue(pa, n, null)]);
    if (z.populated) {
      v.detail = {
        zoneStats: [...ZONE_STAT_ITEMS, ...NUMA_STAT_ITEMS].map((n) => [n, statValue(pa, n, z)]),
        pagesets: Array.from({ length: pa.nrCpus }, (_, cpu) => ({
          cpu,
          count: pa.pcp ? pa.pcp.count[z.idx * pa.nrCpus + cpu]! : 0,
          high: pa.pcp ? z.pcpHigh : 0,
          batch: z.pcpBatch,
          highMin: z.pcpHighMin,
          highMax: z.pcpHighMax,
          statThreshold: z.statThreshold,
        })),
        nodeUnreclaimable: pa.nodeUnreclaimable ? 1 : 0,
        startPfn: z.zoneStartPfn,
      };
    }
    return v;
  });
}

export function vmstatView(pa: PageAllocator): [string, number][] {
  const out: [string, number][] = [];
  for (const n of [...ZONE_STAT_ITEMS, ...NUMA_STAT_ITEMS, ...NODE_STAT_ITEMS]) out.push([n, statValue(pa, n, null)]);
  const [thresh, bg] = dirtyThresholds(pa);
  out.push([WRITEBACK_STAT_ITEMS[0], thresh], [WRITEBACK_STAT_ITEMS[1], bg]);
  const memmapBoot = Math.ceil((pa.memmap.nrPages * STRUCT_PAGE_BYTES) / 2 ** pa.pageShift);
  out.push([MEMMAP_STAT_ITEMS[0], 0], [MEMMAP_STAT_ITEMS[1], memmapBoot]);
  for (const n of expandEventNames()) out.push([n, statValue(pa, n, null)]);
  for (const n of VMSTAT_TRAILER_ITEMS) out.push([n, 0]);
  return out;
}
